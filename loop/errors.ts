/**
 * The errors of futures: a cancelled one, and one used in the wrong state.
 *
 * @module
 */

import { describeValue } from "./describe_value.ts";

/**
 * A task or future was cancelled. Thrown at the cancelled task's wait point;
 * `finally` blocks run. Catching it and returning ends the task normally.
 *
 * @example Thrown by a cancelled future
 * ```ts
 * import { CancelledError } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.throws(() => {
 *   throw new CancelledError();
 * }, CancelledError);
 * ```
 */
export class CancelledError extends Error {
  /**
   * Creates the error.
   *
   * @param message The cancel message, if any.
   * @param options The cause, if any.
   *
   * @example With a message
   * ```ts
   * import { CancelledError } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new CancelledError("bye").message, "bye");
   * ```
   */
  constructor(message?: string, options?: ErrorOptions) {
    // Any value, as asyncio's cancel(msg) takes: one that cannot become a
    // string (a symbol) must not throw from inside a cancel().
    super(
      message === undefined
        ? ""
        : typeof message === "string"
        ? message
        : describeValue(message),
      options,
    );
    this.name = "CancelledError";
  }
}

/**
 * An operation is not allowed in the object's current state, such as reading
 * the result of a pending future or completing a future twice.
 *
 * @example Result of a pending future
 * ```ts
 * import { InvalidStateError } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new InvalidStateError("x").name, "InvalidStateError");
 * ```
 */
export class InvalidStateError extends Error {
  /**
   * Creates the error.
   *
   * @param message What is wrong.
   *
   * @example Create
   * ```ts
   * import { InvalidStateError } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new InvalidStateError("pending").message, "pending");
   * ```
   */
  constructor(message: string) {
    super(message);
    this.name = "InvalidStateError";
  }
}
