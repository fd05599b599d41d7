/**
 * Second review of attack round 25's fixes.
 *
 * A cancel() of a task made from an abort listener on its own signal (while
 * the first cancel() is still fanning out) delivers a second CancelledError;
 * and since the deferred-cancel change, whether it does depends on how deep
 * in an await chain the task sits.
 *
 * What I did: (1) two tasks linked both ways, "if one is cancelled, cancel
 * the other" (`a.signal` abort -> `b.cancel()`, `b.signal` abort ->
 * `a.cancel()`), both in `await sleep(1e9)` with cleanup `await sleep(1)` in
 * their catch; then `a.cancel()`. (2) a leaf task whose signal listener calls
 * `currentTask().cancel()`, awaited at the bottom of a chain of D tasks
 * awaiting tasks; the top is cancelled. D = 10 vs D = 99 (leaf's cancel is
 * the 101st nested cancel(), so it is deferred: task/task.ts:384-393).
 *
 * What happened: (1) a's cleanup sleep throws CancelledError: "a cancelled",
 * "a cancelled AGAIN during cleanup". (2) D = 10: the leaf's cleanup is
 * cancelled again; D = 99: it is not (justDelivered was pre-set by the
 * deferral); D = 150: cancelled again.
 *
 * Expected: one CancelledError (cancelling() counts 2). All cancel() calls
 * came in the same job, before the task ran: task/task.ts:373-379 says "A
 * second cancel() in the same job as one that reached the task's waits ...
 * is the same cancellation, as in asyncio (one CancelledError; cancelling()
 * counts both)". And the outcome must not depend on chain depth.
 *
 * Cause: #cancelWaits (task/task.ts:407-410) sets requests.justDelivered
 * only after root.cancel() returns, but root.cancel() aborts task.signal
 * first, running listeners synchronously; a cancel() from them sees
 * justDelivered false, runs #cancelWaits again, finds no wait, and leaves
 * the request pending for the next wait (the cleanup).
 * Fix: mark the request as being delivered before root.cancel() (e.g. set
 * justDelivered = true first, and clear it if root.cancel() returns false
 * and nothing else delivered it), so re-entrant calls merge.
 *
 * Fixed: `justDelivered` is set before the fan-out aborts the task's signal
 * (and put back if nothing was delivered).
 */
import assert from "node:assert/strict";
import {
  createTask,
  currentTask,
  run,
  sleep,
  type Task,
} from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";

const opts = () => ({ clock: new VirtualClock(), handleSigint: false });

Deno.test("two tasks that cancel each other through signal listeners get one CancelledError each", async () => {
  const log = await run(async () => {
    const log: string[] = [];
    const worker = (n: string) =>
      createTask(async () => {
        try {
          await sleep(1e9);
        } catch (e) {
          try {
            await sleep(1);
            log.push(`${n} cleaned up`);
          } catch {
            log.push(`${n} cancelled again`);
          }
          throw e;
        }
      });
    const a = worker("a");
    const b = worker("b");
    await sleep(0);
    a.signal.addEventListener("abort", () => b.cancel());
    b.signal.addEventListener("abort", () => a.cancel());
    a.cancel();
    await Promise.allSettled([a, b]);
    return log.sort();
  }, opts());
  assert.deepEqual(log, ["a cleaned up", "b cleaned up"]);
});

async function chainScenario(D: number): Promise<string[]> {
  return await run(async () => {
    const log: string[] = [];
    let leafTask!: Task<string>;
    const leaf = () =>
      createTask(async () => {
        const me = currentTask()!;
        me.signal.addEventListener("abort", () => me.cancel());
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
          return await leafTask;
        }
        return await chain(i + 1);
      });
    const top = chain(0);
    await sleep(10);
    top.cancel();
    await top.then(() => {}, () => {});
    await leafTask.then(() => {}, () => {});
    return log;
  }, opts());
}

Deno.test("a leaf re-cancelled from its signal listener: same outcome at any chain depth", async () => {
  const got = {
    d10: await chainScenario(10),
    d99: await chainScenario(99),
    d150: await chainScenario(150),
  };
  assert.deepEqual(got, {
    d10: ["cleaned"],
    d99: ["cleaned"],
    d150: ["cleaned"],
  });
});
