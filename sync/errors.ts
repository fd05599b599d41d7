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
  constructor(message = "Barrier is broken") {
    super(message);
    this.name = "BrokenBarrierError";
  }
}
