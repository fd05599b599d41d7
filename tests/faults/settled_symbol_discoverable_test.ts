/**
 * Third review of attack round 25's fixes (the marks of eb6fbe0).
 *
 * What I did: read the own symbols of the promise a set Event's wait()
 * returns, then used that symbol on a plain object and on the shared
 * promise.
 *
 * What happened: `settledWith` is an own property of every fast-path
 * promise (loop/future.ts:63), so `Object.getOwnPropertySymbols()` hands
 * it out (and Deno.inspect/console.log print it). With it, a plain
 * non-thenable object `{[sym]: 42}` passes gather() (toFuture() checks the
 * tag before isAwaitable(), task/awaitable.ts:51), and rewriting the tag on
 * the shared RESOLVED_TRUE changes what every uncontended acquire gives
 * every combinator in the process.
 *
 * Expected: the tag is private to the library (a module WeakMap, not a
 * property): gather({...}) throws "expected a task, future, promise or
 * async function", and fast-path promises carry no visible extra property.
 *
 * Fixed: no property, no symbol: a side table (loop/settled.ts).
 */
import assert from "node:assert/strict";
import { VirtualClock } from "../../loop/mod.ts";
import { Event } from "../../sync/mod.ts";
import { gather, run } from "../../task/mod.ts";

Deno.test("the settledWith tag is not reachable from user code", async () => {
  const out = await run(async () => {
    const ev = new Event();
    ev.set();
    const syms = Object.getOwnPropertySymbols(ev.wait());
    let plain: string;
    try {
      const sym = syms[0] as symbol;
      // deno-lint-ignore no-explicit-any
      plain = `accepted ${JSON.stringify(await gather({ [sym]: 42 } as any))}`;
    } catch (e) {
      plain = (e as Error).name;
    }
    return { symbols: syms.length, plain };
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.deepEqual(out, { symbols: 0, plain: "TypeError" });
});
