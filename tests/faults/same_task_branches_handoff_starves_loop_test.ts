/**
 * Attack round 25: a producer and a consumer run as two branches of one
 * task (`await Promise.all([producer(), consumer()])`, the JS spelling of
 * `asyncio.gather(producer(), consumer())`) and pass items through a
 * `Queue(1)`: the hand-off chain never returns to the loop. Other tasks,
 * loop callbacks and the host (timers, sockets) get no turn until it ends.
 *
 * What I did (real clock, run()): a ticker task looping on `sleep(0)`; then
 * `Promise.all([producer(), consumer()])` moving 5,000,000 numbers through a
 * `Queue(1)` (`await q.put(i)` / `await q.get()`); at item 1,000 the
 * producer schedules `loop.callSoon(...)` and a host `setTimeout(..., 1)`.
 *
 * What happened (measured, every run): 10,000,000 items took 1,216 ms
 * (5,000,000: ~600 ms) during which the ticker task ran 0 times, the
 * callSoon callback did not run, and the 1 ms host timer did not fire; all
 * ran only after the chain ended. (An instrumented copy of the loop counted
 * 1 call of #runOnce() for 300,000 hand-offs.) As two tasks (createTask)
 * the same transfer lets each of them run every ~1.5 items.
 *
 * Why: every put finds room and every get finds an item, because the two
 * branches interleave at each `await` of a settled native promise (the
 * library's "a wait that need not wait is a settled native promise", README)
 * — no library wait ever parks, so the tick never ends and the loop's
 * busy-loop guard (YIELD_EVERY_MS / #hostTurn in runForever, and the settle
 * phase's MAX_HOPS host turn, which only counts hops while a resumed task is
 * stepping) never runs.
 *
 * Expected: README, "How it differs": "A busy loop (tasks that never wait on
 * the host, a chain of callSoon()s) lets the host run every 4 ms, and lets
 * it poll sockets and fire its timers at least every 50 ms". In asyncio the
 * gathered producer and consumer are tasks, and each blocks on the full /
 * empty queue in turn, so the loop runs between them. Here a server doing
 * this stops answering for as long as the transfer lasts.
 *
 * Fixed: the loop counts the waits that need not wait in a tick
 * (`loop[busyTick]()`); past 256 and 4 ms more, the next ones still act at
 * the call but resolve in the next tick (`grantNextTick()` in
 * loop/settled.ts), and the host gets its turn after that tick. The test hands items over until the
 * callback ran and the host timer fired (at most 2,000,000 items): before
 * the fix, all of them went first.
 */

import assert from "node:assert/strict";
import { createTask, run, sleep } from "../../task/mod.ts";
import { getRunningLoop } from "../../loop/mod.ts";
import { Queue } from "../../sync/mod.ts";

Deno.test("a Promise.all producer/consumer hand-off lets the loop, other tasks and the host run", async () => {
  const MAX = 2_000_000;
  const got = await run(async () => {
    const loop = getRunningLoop();
    const q = new Queue<number>(1);
    let moved = 0;
    let tickerRuns = 0;
    let stop = false;
    let soonAt = -1;
    let hostAt = -1;
    const ticker = createTask(async () => {
      while (!stop) {
        tickerRuns++;
        await sleep(0);
      }
    });
    await sleep(0);
    const before = tickerRuns;
    let host: ReturnType<typeof setTimeout> | undefined;
    const producer = async () => {
      for (let i = 0; i < MAX && (hostAt < 0 || soonAt < 0); i++) {
        if (i === 1000) {
          loop.callSoon(() => (soonAt = moved));
          host = setTimeout(() => (hostAt = moved), 1);
        }
        await q.put(i);
      }
      await q.put(-1);
    };
    const consumer = async () => {
      while ((await q.get()) >= 0) moved++;
    };
    await Promise.all([producer(), consumer()]);
    const result = {
      callSoonRan: soonAt >= 0 && soonAt < MAX,
      hostTimerFired: hostAt >= 0 && hostAt < MAX,
      tickerRan: tickerRuns > before,
    };
    stop = true;
    await ticker;
    clearTimeout(host);
    return result;
  }, { handleSigint: false });
  assert.deepEqual(got, {
    callSoonRan: true,
    hostTimerFired: true,
    tickerRan: true,
  });
});
