/**
 * A thenable whose `then()` resolves with a promise (or another thenable),
 * handed to `gather()`.
 *
 * The task that wraps a bare thenable takes whatever `then()` passes to its
 * first callback as the result (`task.#succeed(v)` in task/task.ts), with
 * no further resolution. The Promise resolution procedure adopts a
 * thenable passed to `resolve`, so `await thenable` and
 * `Promise.all([thenable])` give the final value; `gather(thenable)` gives
 * the promise (or the inner thenable) itself as an element of its array,
 * typed as the value. A hand-written thenable such as
 * `{ then(resolve) { resolve(fetchIt()) } }` is the common case.
 *
 * Expected: `gather()` gives the settled values, as
 * `Promise.all()` does.
 *
 * Fixed: a task settles a thenable that is neither a native promise nor a
 * library future through a native promise, which adopts what it hands
 * over (thenable_then_throws_test.ts).
 */

import assert from "node:assert/strict";
import { gather, run } from "../../task/mod.ts";

function viaPromise(): PromiseLike<number> {
  return {
    then(resolve) {
      return Promise.resolve((resolve as (v: unknown) => void)(
        Promise.resolve(5),
      ));
    },
  } as PromiseLike<number>;
}

function viaThenable(): PromiseLike<string> {
  return {
    then(resolve) {
      (resolve as (v: unknown) => void)({
        then(inner: (v: string) => void) {
          inner("deep");
        },
      });
      return Promise.resolve() as never;
    },
  } as PromiseLike<string>;
}

Deno.test("gather() adopts what a thenable resolves with, as Promise.all() does", async () => {
  const [got, reference] = await run(async () => [
    await gather(viaPromise(), viaThenable()),
    await Promise.all([viaPromise(), viaThenable()]),
  ]);
  assert.deepEqual(reference, [5, "deep"]);
  assert.deepEqual(got, [5, "deep"]);
});
