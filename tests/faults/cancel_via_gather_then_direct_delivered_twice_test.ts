/**
 * Two `cancel()` calls that reach a task in one job, the first through a
 * wait that awaits it (a `gather()` whose own task is cancelled), the second
 * direct, were two cancellations: the task caught the first, went on, and
 * got a second `CancelledError` at its next wait.
 *
 * Found by the differential fuzzer (tests/fuzz/, seed 3): at the end of a
 * program, the driver cancels every task left, in order; T2 awaits
 * `gather(T3)`, so cancelling T2 cancels T3 through the gather, then the
 * driver cancels T3 itself. asyncio (3.11 and later): T3's waiter is
 * already cancelled, so the second `cancel()` only sets `_must_cancel`,
 * and `__step` throws one `CancelledError`; T3 catches it, goes on, and
 * sleeps. aio: `Task.cancel()` merged a second call into the first only
 * when both were direct (`request === null`); the gather's cancel comes
 * with the fan-out's request, so it never marked itself delivered, and the
 * direct one was delivered again at T3's next wait.
 *
 * Expected (README, Cancellation: "A cancellation is delivered once, as in
 * asyncio"; task.ts: "A second cancel() in the same job as one that reached
 * the task's waits: the task has not run since, so it is the same
 * cancellation"): one `CancelledError`, as asyncio.
 */
import assert from "node:assert/strict";
import { VirtualClock } from "@aio/asyncio/loop";
import {
  CancelledError,
  createTask,
  currentTask,
  gather,
  run,
  sleep,
} from "@aio/asyncio/task";

async function scenario(order: "gather first" | "direct first") {
  return await run(async () => {
    const log: string[] = [];
    const worker = createTask(async () => {
      try {
        await sleep(100);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        log.push("caught");
        currentTask()!.uncancel();
      }
      try {
        await sleep(10);
        log.push("slept");
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        log.push("cancelled again");
      }
    });
    const waiter = createTask(() =>
      gather([worker], { returnExceptions: true })
    );
    await sleep(50);
    if (order === "gather first") {
      waiter.cancel();
      worker.cancel();
    } else {
      worker.cancel();
      waiter.cancel();
    }
    await worker;
    await assert.rejects(waiter, CancelledError);
    return log;
  }, { clock: new VirtualClock() });
}

Deno.test("a task cancelled through a gather, then directly, in one job, is cancelled once", async () => {
  assert.deepEqual(await scenario("gather first"), ["caught", "slept"]);
});

Deno.test("a task cancelled directly, then through a gather, in one job, is cancelled once", async () => {
  assert.deepEqual(await scenario("direct first"), ["caught", "slept"]);
});
