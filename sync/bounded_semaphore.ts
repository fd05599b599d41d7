/**
 * `BoundedSemaphore`: a semaphore that refuses extra releases.
 *
 * @module
 */

import { Semaphore } from "./semaphore.ts";

/**
 * A {@linkcode Semaphore} that throws when `release()` would raise `value`
 * above its initial value: it catches a release without an acquire.
 *
 * @example Too many releases
 * ```ts
 * import { run } from "@aio/asyncio/task";
 * import { BoundedSemaphore } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * await run(async () => {
 *   const sem = new BoundedSemaphore(1);
 *   await sem.acquire();
 *   sem.release();
 *   assert.throws(() => sem.release(), RangeError);
 * });
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  readonly #bound: number;

  /**
   * Creates a semaphore with `value` permits, which is also its bound.
   *
   * @param value The initial and largest number of permits.
   * @throws {RangeError} If `value` is not an integer >= 0.
   *
   * @example Create
   * ```ts
   * import { BoundedSemaphore } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new BoundedSemaphore(3).value, 3);
   * ```
   */
  constructor(value?: number) {
    value ??= 1;
    super(value);
    this.#bound = value;
  }

  /**
   * Gives a permit back, as {@linkcode Semaphore.release}.
   *
   * @throws {RangeError} If every permit is already free.
   *
   * @example Release what was acquired
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { BoundedSemaphore } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const sem = new BoundedSemaphore(2);
   *   await sem.acquire();
   *   sem.release();
   *   assert.equal(sem.value, 2);
   * });
   * ```
   */
  override release(): void {
    if (this.value >= this.#bound) {
      throw new RangeError(
        `Cannot release bounded semaphore: value would exceed its bound of ${this.#bound}`,
      );
    }
    super.release();
  }
}
