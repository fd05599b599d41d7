/**
 * A timer more than 2^31 - 1 ms (about 24.8 days) away: `sleep(Infinity)`,
 * `callLater(30 days)`, `timeout(Infinity, () => ...)` around host I/O.
 *
 * An idle loop sleeps on one host timer armed for its earliest deadline,
 * with `setTimeout(wake, Math.ceil(delay))`. A host timer cannot be armed
 * beyond 2^31 - 1 ms: Deno prints `TimeoutOverflowWarning: ... does not
 * fit into a 32-bit signed integer. Timeout duration was set to 1.` and
 * fires after 1 ms. The loop wakes, finds nothing due, arms the same
 * timer again: while such a timer is the earliest, an idle loop wakes
 * every millisecond (a core kept busy) and prints that warning each time.
 * Measured: a task in `sleep(Infinity)` (or `sleep(30 days)`) while the
 * program waits 100 ms on the host armed 44-48 host timers, with as many
 * warnings on stderr.
 *
 * Expected: a far deadline arms a host timer of at most 2^31 - 1 ms (and
 * re-arms when it fires early) or none at all for `Infinity`, so an idle
 * loop stays asleep. CPython caps the selector's timeout the same way
 * (`MAXIMUM_SELECT_TIMEOUT`, 24 hours).
 *
 * Fixed: the idle loop arms at most 2^31 - 1 ms (and re-arms when that
 * fires), and nothing for an infinite deadline.
 */

import assert from "node:assert/strict";
import { EventLoop } from "../../loop/mod.ts";

const MAX_DELAY = 2 ** 31 - 1;

for (const delayMs of [30 * 24 * 3600 * 1000, Infinity]) {
  Deno.test(`an idle loop with a timer ${delayMs} ms away stays asleep`, async () => {
    const hostSetTimeout = globalThis.setTimeout;
    const armed: number[] = [];
    globalThis.setTimeout = ((fn: () => void, ms?: number) => {
      armed.push(ms ?? 0);
      // A delay the host cannot take is armed as the host would take it,
      // without the warning on every call.
      const delay = ms !== undefined && ms > MAX_DELAY ? 1 : ms;
      return hostSetTimeout(fn, delay);
    }) as typeof setTimeout;
    const loop = new EventLoop();
    try {
      const far = loop.callLater(delayMs, () => {});
      // The host wakes the loop 20 ms from now, through its own timer.
      const stopper = hostSetTimeout(
        () => loop.callSoonThreadsafe(() => loop.stop()),
        20,
      );
      try {
        await loop.runForever();
      } finally {
        clearTimeout(stopper);
        far.cancel();
      }
    } finally {
      globalThis.setTimeout = hostSetTimeout;
      loop.close();
    }
    assert.ok(
      armed.every((ms) => ms <= MAX_DELAY),
      `host timers armed beyond 2^31 - 1 ms (the host fires them after 1 ms): ${
        armed.slice(0, 3).join(", ")
      }...`,
    );
    assert.ok(
      armed.length <= 2,
      `the idle loop woke and re-armed its host timer ${armed.length} times in 20 ms`,
    );
  });
}
