/**
 * Constructors and options refuse a bad value with an error that names it,
 * whatever the value: a symbol, an object whose `toString()` throws, a
 * string where a number belongs.
 *
 * Found: their messages put the value in a template (`got ${value}`). A
 * symbol cannot become a string, so the template threw "Cannot convert a
 * Symbol value to a string" instead of the library's error; an object's
 * throwing `toString()` threw its own error; `new EventLoop({
 * slowCallbackMs: Symbol() })` threw from the comparison, and a string
 * ("5") was taken as the threshold. Now the value is named with
 * `describeValue()`, and `slowCallbackMs` must be a number.
 */

import assert from "node:assert/strict";
import { EventLoop, VirtualClock } from "../../loop/mod.ts";
import { Barrier, Queue, Semaphore } from "../../sync/mod.ts";
import { run, timeoutAt } from "../../task/mod.ts";

const symbol = Symbol("bad");
const hostile = {
  toString(): string {
    throw new Error("toString boom");
  },
};

/** Each constructor, given `value`. */
const makers: [string, (value: unknown) => unknown][] = [
  ["Queue", (v) => new Queue(v as number)],
  ["Semaphore", (v) => new Semaphore(v as number)],
  ["Barrier", (v) => new Barrier(v as number)],
  ["VirtualClock", (v) => new VirtualClock(v as number)],
  ["EventLoop", (v) => new EventLoop({ slowCallbackMs: v as number })],
];

for (const [name, make] of makers) {
  Deno.test(`${name} refuses a symbol and a hostile object with its own RangeError, naming the value`, () => {
    assert.throws(
      () => make(symbol),
      (error: Error) => {
        assert.equal(error.name, "RangeError");
        assert.match(error.message, /^Cannot create .*, got Symbol\(bad\)$/);
        return true;
      },
    );
    assert.throws(
      () => make(hostile),
      (error: Error) => {
        assert.equal(error.name, "RangeError");
        assert.match(
          error.message,
          /^Cannot create .*, got \{ toString: \[Function: toString\] \}$/,
        );
        return true;
      },
    );
  });
}

Deno.test("EventLoop refuses a slowCallbackMs that is a string, not a number", () => {
  assert.throws(
    () => new EventLoop({ slowCallbackMs: "5" as unknown as number }),
    /^RangeError: Cannot create EventLoop: slowCallbackMs must be a number >= 0, got "5"$/,
  );
});

Deno.test("timeoutAt() refuses a symbol deadline with its own TypeError", async () => {
  const message = await run(async () => {
    try {
      await timeoutAt(symbol as unknown as number, async () => {});
      return "no error";
    } catch (error) {
      return `${(error as Error).name}: ${(error as Error).message}`;
    }
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.equal(
    message,
    "TypeError: Cannot call timeoutAt(): when must be a number or null, got Symbol(bad)",
  );
});
