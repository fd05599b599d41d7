/**
 * Third review of attack round 25's fixes (the marks of eb6fbe0).
 *
 * What I did: put a user's own pending native promise `p` in a
 * `Queue<Promise<number>>` and took it with `q.get()` (the fast path, a
 * queue with an item). Then used `p` on its own with the combinators.
 *
 * What happened: the fast path returns `settled(item)` (loop/future.ts:59),
 * which is `Promise.resolve(item)`; for a native promise that IS `item`, so
 * `settled()` writes `[settledWith] = p` onto the user's promise `p`. From
 * then on every combinator takes the still-pending `p` as a done future
 * whose value is `p` itself (task/awaitable.ts:51): `waitFor(p, 5)` never
 * times out (it waits for `p`, 100 ms), `gather(p)` resolves at once with
 * `[p]` (a promise in the results), and `wait([p])` returns at once with the
 * pending `p` in `done`. The symbol is also visible on the user's promise.
 *
 * Expected: the user's promise is untouched, as before eb6fbe0: `waitFor`
 * throws TimeoutError at 5 ms (README: "waitFor(aw, ms) deadline ...
 * throws TimeoutError"), `gather(p)` waits for `p` and gives `[5]`, and
 * `wait([p], {timeout: 5})` reports `p` pending. asyncio never mutates an
 * item a Queue hands out.
 *
 * Fixed: only promises `settled()` makes itself are marked, in a side
 * table; a thenable value is adopted and not marked.
 */
import assert from "node:assert/strict";
import { getRunningLoop, VirtualClock } from "../../loop/mod.ts";
import { Queue } from "../../sync/mod.ts";
import { gather, run, wait, waitFor } from "../../task/mod.ts";

Deno.test("Queue.get() fast path does not tag the user's promise item", async () => {
  const out = await run(async () => {
    const loop = getRunningLoop();
    const q = new Queue<Promise<number>>();
    let resolve!: (n: number) => void;
    const p = new Promise<number>((r) => resolve = r);
    q.putNowait(p);
    void q.get(); // the consumer's call; it hands out p
    loop.callLater(100, () => resolve(5));
    const t0 = loop.time();
    const pendingInWait = (await wait([p], { timeout: 5 })).pending.has(p);
    let waitForOutcome: string;
    try {
      await waitFor(p, 5);
      waitForOutcome = `value at ${loop.time() - t0} ms`;
    } catch (e) {
      waitForOutcome = `${(e as Error).name} at ${loop.time() - t0} ms`;
    }
    const g = await gather(p);
    return {
      ownSymbols: Object.getOwnPropertySymbols(p).length,
      pendingInWait,
      waitForOutcome,
      gathered: (g[0] as unknown) instanceof Promise ? "a promise" : g[0],
    };
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.deepEqual(out, {
    ownSymbols: 0,
    pendingInWait: true,
    waitForOutcome: "TimeoutError at 10 ms",
    gathered: 5,
  });
});
