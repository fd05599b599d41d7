/**
 * Attack round 25 (wrong error, late): `new EventLoop({ clock })` takes any
 * value as its clock; the mistake surfaces later, far from its cause, as a
 * raw TypeError from the loop's internals.
 *
 * What I did: `new EventLoop({ clock })` with `{}`, `5`, `"x"`, `{ now: 5 }`
 * (e.g. a clock object passed where its method belongs), then `loop.time()`;
 * and `run(main, { clock: {} })`.
 *
 * What happened (measured): every constructor call succeeds; `time()`
 * throws "TypeError: this[#clock].now is not a function", and so does
 * `run()`, from inside the loop (loop/event_loop.ts:269 stores the option
 * without a look; :298 and :424 call it).
 *
 * Expected: the 4985775 standard for constructors ("Constructors and
 * options refuse a bad value with an error that names it"), as
 * EventLoop already does for `slowCallbackMs`: a TypeError from the
 * constructor saying the clock must have a `now()` method, naming the
 * value. (The Clock interface: `now(): number` is required.)
 *
 * Fixed: the constructor refuses a clock without a `now()` method with a
 * TypeError naming it.
 */

import assert from "node:assert/strict";
import { EventLoop } from "../../loop/mod.ts";

for (const clock of [{}, 5, "x", { now: 5 }]) {
  Deno.test(`new EventLoop({ clock: ${JSON.stringify(clock)} }) is refused at once`, () => {
    let loop: EventLoop | undefined;
    try {
      assert.throws(
        () => {
          loop = new EventLoop({ clock: clock as never });
        },
        (e: Error) =>
          e instanceof TypeError &&
          /^Cannot create EventLoop: .*clock/.test(e.message),
      );
    } finally {
      loop?.close();
    }
  });
}
