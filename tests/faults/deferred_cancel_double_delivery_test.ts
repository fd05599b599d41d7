/**
 * Review of attack round 25's fix (deferred cancel fan-outs).
 *
 * What: a task whose cancel() is deferred (nesting > MAX_CANCEL_NESTING) and
 * that is also cancelled, in the same outermost cancel() call, by a path that
 * runs before the drain, gets TWO CancelledErrors: the deferred closure runs
 * #cancelWaits without checking `requests.justDelivered`.
 *
 * Setup (VirtualClock): a chain of tasks 0..D (D=99) each awaiting the next;
 * task D awaits Promise.all([other, leaf]) where `other` awaits `leaf`.
 * top.cancel() reaches task D's cancel() at nesting 100, so the two cancel()s
 * its fan-out makes are both deferred: `other` (pushed first), then `leaf`. Draining `other` cancels `leaf` directly
 * (delivered, justDelivered=true). Then leaf's own deferred closure runs
 * root.cancel() again: no wait is pending, so the request stays pending and is
 * thrown at leaf's next wait (its cleanup sleep).
 *
 * Measured: leaf's cleanup `await sleep(1)` throws a second CancelledError
 * (cleanup: "cancelled again"). With D=10 (no deferral) the same tree gives
 * "cleaned" — one CancelledError, as asyncio merges two cancel()s before the
 * task runs.
 * Expected: "cleaned" at every depth (README: a request is delivered once;
 * cancel() twice before delivery = one CancelledError, cancelling() == 2).
 * Cause: task/task.ts:385 (deferred closure) / :399 (#cancelWaits doesn't
 * re-check justDelivered).
 *
 * Fixed: a deferred cancel counts as delivered at once (`justDelivered`), so
 * a second cancel() of the task in the same job merges with it; the
 * deferred part skips a task that is done.
 */
import assert from "node:assert/strict";
import { createTask, run, sleep, type Task } from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";

async function scenario(D: number) {
  return await run(async () => {
    const log: string[] = [];
    let leafTask!: Task<string>;
    const leaf = () =>
      createTask(async () => {
        try {
          await sleep(1e9);
          return "leaf finished";
        } catch (e) {
          try {
            await sleep(1);
            log.push("cleaned");
          } catch {
            log.push("cancelled again");
          }
          throw e;
        }
      });
    const chain = (i: number): Task<unknown> =>
      createTask(async () => {
        if (i === D) {
          leafTask = leaf();
          const other = createTask(async () => await leafTask);
          return await Promise.all([other, leafTask]);
        }
        return await chain(i + 1);
      });
    const top = chain(0);
    await sleep(10);
    top.cancel();
    await top.then(() => {}, () => {});
    await leafTask.then(() => {}, () => {});
    return { log, cancelling: leafTask.cancelling() };
  }, { clock: new VirtualClock(), handleSigint: false });
}

Deno.test("shallow chain: leaf gets one CancelledError (control)", async () => {
  assert.deepEqual((await scenario(10)).log, ["cleaned"]);
});

Deno.test("deep chain (>100 cancel nesting): leaf gets one CancelledError", async () => {
  assert.deepEqual((await scenario(99)).log, ["cleaned"]);
});
