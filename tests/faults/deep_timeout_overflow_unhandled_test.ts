/**
 * `timeout()` blocks nested deeper than the stack holds fail with a
 * `RangeError`, and also leave rejections unhandled, which end a program
 * that caught the error.
 *
 * A timeout runs its block inline (`runInScope()`, `task/scope_future.ts`),
 * about nine frames per level, so some 1,200 nested blocks (recursive code,
 * a parser per nesting level) exhaust V8's stack. The innermost call
 * throws `RangeError` and each level hands it to its caller. But a level
 * near the limit has its body's promise in hand when its own next call
 * (`isThenable(result)`, or `result.then(...)` inside the scope) overflows
 * too: the error goes up, and the promise, already rejected, is dropped.
 * Measured at 1,000 to 3,000 levels: `run()` rejects with the `RangeError`
 * (the caller catches it), and 35 rejections are reported unhandled, each
 * of which ends a Deno program (and fails a `Deno.test`).
 *
 * Expected (CPython raises `RecursionError` from the `await`, which the
 * caller may catch; nothing else is reported): the `RangeError` reaches
 * the caller of `run()`, and no rejection is left unhandled.
 */

import assert from "node:assert/strict";
import { VirtualClock } from "../../loop/mod.ts";
import { run, sleep, timeout } from "../../task/mod.ts";

Deno.test("timeouts nested past the stack's depth reject without unhandled rejections", async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (event: PromiseRejectionEvent) => {
    unhandled.push(event.reason);
    event.preventDefault();
  };
  globalThis.addEventListener("unhandledrejection", onUnhandled);
  try {
    const nest = (depth: number): Promise<number> =>
      depth === 0
        ? sleep(1).then(() => 0)
        : timeout(1e6, () => nest(depth - 1));
    await assert.rejects(
      run(() => nest(3_000), { clock: new VirtualClock() }),
      RangeError,
    );
    // Deno reports unhandled rejections after the microtasks of a
    // macrotask have run.
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(unhandled.length, 0, `unhandled: ${unhandled.length}`);
    assert.equal(
      await run(() => nest(300), { clock: new VirtualClock() }),
      0,
    );
  } finally {
    globalThis.removeEventListener("unhandledrejection", onUnhandled);
  }
});
