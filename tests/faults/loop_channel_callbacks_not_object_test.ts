/**
 * `new LoopChannel(loop, null)` is accepted, and the first call a Worker
 * posts on it kills the main program.
 *
 * Measured (Deno 2.9.6): `new LoopChannel(loop, null)`, then
 * `new RemoteLoop(channel.port).callSoonThreadsafe("x", 1)`: the process
 * ends with `error: Uncaught TypeError: Cannot convert undefined or null
 * to object`, from the channel's `message` handler, before the loop's
 * exception handler hears anything. (A string for `callbacks` is taken as
 * an object of its characters: "unknown callback; known: 0, 1, 2".)
 *
 * Why (executor/loop_channel.ts): the constructor does not look at
 * `callbacks`; the handler, which guards everything a Worker may post
 * ("a throw here would end the program"), calls
 * `Object.hasOwn(callbacks, name)`, which throws on `null`.
 *
 * Expected (STYLE.md: "Misuse fails loudly"; the JS caller who passes a
 * map of callbacks built at run time, `null` when empty): the constructor
 * throws a `TypeError` naming the value, and opens no port.
 */
import assert from "node:assert/strict";
import { LoopChannel } from "../../executor/mod.ts";
import { EventLoop } from "../../loop/mod.ts";

for (const [what, callbacks] of [["null", null], ["a string", "abc"]]) {
  Deno.test(`new LoopChannel() refuses ${what} for callbacks`, () => {
    using loop = new EventLoop();
    let made: LoopChannel | undefined;
    try {
      assert.throws(
        () => {
          made = new LoopChannel(
            loop,
            callbacks as unknown as Record<string, () => void>,
          );
        },
        (e: unknown) => {
          assert.ok(e instanceof TypeError, String(e));
          assert.match(e.message, /^Cannot create LoopChannel: /);
          return true;
        },
      );
    } finally {
      made?.close();
      made?.port.close();
    }
  });
}

Deno.test("new LoopChannel() takes an object of callbacks, even one without a prototype", () => {
  using loop = new EventLoop();
  using channel = new LoopChannel(loop, Object.create(null));
  channel.port.close();
});
