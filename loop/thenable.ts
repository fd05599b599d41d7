/**
 * What the library takes for a promise, and how it settles one it did not
 * make. Internal: the layers above use it; no `mod.ts` exports it.
 *
 * @module
 */

import { Future } from "./future.ts";

/** Whether `value` has a `then` method (the test `await` applies). */
export function isThenable<T = unknown>(
  value: unknown,
): value is PromiseLike<T> {
  return value !== null &&
    (typeof value === "object" || typeof value === "function") &&
    typeof (value as PromiseLike<T>).then === "function";
}

/**
 * `thenable` settled as `await` would settle it: a native promise or a
 * library future as it is; any other thenable through a native promise,
 * whose resolution procedure takes care of a `then()` that throws, calls
 * back twice, or hands over another thenable to adopt.
 */
export function adopted<T>(thenable: PromiseLike<T>): PromiseLike<T> {
  return thenable instanceof Promise || thenable instanceof Future
    ? thenable
    : Promise.resolve(thenable);
}
