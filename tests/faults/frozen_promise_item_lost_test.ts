/**
 * Third review of attack round 25's fixes (the marks of eb6fbe0).
 *
 * What I did: put a frozen native promise (`Object.freeze(p)`, as SES
 * `harden()` or any library freezing its results does) in a Queue and
 * called `q.get()` with the item there.
 *
 * What happened: the fast path takes the item out (`#take()`), then
 * `settled(item)` (loop/future.ts:63) writes `[settledWith]` onto
 * `Promise.resolve(item)`, which is the frozen item itself: the write
 * throws "Cannot add property Symbol(aio.settledWith), object is not
 * extensible", sync/queue.ts:294 turns it into a rejected promise, and the
 * item is gone (qsize 0, nobody has it).
 *
 * Expected: `get()` resolves with the item (it did before eb6fbe0); a
 * Queue never loses an item it took (README "Sync primitives hand the
 * lock, permit or item..."; asyncio's Queue does not inspect items).
 *
 * Fixed: the values of the fast paths' promises live in a side table
 * (loop/settled.ts), and a thenable value is not marked at all.
 */
import assert from "node:assert/strict";
import { VirtualClock } from "../../loop/mod.ts";
import { Queue } from "../../sync/mod.ts";
import { run } from "../../task/mod.ts";

Deno.test("Queue.get() of a frozen promise item resolves with it", async () => {
  const out = await run(async () => {
    const q = new Queue<Promise<number>>();
    q.putNowait(Object.freeze(Promise.resolve(7)));
    let got: string;
    try {
      got = `value ${await q.get()}`;
    } catch (e) {
      got = `threw ${(e as Error).name}: ${(e as Error).message}`;
    }
    return { got, qsize: q.qsize() };
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.deepEqual(out, { got: "value 7", qsize: 0 });
});
