/**
 * `Guard`: a `Disposable` hold on a lock-like primitive, for `using`.
 *
 * @module
 */

/** Anything with a `release()`: a `Lock`, a `Semaphore`, a `Condition`. */
export interface Releasable {
  /** Gives back what was acquired. */
  release(): void;
}

/**
 * A hold on an acquired lock, semaphore permit or condition: disposing it
 * releases once. `lock()` on {@linkcode Lock}, {@linkcode Semaphore} and
 * {@linkcode Condition} acquires and returns one, so the release happens at
 * scope exit, exceptions and cancellations included:
 *
 * ```ts ignore
 * using _ = await lock.lock();
 * ```
 *
 * @example Release at scope exit
 * ```ts
 * import { run } from "@aio/asyncio/task";
 * import { Lock } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const lock = new Lock();
 *   {
 *     using _ = await lock.lock();
 *     assert.ok(lock.locked());
 *   }
 *   assert.equal(lock.locked(), false);
 * });
 * ```
 */
export class Guard implements Disposable {
  #resource: Releasable | null;

  /**
   * Wraps a resource the caller has already acquired.
   *
   * @param resource What to release on dispose.
   *
   * @example Guard a manual acquire
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Guard, Lock } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const lock = new Lock();
   *   await lock.acquire();
   *   new Guard(lock).release();
   *   assert.equal(lock.locked(), false);
   * });
   * ```
   */
  constructor(resource: Releasable) {
    this.#resource = resource;
  }

  /**
   * Whether the guard has not released yet.
   *
   * @returns `true` until the first `release()` or dispose.
   *
   * @example Held, then released
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Semaphore } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const guard = await new Semaphore(2).lock();
   *   assert.equal(guard.held, true);
   *   guard.release();
   *   assert.equal(guard.held, false);
   * });
   * ```
   */
  get held(): boolean {
    return this.#resource !== null;
  }

  /**
   * Releases the resource, once: later calls do nothing, so an early
   * release followed by the scope's dispose is safe.
   *
   * @example Early release
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Lock } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const lock = new Lock();
   *   using guard = await lock.lock();
   *   guard.release();
   *   assert.equal(lock.locked(), false);
   * });
   * ```
   */
  release(): void {
    const resource = this.#resource;
    if (resource === null) return;
    this.#resource = null;
    resource.release();
  }

  /**
   * Same as {@linkcode Guard.release}: what `using` calls at scope exit.
   *
   * @example Dispose by hand
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Lock } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const lock = new Lock();
   *   const guard = await lock.lock();
   *   guard[Symbol.dispose]();
   *   assert.equal(lock.locked(), false);
   * });
   * ```
   */
  [Symbol.dispose](): void {
    this.release();
  }
}
