/**
 * Code that catches a `CancelledError` and goes on without waiting on the
 * host (only promises that are already settled: an in-memory
 * `ReadableStream`, a loop of `await`s) is cancelled a second time at its
 * next library wait, once its reaction takes more than about 64
 * microtasks.
 *
 * Measured (virtual clock, deterministic): a task waits on `q.get()`; it
 * is cancelled; it catches the `CancelledError` and drains a buffered
 * `ReadableStream` of N chunks already enqueued (no host I/O: every read
 * settles in microtasks, ~1 hop per chunk), then `await sleep(1)`. N = 20:
 * the sleep runs. N = 100: the sleep throws `CancelledError` again. With
 * plain `await Promise.resolve()` steps the threshold is between 60 (fine)
 * and 70 (doubled); the same with `Promise.race`/`Promise.all` of two
 * library waits; and with the `CancelledError` thrown through 80 nested
 * async frames instead (caught at the top, then `sleep(1)`).
 *
 * Why: the reaction runs in the settle phase of the tick that rejected the
 * future. After 64 hops the loop yields a macrotask with `#ticking = false`;
 * the rest of the reaction runs in that drain, so its next wait looks like
 * one "started outside the loop's ticks (code resumed by a host promise)"
 * and `#meetUnseen()` delivers the held request to it.
 *
 * Expected: README, Cancellation: "A cancellation is delivered once, as in
 * asyncio: code that catches it ... and goes on at once is not cancelled
 * again". The Pitfalls exception covers code that "awaits only native
 * promises for two ticks" and host promises; here no tick passes and no
 * host promise is awaited. asyncio: a task that catches `CancelledError`
 * and goes on is not cancelled again at its next `await`.
 *
 * Fixed: while a cancellation watches for the code's reaction, the settle
 * phase hops up to 4,096 microtasks before its macrotask fallback, so a long
 * reaction is still the code's reaction. (At first the fallback was kept
 * part of the tick instead; but host events run in that macrotask too, and
 * code a due timer resumed there was taken for a reaction, which lost a
 * cancellation: tests/faults/race_loser_cancel_lost_test.ts. A reaction of
 * more than some 4,000 microtasks without a wait is now cancelled again at
 * its next library wait, as README, Pitfalls, says: of a second delivery
 * and a lost cancellation, the library chooses the second.)
 */
import assert from "node:assert/strict";
import { VirtualClock } from "../../loop/mod.ts";
import { Queue } from "../../sync/mod.ts";
import { createTask, run, sleep } from "../../task/mod.ts";

async function afterCatch(chunks: number): Promise<string> {
  return await run(async () => {
    const q = new Queue<string>();
    const t = createTask(async () => {
      const buffered = new ReadableStream<string>({
        start(controller) {
          for (let i = 0; i < chunks; i++) controller.enqueue(`record ${i}`);
          controller.close();
        },
      });
      try {
        await q.get();
      } catch (error) {
        if ((error as Error).name !== "CancelledError") throw error;
        // Flush what was buffered: no host I/O, all settled already.
        let flushed = 0;
        for await (const _ of buffered) flushed++;
        assert.equal(flushed, chunks);
      }
      try {
        await sleep(1); // the next library wait after handling the cancel
        return "went on";
      } catch (error) {
        return `cancelled again: ${(error as Error).name}`;
      }
    });
    await sleep(1);
    t.cancel();
    return await t;
  }, { clock: new VirtualClock(), handleSigint: false });
}

Deno.test("a caught cancellation is not delivered again after a short in-memory flush", async () => {
  assert.equal(await afterCatch(20), "went on");
});

Deno.test("a caught cancellation is not delivered again after a long in-memory flush", async () => {
  assert.equal(await afterCatch(100), "went on");
});

Deno.test("a caught cancellation is not delivered again after a 3,000-chunk in-memory flush", async () => {
  assert.equal(await afterCatch(3_000), "went on");
});
