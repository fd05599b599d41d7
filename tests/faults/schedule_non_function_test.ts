/**
 * `callSoon()`, `callSoonThreadsafe()`, `callLater()` and `callAt()` given
 * something that is not a function (a typo'd variable, a method reference
 * that is `undefined`, the result of calling the callback instead of
 * passing it: `loop.callSoon(f())`).
 *
 * The loop takes it and returns a handle. `null` then does nothing at all
 * when its turn comes (the handle takes a null callback for a cancelled
 * one), silently; any other value throws `TypeError: cb is not a function`
 * a tick later, reported as "Exception in callback Handle(<anonymous>)",
 * with a stack inside the loop and nothing that leads to the call that
 * scheduled it. `addDoneCallback()` already refuses a non-function at
 * once.
 *
 * Expected (asyncio: `call_soon()`, `call_soon_threadsafe()`,
 * `call_later()` and `call_at()` check `callable(callback)` and raise
 * `TypeError: a callable object was expected by call_soon(), got 42`, in
 * and out of debug mode): a `TypeError` from the call itself, and nothing
 * scheduled.
 *
 * Fixed: each of them throws a `TypeError` naming the value at the call.
 */

import assert from "node:assert/strict";
import { EventLoop, VirtualClock } from "@aio/asyncio/loop";

const NOT_FUNCTIONS: [string, unknown][] = [
  ["null", null],
  ["undefined", undefined],
  ["a number", 42],
  ["an object", {}],
  ["a promise", Promise.resolve()],
];

for (const [what, value] of NOT_FUNCTIONS) {
  Deno.test(`scheduling ${what} as a callback throws a TypeError`, () => {
    using loop = new EventLoop({ clock: new VirtualClock() });
    const callback = value as () => void;
    assert.throws(() => loop.callSoon(callback), TypeError, "callSoon");
    assert.throws(
      () => loop.callSoonThreadsafe(callback),
      TypeError,
      "callSoonThreadsafe",
    );
    assert.throws(() => loop.callLater(1, callback), TypeError, "callLater");
    assert.throws(() => loop.callAt(1, callback), TypeError, "callAt");
  });
}
