/**
 * Minimal reproductions of what surprised user4 while writing gateway.ts and
 * scheduler.ts. Each test states the doc line it relies on.
 */
import assert from "node:assert/strict";
import { CancelledError, createTask, run, sleep, timeout } from "../../mod.ts";

// Task.cancel() (deno doc task/mod.ts): "Requests cancellation: the task's
// signal aborts now and a `CancelledError` is thrown at its next wait (or
// now, into the wait it is in)." README, Cancellation: "Code that awaits a
// native promise without a signal is cancelled at its next library wait",
// and Pitfalls: a cancellation that finds only waits a Promise.race left
// behind "stays pending for the code's next library wait".
//
// A JS developer caps a native call with `Promise.race([native, sleep(ms)])`.
// When the native promise wins, the losing sleep() stays pending, and no
// other library wait of the task ends after it began. A cancel() that
// arrives while the task is parked on a later native promise is spent on
// that abandoned sleep: nothing is thrown at the task's next wait, the task
// runs to completion and resolves with its value. The cancellation is lost
// (only task.signal shows it). Expected: CancelledError at `sleep(10)`.
// Fixed: a cancellation that reaches only plain futures becomes pending for
// the next wait unless the code goes on within two ticks. (The native call
// takes a few milliseconds here: if it settled in the very job of the
// cancel, the code's next wait would look like a reaction to it; README,
// Pitfalls.)
Deno.test("cancel() while parked on a native promise after a Promise.race won by a native promise reaches the next wait", async () => {
  const log: string[] = [];
  const outcome = await run(async () => {
    const parked = Promise.withResolvers<void>();
    const reached = Promise.withResolvers<void>();
    const poller = createTask(async () => {
      // A poll capped at one second; the native side answers at once.
      await Promise.race([Promise.resolve("answer"), sleep(1_000)]);
      reached.resolve();
      await parked.promise; // e.g. `await res.json()`, no signal
      log.push("native done");
      await sleep(10); // the next library wait: should throw CancelledError
      log.push("went on after cancel()");
      return "finished";
    });
    await reached.promise;
    assert.equal(poller.cancel(), true);
    assert.equal(poller.signal.aborted, true);
    setTimeout(() => parked.resolve(), 5); // the native call takes a while
    try {
      return await poller;
    } catch (e) {
      return e instanceof CancelledError ? "cancelled" : `other: ${e}`;
    }
  });
  assert.deepEqual(log, ["native done"]);
  assert.equal(outcome, "cancelled");
});

// Same cause, through a deadline. timeout() (deno doc task/mod.ts): "Code
// that only awaits a native promise given no signal times out at its next
// library wait." After a Promise.race won by a native promise, the deadline
// is spent on the sleep() the race left behind: the block's next library
// wait is not cancelled and timeout() returns the block's value although
// `scope.expired()` is true. Expected: TimeoutError at `sleep(10)`.
Deno.test("timeout() past its deadline raises TimeoutError at the next wait after a Promise.race left a sleep() behind", async () => {
  const result = await run(async () => {
    const parked = Promise.withResolvers<void>();
    const block = timeout(30, async (scope) => {
      await Promise.race([Promise.resolve("answer"), sleep(1_000)]);
      await parked.promise; // native, no signal; the deadline passes here
      await sleep(10); // should throw CancelledError -> TimeoutError
      return `finished (expired=${scope.expired()})`;
    });
    await sleep(60); // well past the deadline
    parked.resolve();
    return await block.catch((e) => (e as Error).name);
  });
  assert.equal(result, "TimeoutError");
});
