/**
 * `WaitOptions`: the options every waiting method of the sync module takes.
 *
 * @module
 */

/**
 * Options of every method that can wait (`acquire`, `wait`, `put`, `get`,
 * `join`, ...).
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
export interface WaitOptions {
  /**
   * Aborting it ends the wait with `signal.reason`.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}
