/**
 * The errors of stream reads.
 *
 * @module
 */

/**
 * The stream ended before the expected number of bytes arrived.
 *
 * @example Fields
 * ```ts
 * import { IncompleteReadError } from "@aio/asyncio/io";
 * import assert from "node:assert/strict";
 *
 * const e = new IncompleteReadError(new Uint8Array([1, 2]), 4);
 * assert.equal(e.partial.length, 2);
 * assert.equal(e.expected, 4);
 * ```
 */
export class IncompleteReadError extends Error {
  /** The bytes read before the end of the stream. */
  readonly partial: Uint8Array<ArrayBuffer>;
  /** How many bytes were expected, or `null` when reading up to a separator. */
  readonly expected: number | null;

  /**
   * Creates the error.
   *
   * @param partial The bytes read before EOF.
   * @param expected The number of bytes expected, or `null`.
   *
   * @example Create
   * ```ts
   * import { IncompleteReadError } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * assert.match(new IncompleteReadError(new Uint8Array(1), 3).message, /1 bytes read on a total of 3/);
   * ```
   */
  constructor(partial: Uint8Array<ArrayBuffer>, expected: number | null) {
    super(
      `${partial.length} bytes read on a total of ${
        expected === null ? "undefined" : expected
      } expected bytes`,
    );
    this.name = "IncompleteReadError";
    this.partial = partial;
    this.expected = expected;
  }
}

/**
 * A separator was not found within the stream's limit. The data stays in the
 * buffer; `consumed` says how many bytes to skip to get past it.
 *
 * @example Fields
 * ```ts
 * import { LimitOverrunError } from "@aio/asyncio/io";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new LimitOverrunError("too long", 10).consumed, 10);
 * ```
 */
export class LimitOverrunError extends Error {
  /** The number of bytes to consume to get past the overrun. */
  readonly consumed: number;

  /**
   * Creates the error.
   *
   * @param message What overran.
   * @param consumed Bytes to consume.
   *
   * @example Create
   * ```ts
   * import { LimitOverrunError } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new LimitOverrunError("x", 1).name, "LimitOverrunError");
   * ```
   */
  constructor(message: string, consumed: number) {
    super(message);
    this.name = "LimitOverrunError";
    this.consumed = consumed;
  }
}
