/**
 * `SignalOptions`: the `{ signal }` every waiting method of the library
 * takes, and the one check of a signal that is already aborted.
 *
 * @module
 */

import { describeArgument } from "./describe_value.ts";

/**
 * Options of every method that can wait (`sleep`, `acquire`, `wait`, `put`,
 * `get`, `join`, `read`, `drain`, ...).
 *
 * The check is static: a signal that is already aborted rejects the call
 * with exactly `signal.reason`, even when the call would not have to wait.
 * A signal that aborts while the call waits rejects it with `signal.reason`,
 * takes the caller out of the line at once, and leaves the primitive as if
 * the call had never been made.
 *
 * @example Give up waiting for a lock
 * ```ts
 * import { run } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import { Lock } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const lock = new Lock();
 *   await lock.acquire();
 *   const controller = new AbortController();
 *   const waiting = lock.acquire({ signal: controller.signal });
 *   controller.abort(new Error("gave up"));
 *   await assert.rejects(waiting, /gave up/);
 *   lock.release();
 *   assert.equal(lock.locked(), false);
 * }, { clock: new VirtualClock() });
 * ```
 */
export interface SignalOptions {
  /**
   * Aborting it ends the wait with `signal.reason`.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/**
 * The static check of a waiting method that returns a promise: a rejected
 * promise of `signal.reason` if `signal` is already aborted, else `null`.
 * (A method that throws uses `signal?.throwIfAborted()`.)
 *
 * @param signal The caller's signal.
 * @returns The rejection, or `null`.
 */
export function rejectIfAborted(
  signal: AbortSignal | undefined,
): Promise<never> | null {
  if (signal === undefined) return null;
  const bad = notASignal(signal);
  if (bad !== null) return Promise.reject(bad);
  return signal.aborted ? Promise.reject(signal.reason) : null;
}

/**
 * The static check of a waiting method that throws (or is async): throws
 * `signal.reason` if `signal` is already aborted.
 *
 * @param signal The caller's signal.
 * @throws {TypeError} If `signal` is neither `undefined` nor an
 * `AbortSignal`.
 */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  const bad = notASignal(signal);
  if (bad !== null) throw bad;
  signal.throwIfAborted();
}

/**
 * The error for a `signal` option that is not an `AbortSignal` (the
 * controller passed for its signal, say), or `null` for one that is. Checked
 * before anything waits: a wait that failed to listen would stay queued.
 *
 * @param signal The caller's signal (not `undefined`).
 * @returns The `TypeError`, or `null`.
 */
export function notASignal(signal: unknown): TypeError | null {
  if (signal instanceof AbortSignal) return null;
  const got = signal instanceof AbortController
    ? "an AbortController (pass its signal)"
    : describeArgument(signal);
  return new TypeError(
    `Cannot wait: the signal option must be an AbortSignal, got ${got}`,
  );
}
