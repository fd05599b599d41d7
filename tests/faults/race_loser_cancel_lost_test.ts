/**
 * `task.cancel()` is lost when the only library wait it finds is a
 * `Promise.race` loser and the host promise the task's code is parked on
 * settles right after: the task runs on to the end and returns.
 *
 * Measured, deterministic on the virtual clock: the task races `q.get()`
 * (an empty queue) against a host promise that wins, so the `get()` is left
 * behind. Its code then awaits a host promise (`gate`, standing for a
 * `fetch`, a `Deno.stat()`, a `crypto.subtle` digest, a real
 * `setTimeout(0)`), then `sleep(10)`, then returns "ran on". The driver
 * calls `t.cancel()` while the code is parked on `gate` and opens the gate
 * at once (the host reply arrives just after the cancel). The task then
 * sleeps 10 ms and resolves with "ran on": no `CancelledError` anywhere.
 * With the real clock, the same loop (race once, then `await host();
 * await sleep(0)` for 1.5 s) ran to its end after `cancel()` in 4/15
 * (`setTimeout(0)`), 8/15 (`Deno.stat`) and 8/15 (`crypto.subtle.digest`)
 * trials.
 *
 * Why (loop/cancel_scope.ts): the fan-out reaches only the loser (a plain
 * leaf wait older than the last wait end: `STRAY`), so `#afterFanOut()`
 * parks the request in `unseen` and decides two ticks later: if the root's
 * `#moves` changed meanwhile, "the code went on" and the request is
 * dropped. But `#moves` also changes when the code, which never saw the
 * error (the loser's rejection goes nowhere), starts its next library wait
 * (`addWait()` bumps `#moves`; it looks only at `pending`, not `unseen`),
 * so that wait is not cancelled and the request is gone.
 *
 * Expected (README, Cancellation table: `task.cancel()` cancels "every wait
 * of the task"; "If nothing is pending, the next wait started there is
 * cancelled"; Pitfalls: a cancellation that finds only left-behind waits
 * "stays pending for the code's next library wait"; `Task.cancel()`: "a
 * `CancelledError` is thrown at its next wait"; the module doc of
 * cancel_scope.ts: "a cancelled task never runs on as if nothing
 * happened"): the `sleep(10)` throws `CancelledError` and the task ends
 * cancelled. asyncio's task.cancel() is never dropped this way.
 *
 * Fixed: a leaf wait the task starts before the cancelled futures'
 * rejections are dispatched, from code a host promise resumed outside the
 * loop's ticks (so it never saw the error), gets the request. The test's
 * host reply is a real `setTimeout(0)`: a reply that the driver hands over
 * from inside a tick, in the very job of the cancel, cannot be told from
 * the code reacting (README, Pitfalls).
 */
import assert from "node:assert/strict";
import { Queue } from "../../sync/mod.ts";
import { createTask, run, sleep, type Task } from "../../task/mod.ts";

/**
 * A task races `q.get()` against a host promise that wins, then parks on
 * `gate` (a host wait: fetch(), Deno.stat()...), then `sleep(10)`.
 * `cancelAndReply` cancels it while it is parked there and has the gate
 * opened; the outcome is how the task ended.
 */
async function raceThenCancel(
  cancelAndReply: (task: Task<string>, openGate: () => void) => void,
): Promise<string> {
  return await run(async () => {
    const q = new Queue<number>();
    const gate = Promise.withResolvers<void>();
    const parked = Promise.withResolvers<void>();
    const t = createTask(async () => {
      // The host side wins; the get() is left behind, still pending.
      await Promise.race([q.get(), Promise.resolve("host")]);
      parked.resolve();
      await gate.promise;
      await sleep(10);
      return "ran on";
    });
    await parked.promise;
    await sleep(1); // the task is parked on `gate`
    cancelAndReply(t, () => gate.resolve());
    try {
      return `returned ${await t}`;
    } catch (error) {
      return `threw ${(error as Error).name}`;
    }
  }, { handleSigint: false });
}

Deno.test("task.cancel() reaching only a Promise.race loser is not lost when the code's host wait ends at once", async () => {
  const outcome = await raceThenCancel((t, openGate) => {
    t.cancel();
    setTimeout(openGate, 0); // the host reply right after
  });
  assert.equal(outcome, "threw CancelledError");
});

// The same with the host reply already due when the cancel is made: the
// tick that delivers the cancelled future's rejection waits on the task
// (its step never ends: the code is parked on the host), then lets the host
// run, and the due timer fires before the loop's own turn. The code it
// resumes ran inside the tick's window and its `sleep(10)` was taken for a
// reaction: the cancellation was lost on every run (on a loaded machine the
// first test's timer fell into that window too). Fixed: the window is not
// part of the tick.
Deno.test("task.cancel() reaching only a Promise.race loser is not lost when the host reply is already due", async () => {
  const outcome = await raceThenCancel((t, openGate) => {
    setTimeout(openGate, 0);
    // Hold the tick until the host's timer is due.
    const due = performance.now() + 5;
    while (performance.now() < due) { /* busy */ }
    t.cancel();
  });
  assert.equal(outcome, "threw CancelledError");
});
