/**
 * The private protocol between `Future` and the futures built on it (`Task`,
 * scope futures, `sleep`): symbol-keyed methods that are not public API.
 */

/** Future's internal completion, for Task (whose public setters throw). */
export const complete: unique symbol = Symbol("aio.complete");
/** Completes a future and wakes its callbacks in the same tick. */
export const resolveNow: unique symbol = Symbol("aio.resolveNow");
/** A future's state: 0 pending, 1 fulfilled, 2 failed, 3 cancelled. */
export const stateOf: unique symbol = Symbol("aio.stateOf");
/** Completes a future and wakes its awaiters in the same microtask. */
export const settleNow: unique symbol = Symbol("aio.settleNow");
