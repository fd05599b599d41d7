/**
 * The error classes of the library. Each sets `name`, and carries what a
 * caller needs to recover.
 *
 * @example Catch a cancellation
 * ```ts
 * import { CancelledError } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const e = new CancelledError("stop");
 * assert.ok(e instanceof Error);
 * assert.equal(e.name, "CancelledError");
 * assert.equal(e.message, "stop");
 * ```
 *
 * @module
 */

/**
 * A task or future was cancelled. Thrown at the cancelled task's wait point;
 * `finally` blocks run. Catching it and returning ends the task normally.
 *
 * @example Thrown by a cancelled future
 * ```ts
 * import { CancelledError } from "@aio/asyncio/task";
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
   * import { CancelledError } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new CancelledError("bye").message, "bye");
   * ```
   */
  constructor(message?: string, options?: ErrorOptions) {
    super(message ?? "", options);
    this.name = "CancelledError";
  }
}

/**
 * An operation is not allowed in the object's current state, such as reading
 * the result of a pending future or completing a future twice.
 *
 * @example Result of a pending future
 * ```ts
 * import { InvalidStateError } from "@aio/asyncio/task";
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
   * import { InvalidStateError } from "@aio/asyncio/task";
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
  constructor(message = "Timed out", options?: ErrorOptions) {
    super(message, options);
    this.name = "TimeoutError";
  }
}

/**
 * `getNowait()` on an empty queue.
 *
 * @example Create
 * ```ts
 * import { QueueEmpty } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new QueueEmpty().name, "QueueEmpty");
 * ```
 */
export class QueueEmpty extends Error {
  /**
   * Creates the error.
   *
   * @param message The message.
   *
   * @example Create
   * ```ts
   * import { QueueEmpty } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * assert.match(new QueueEmpty().message, /empty/);
   * ```
   */
  constructor(message = "Cannot get item: queue is empty") {
    super(message);
    this.name = "QueueEmpty";
  }
}

/**
 * `putNowait()` on a full queue.
 *
 * @example Create
 * ```ts
 * import { QueueFull } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new QueueFull().name, "QueueFull");
 * ```
 */
export class QueueFull extends Error {
  /**
   * Creates the error.
   *
   * @param message The message.
   *
   * @example Create
   * ```ts
   * import { QueueFull } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * assert.match(new QueueFull().message, /full/);
   * ```
   */
  constructor(message = "Cannot put item: queue is full") {
    super(message);
    this.name = "QueueFull";
  }
}

/**
 * A put or get on a queue that was shut down (as in Python 3.13).
 *
 * @example Create
 * ```ts
 * import { QueueShutDown } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new QueueShutDown().name, "QueueShutDown");
 * ```
 */
export class QueueShutDown extends Error {
  /**
   * Creates the error.
   *
   * @param message The message.
   *
   * @example Create
   * ```ts
   * import { QueueShutDown } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * assert.match(new QueueShutDown().message, /shut down/);
   * ```
   */
  constructor(message = "Queue is shut down") {
    super(message);
    this.name = "QueueShutDown";
  }
}

/**
 * A barrier was aborted or reset while (or before) a task waited on it.
 *
 * @example Create
 * ```ts
 * import { BrokenBarrierError } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * assert.equal(new BrokenBarrierError().name, "BrokenBarrierError");
 * ```
 */
export class BrokenBarrierError extends Error {
  /**
   * Creates the error.
   *
   * @param message The message.
   *
   * @example Create
   * ```ts
   * import { BrokenBarrierError } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * assert.match(new BrokenBarrierError().message, /broken/);
   * ```
   */
  constructor(message = "Barrier is broken") {
    super(message);
    this.name = "BrokenBarrierError";
  }
}

/**
 * The stream ended before the expected number of bytes arrived.
 *
 * @example Fields
 * ```ts
 * import { IncompleteReadError } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const e = new IncompleteReadError(new Uint8Array([1, 2]), 4);
 * assert.equal(e.partial.length, 2);
 * assert.equal(e.expected, 4);
 * ```
 */
export class IncompleteReadError extends Error {
  /** The bytes read before the end of the stream. */
  readonly partial: Uint8Array;
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
   * import { IncompleteReadError } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * assert.match(new IncompleteReadError(new Uint8Array(1), 3).message, /1 bytes read on a total of 3/);
   * ```
   */
  constructor(partial: Uint8Array, expected: number | null) {
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
 * import { LimitOverrunError } from "@aio/asyncio/task";
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
   * import { LimitOverrunError } from "@aio/asyncio/task";
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
