/**
 * `sleep(Infinity)` (or `callLater(Infinity)`, `timeoutAt(Infinity)`) on a
 * `VirtualClock`, when nothing else is scheduled.
 *
 * An idle loop on virtual time jumps its clock to the earliest deadline.
 * When that deadline is `Infinity` it jumps there: `advanceTo(Infinity)`
 * sets the clock to `Infinity` (the constructor refuses a non-finite start,
 * `advanceTo()` does not check), and the "forever" sleep returns. From then
 * on `loop.time()` is `Infinity` for the rest of the run: every new
 * deadline is `Infinity + ms = Infinity`, already due, so `sleep(10)`
 * returns at once and timers fire in the order they were scheduled, not
 * by delay (a `timeout(10, () => sleep(20))` does not time out).
 * Measured: `loop.callLater(Infinity, cb)` on an idle loop runs `cb` with
 * `loop.time() === Infinity`; `loop.callLater(5, ...).when()` is then
 * `Infinity`.
 *
 * Expected (trio's autojump `MockClock`, the model: an infinite deadline
 * is no deadline, nothing to jump to): a sleep of `Infinity` never ends
 * by time, the clock stays finite, and the idle loop waits for the host
 * (here, a host timer that wakes it) as on the real clock.
 *
 * Fixed: an idle loop takes an infinite deadline for none: it neither
 * jumps to it nor arms a host timer for it.
 */

import assert from "node:assert/strict";
import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import { createTask, run, sleep } from "@aio/asyncio/task";

Deno.test("a virtual clock never jumps to an infinite deadline", async () => {
  const seen = await run(async () => {
    const loop = getRunningLoop();
    const sleeper = createTask(async () => {
      await sleep(Infinity);
      return "woke";
    });
    // Only the host can wake this loop: a host timer, in 10 ms.
    const woken = loop.createFuture<void>();
    const timer = setTimeout(
      () => loop.callSoonThreadsafe(() => woken.setResult()),
      10,
    );
    try {
      await woken;
    } finally {
      clearTimeout(timer);
    }
    const seen = { sleeperDone: sleeper.done(), time: loop.time() };
    sleeper.cancel();
    return seen;
  }, { clock: new VirtualClock() });
  assert.deepEqual(seen, { sleeperDone: false, time: 0 });
});
