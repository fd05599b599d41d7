/**
 * A wait the task left behind absorbs `task.cancel()`.
 *
 * The README names two ways a task's code leaves a library wait pending
 * behind it: `Promise.race([q.get(), ...])` whose losing `get()` stays
 * pending, and a `Promise.all` that rejected early, leaving a branch
 * waiting ("cancelling the task still reaches them"). Such a wait stays
 * registered with the task's scope. When the task is then cancelled while
 * its code is parked on a host promise (or on a child task that ends with
 * its value), the request is fanned out to the stray wait, which counts as
 * delivering it (a plain future was cancelled: `noteConsumed()` in
 * `loop/cancel_scope.ts` marks the request spent, so it is neither left
 * pending nor handed back). Nothing is left for the code that goes on: its
 * next library wait is not cancelled, and the task runs on as if
 * `cancel()` had never been called. Measured: after `cancel()` the task
 * slept 2 s more and returned normally, in all four combinations (race or
 * all; parked on a host promise or on a child task); without the stray
 * wait it ended cancelled 70 ms later, at its next wait.
 *
 * Expected (README, Cancellation: "Code that awaits a native promise
 * without a signal is cancelled at its next library wait"; cancel_scope.ts:
 * "a cancelled task never runs on as if nothing happened because what it
 * awaited finished anyway"; asyncio: a cancelled task gets `CancelledError`
 * at its next `await`): the task ends cancelled at the first library wait
 * after the host promise (or the child) settles. The 5 s bound only detects
 * the task running on.
 *
 * A deadline is absorbed the same way: `timeout(50, block)` whose block
 * left such a wait, then awaited a host promise past the deadline, did not
 * time out; measured: the block's next `sleep(1000)` ran in full and
 * `timeout()` returned normally after 1,110 ms (without the stray wait:
 * `TimeoutError` after 103 ms). Expected (README: a `timeout(ms, fn)`
 * deadline cancels the waits of `fn`; a request that finds no wait is
 * delivered to the next one): `TimeoutError` at the block's next wait.
 */

import assert from "node:assert/strict";
import { CancelledError } from "../../loop/mod.ts";
import { Queue } from "../../sync/mod.ts";
import {
  createTask,
  run,
  sleep,
  type Task,
  timeout,
  TimeoutError,
  wait,
} from "../../task/mod.ts";

/**
 * How `task` ended (`returned`, `TimeoutError`, `cancelled`), and whether
 * it was still running after `ms` (then it is cancelled again, which
 * reaches its `sleep()`).
 */
async function outcomeWithin(
  task: Task<unknown>,
  ms: number,
): Promise<[string, boolean]> {
  const { done } = await wait([task], { timeout: ms });
  if (done.size === 0) task.cancel();
  const outcome = await task.then(
    () => "returned",
    (e) =>
      e instanceof TimeoutError
        ? "TimeoutError"
        : e instanceof CancelledError
        ? "cancelled"
        : String(e),
  );
  return [outcome, done.size === 0];
}

/** Leaves a `q.get()` pending in the running task, as each pitfall does. */
const leaveStray = {
  race: async (q: Queue<number>) => {
    await Promise.race([q.get(), sleep(5)]);
  },
  all: async (q: Queue<number>) => {
    try {
      await Promise.all([
        q.get(),
        (async () => {
          await sleep(5);
          throw new Error("one branch failed");
        })(),
      ]);
    } catch {
      // The usual fallback; the get() branch is still waiting.
    }
  },
};

/** What the code awaits when the cancel comes. */
const parkOn = {
  "a host promise": () => new Promise((r) => setTimeout(r, 100)),
  "a child task": () =>
    createTask(async () => {
      await new Promise((r) => setTimeout(r, 100));
      return 1;
    }),
};

for (const [stray, leave] of Object.entries(leaveStray)) {
  for (const [parked, park] of Object.entries(parkOn)) {
    Deno.test(`task.cancel() while parked on ${parked}, with a Promise.${stray} get() left pending, cancels the task`, async () => {
      const [outcome, ranOn] = await run(async () => {
        const q = new Queue<number>();
        let ranOn = false;
        const task = createTask(async () => {
          await leave(q);
          await park();
          await sleep(60_000);
          ranOn = true;
        });
        await sleep(40); // the task is parked now
        task.cancel();
        const [outcome, hung] = await outcomeWithin(task, 5_000);
        q.putNowait(0); // ends the stray get(), if still pending
        return [outcome, ranOn || hung];
      });
      assert.equal(ranOn, false, "the task ran on after cancel()");
      assert.equal(outcome, "cancelled");
    });
  }
}

for (const [stray, leave] of Object.entries(leaveStray)) {
  Deno.test(`a timeout() whose block left a Promise.${stray} get() pending still times out`, async () => {
    const [outcome, ranOn] = await run(async () => {
      const q = new Queue<number>();
      let ranOn = false;
      const task = createTask(() =>
        timeout(50, async () => {
          await leave(q);
          await new Promise((r) => setTimeout(r, 100)); // past the deadline
          await sleep(60_000);
          ranOn = true;
        })
      );
      const [outcome, hung] = await outcomeWithin(task, 5_000);
      q.putNowait(0); // ends the stray get(), if still pending
      return [outcome, ranOn || hung];
    });
    assert.equal(ranOn, false, "the block ran on past its deadline");
    assert.equal(outcome, "TimeoutError");
  });
}
