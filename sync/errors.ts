/**
 * The errors of queues and barriers.
 *
 * @module
 */

/**
 * `getNowait()` on an empty queue.
 *
 * @example Create
 * ```ts
 * import { QueueEmpty } from "@aio/asyncio/sync";
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
   * import { QueueEmpty } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.match(new QueueEmpty().message, /empty/);
   * ```
   */
  constructor(message?: string) {
    super(message ?? "Cannot get item: queue is empty");
    this.name = "QueueEmpty";
  }
}

/**
 * `putNowait()` on a full queue.
 *
 * @example Create
 * ```ts
 * import { QueueFull } from "@aio/asyncio/sync";
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
   * import { QueueFull } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.match(new QueueFull().message, /full/);
   * ```
   */
  constructor(message?: string) {
    super(message ?? "Cannot put item: queue is full");
    this.name = "QueueFull";
  }
}

/**
 * A put or get on a queue that was shut down (as in Python 3.13).
 *
 * @example Create
 * ```ts
 * import { QueueShutDown } from "@aio/asyncio/sync";
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
   * import { QueueShutDown } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.match(new QueueShutDown().message, /shut down/);
   * ```
   */
  constructor(message?: string) {
    super(message ?? "Queue is shut down");
    this.name = "QueueShutDown";
  }
}

/**
 * A barrier was aborted or reset while (or before) a task waited on it.
 *
 * @example Create
 * ```ts
 * import { BrokenBarrierError } from "@aio/asyncio/sync";
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
   * import { BrokenBarrierError } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.match(new BrokenBarrierError().message, /broken/);
   * ```
   */
  constructor(message?: string) {
    super(message ?? "Barrier is broken");
    this.name = "BrokenBarrierError";
  }
}
