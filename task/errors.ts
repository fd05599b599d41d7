/**
 * The error of a deadline that passed.
 *
 * @module
 */

/**
 * A deadline passed: thrown by `waitFor`, `timeout` and `asCompleted`. Its
 * `name` is `"TimeoutError"`, like the `DOMException` of
 * `AbortSignal.timeout()`.
 *
 * @example Check the name
 * ```ts
 * import { TimeoutError } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new TimeoutError().name, "TimeoutError");
 * ```
 */
export class TimeoutError extends Error {
  /**
   * Creates the error.
   *
   * @param message What timed out.
   * @param options The cause, if any.
   *
   * @example Create
   * ```ts
   * import { TimeoutError } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new TimeoutError("slow").message, "slow");
   * ```
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message ?? "Timed out", options);
    this.name = "TimeoutError";
  }
}
