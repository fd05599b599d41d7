/**
 * `Queue`: a FIFO queue for producer and consumer tasks.
 *
 * @module
 */

import { given, takeTurn } from "../loop/settled.ts";
import { rejectIfAborted } from "../loop/signal_options.ts";
import { describeArgument } from "../loop/describe_value.ts";
import { getRunningLoop } from "../loop/mod.ts";
import { QueueEmpty, QueueFull, QueueShutDown } from "./errors.ts";
import type { SignalOptions } from "../loop/signal_options.ts";
import { createStore, FifoStore, type Store } from "./_store.ts";
import { RESOLVED_VOID, WaiterQueue, waitIn } from "./_waiters.ts";

/**
 * A queue, as `asyncio.Queue`: `put()` waits while the queue is full
 * (`maxsize > 0`), `get()` waits while it is empty, both in FIFO order of
 * the callers. `taskDone()` and `join()` track the items being processed;
 * `shutdown()` ends the queue as in Python 3.13. `for await (const x of
 * queue)` gets items until the queue is shut down and empty.
 *
 * Items are handed over directly: `put()` gives its item to the first
 * waiting getter, `get()` lets the first waiting putter's item in. So a
 * cancelled `get()` never loses an item (it either got it, or the item is
 * still in the queue), a cancelled `put()` never inserts one, a new caller
 * never overtakes a waiter, and `qsize()` is right at every instant.
 *
 * @typeParam T The item type.
 *
 * @example Producer and consumer
 * ```ts
 * import { createTask, run } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import { Queue } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * const got = await run(async () => {
 *   const queue = new Queue<number>(2);
 *   const consumer = createTask(async () => {
 *     const got: number[] = [];
 *     for await (const n of queue) {
 *       got.push(n);
 *       queue.taskDone();
 *     }
 *     return got;
 *   });
 *   for (const n of [1, 2, 3, 4]) await queue.put(n);
 *   await queue.join();
 *   queue.shutdown();
 *   return await consumer;
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(got, [1, 2, 3, 4]);
 * ```
 */
export class Queue<T> implements AsyncIterable<T> {
  readonly #maxsize: number;
  #store: Store<T> | null = null;
  /** Non-empty only while the queue is empty. */
  #getters = new WaiterQueue<T>("Queue.get");
  /** Non-empty only while the queue is full; each carries its item. */
  #putters = new WaiterQueue<void>("Queue.put");
  #joiners = new WaiterQueue<void>("Queue.join");
  #unfinished = 0;
  #shutdown = false;

  /**
   * Creates a queue holding at most `maxsize` items (no limit when 0 or
   * less).
   *
   * @param maxsize The capacity; `0` for unbounded.
   * @throws {RangeError} If `maxsize` is not an integer.
   *
   * @example Bounded
   * ```ts
   * import { Queue } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<string>(1);
   * q.putNowait("a");
   * assert.ok(q.full());
   * assert.equal(q.maxsize, 1);
   * ```
   */
  constructor(maxsize?: number) {
    maxsize ??= 0;
    if (!Number.isInteger(maxsize)) {
      throw new RangeError(
        `Cannot create queue: maxsize must be an integer, got ${
          describeArgument(maxsize)
        }`,
      );
    }
    this.#maxsize = maxsize;
  }

  /**
   * @ignore The storage: FIFO here, overridden by subclasses.
   *
   * @returns A new, empty store.
   */
  [createStore](): Store<T> {
    return new FifoStore<T>();
  }

  #items(): Store<T> {
    return this.#store ??= this[createStore]();
  }

  /**
   * The capacity given to the constructor (`0` or less: unbounded).
   *
   * @example Unbounded by default
   * ```ts
   * import { Queue } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Queue().maxsize, 0);
   * ```
   */
  get maxsize(): number {
    return this.#maxsize;
  }

  /**
   * The number of items in the queue.
   *
   * @returns The count.
   *
   * @example Count
   * ```ts
   * import { Queue } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<number>();
   * q.putNowait(1);
   * q.putNowait(2);
   * assert.equal(q.qsize(), 2);
   * ```
   */
  qsize(): number {
    return this.#items().length;
  }

  /**
   * Whether the queue holds no item.
   *
   * @returns `true` when empty.
   *
   * @example Empty at first
   * ```ts
   * import { Queue } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.ok(new Queue().empty());
   * ```
   */
  empty(): boolean {
    return this.#items().length === 0;
  }

  /**
   * Whether the queue holds `maxsize` items; never for an unbounded queue.
   *
   * @returns `true` when full.
   *
   * @example Unbounded is never full
   * ```ts
   * import { Queue } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<number>();
   * q.putNowait(1);
   * assert.equal(q.full(), false);
   * ```
   */
  full(): boolean {
    return this.#maxsize > 0 && this.#items().length >= this.#maxsize;
  }

  /**
   * Puts `item` in the queue, waiting in line while it is full.
   *
   * **Cancellation**: if the task is cancelled or `signal` aborts while
   * waiting, the call rejects (`CancelledError` or `signal.reason`), leaves
   * the line at once, and the item is **not** inserted. Once the call has
   * resolved, the item is in the queue (or with a getter).
   *
   * @param item The item.
   * @param options An abort signal.
   * @returns A promise that resolves once the item is in.
   * @throws {QueueShutDown} If the queue is shut down, before or while
   * waiting; the item is not inserted.
   *
   * @example Put and get
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Queue } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const q = new Queue<string>();
   *   await q.put("x");
   *   assert.equal(await q.get(), "x");
   * });
   * ```
   */
  put(item: T, options?: SignalOptions): Promise<void> {
    const signal = options?.signal;
    const rejected = rejectIfAborted(signal);
    if (rejected !== null) return rejected;
    if (this.#shutdown) return Promise.reject(new QueueShutDown());
    if (!this.full()) {
      const turn = takeTurn();
      if (turn instanceof Promise) return turn;
      try {
        this.#insert(item);
      } catch (error) {
        // A comparator's error rejects, as get() does: code that chains
        // .catch() on the put sees it.
        return Promise.reject(error);
      }
      return given(undefined, turn);
    }
    return waitIn(this.#putters, getRunningLoop(), signal, item);
  }

  /**
   * Puts `item` in the queue without waiting.
   *
   * @param item The item.
   * @throws {QueueFull} If the queue is full.
   * @throws {QueueShutDown} If the queue is shut down.
   *
   * @example Full
   * ```ts
   * import { Queue, QueueFull } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<number>(1);
   * q.putNowait(1);
   * assert.throws(() => q.putNowait(2), QueueFull);
   * ```
   */
  putNowait(item: T): void {
    if (this.#shutdown) throw new QueueShutDown();
    if (this.full()) throw new QueueFull();
    this.#insert(item);
  }

  /**
   * Removes and returns the next item, waiting in line while the queue is
   * empty.
   *
   * **Cancellation**: if the task is cancelled or `signal` aborts while
   * waiting, the call rejects (`CancelledError` or `signal.reason`) and
   * leaves the line at once; no item is taken, so none is lost. If an item
   * was already handed over when the cancellation came, the call resolves
   * with it and the cancellation reaches the task at its next wait.
   *
   * @param options An abort signal.
   * @returns The item.
   * @throws {QueueShutDown} If the queue is shut down and empty, before or
   * while waiting.
   *
   * @example Wait for an item
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
   * import { Queue } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const q = new Queue<number>();
   *   getRunningLoop().callLater(10, () => q.putNowait(7));
   *   assert.equal(await q.get(), 7);
   * }, { clock: new VirtualClock() });
   * ```
   */
  get(options?: SignalOptions): Promise<T> {
    const signal = options?.signal;
    const rejected = rejectIfAborted(signal);
    if (rejected !== null) return rejected;
    if (this.#items().length > 0) {
      const turn = takeTurn();
      if (turn instanceof Promise) return turn;
      try {
        return given(this.#take(), turn);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.#shutdown) return Promise.reject(new QueueShutDown());
    return waitIn(this.#getters, getRunningLoop(), signal);
  }

  /**
   * Removes and returns the next item without waiting.
   *
   * @returns The item.
   * @throws {QueueEmpty} If the queue is empty.
   * @throws {QueueShutDown} If the queue is shut down and empty.
   *
   * @example Empty
   * ```ts
   * import { Queue, QueueEmpty } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new Queue().getNowait(), QueueEmpty);
   * ```
   */
  getNowait(): T {
    if (this.#items().length === 0) {
      throw this.#shutdown ? new QueueShutDown() : new QueueEmpty();
    }
    return this.#take();
  }

  /**
   * Marks one item got from the queue as processed. When every item put in
   * has been marked, `join()` returns.
   *
   * @throws {RangeError} If called more times than items were put.
   *
   * @example Too many calls
   * ```ts
   * import { Queue } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<number>();
   * q.putNowait(1);
   * q.getNowait();
   * q.taskDone();
   * assert.throws(() => q.taskDone(), RangeError);
   * ```
   */
  taskDone(): void {
    if (this.#unfinished <= 0) {
      throw new RangeError(
        "Cannot call taskDone(): called more times than items were put",
      );
    }
    if (--this.#unfinished === 0) this.#joiners.wakeAll(undefined);
  }

  /**
   * Waits until every item put in has been got and marked with
   * `taskDone()`.
   *
   * **Cancellation**: a cancelled or aborted join rejects (`CancelledError`
   * or `signal.reason`) and leaves the line; the queue is not affected.
   *
   * @param options An abort signal.
   * @returns A promise that resolves when no item is unfinished.
   *
   * @example Nothing to wait for
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Queue } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   assert.equal(await new Queue().join(), undefined);
   * });
   * ```
   */
  join(options?: SignalOptions): Promise<void> {
    const signal = options?.signal;
    const rejected = rejectIfAborted(signal);
    if (rejected !== null) return rejected;
    if (this.#unfinished === 0) return RESOLVED_VOID;
    return waitIn(this.#joiners, getRunningLoop(), signal);
  }

  /**
   * Shuts the queue down, as in Python 3.13: later `put()`/`putNowait()`
   * throw `QueueShutDown`, and so do waiting putters (their items are not
   * inserted). Gets go on until the queue is empty, then throw
   * `QueueShutDown`, waiting getters included. With `immediate`, the items
   * left are dropped at once and counted as done for `join()`, so gets
   * throw right away. Calling it again is allowed (`immediate` still
   * drains).
   *
   * @param immediate Drop the items left.
   *
   * @example Gets drain, then fail
   * ```ts
   * import { Queue, QueueShutDown } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue<number>();
   * q.putNowait(1);
   * q.shutdown();
   * assert.throws(() => q.putNowait(2), QueueShutDown);
   * assert.equal(q.getNowait(), 1);
   * assert.throws(() => q.getNowait(), QueueShutDown);
   * ```
   */
  shutdown(immediate?: boolean): void {
    this.#shutdown = true;
    if (immediate) {
      const items = this.#items();
      const dropped = items.length;
      items.clear();
      this.#unfinished = Math.max(0, this.#unfinished - dropped);
      if (this.#unfinished === 0) this.#joiners.wakeAll(undefined);
    }
    this.#getters.rejectAll(() => new QueueShutDown());
    this.#putters.rejectAll(() => new QueueShutDown());
  }

  /**
   * Whether `shutdown()` was called.
   *
   * @returns `true` once shut down.
   *
   * @example After shutdown
   * ```ts
   * import { Queue } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * const q = new Queue();
   * q.shutdown();
   * assert.ok(q.isShutdown());
   * ```
   */
  isShutdown(): boolean {
    return this.#shutdown;
  }

  /**
   * Gets items one by one until the queue is shut down and empty (then the
   * loop ends). It does not call `taskDone()`.
   *
   * **Cancellation**: as {@linkcode Queue.get}: the `for await` loop throws
   * and no item is lost.
   *
   * @returns An async iterator of items.
   *
   * @example Drain a shut-down queue
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Queue } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const q = new Queue<number>();
   *   q.putNowait(1);
   *   q.putNowait(2);
   *   q.shutdown();
   *   const got: number[] = [];
   *   for await (const n of q) got.push(n);
   *   assert.deepEqual(got, [1, 2]);
   * });
   * ```
   */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      let item: T;
      try {
        item = await this.get();
      } catch (error) {
        if (error instanceof QueueShutDown) return;
        throw error;
      }
      yield item;
    }
  }

  /**
   * A short description: `Queue(maxsize=2, size=1, getters=0, putters=0, unfinished=1)`.
   *
   * @returns The description.
   *
   * @example Describe
   * ```ts
   * import { Queue } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Queue(2)), "Queue(maxsize=2, size=0)");
   * ```
   */
  toString(): string {
    let s =
      `${this.constructor.name}(maxsize=${this.#maxsize}, size=${this.#items().length}`;
    if (this.#getters.length > 0) s += `, getters=${this.#getters.length}`;
    if (this.#putters.length > 0) s += `, putters=${this.#putters.length}`;
    if (this.#unfinished > 0) s += `, unfinished=${this.#unfinished}`;
    if (this.#shutdown) s += ", shut down";
    return s + ")";
  }

  #insert(item: T): void {
    // Counted once in: an item a comparator refuses is not, and join() must
    // not wait for it.
    if (!this.#getters.wakeFirst(item)) this.#items().push(item);
    this.#unfinished++;
  }

  #take(): T {
    const items = this.#items();
    const item = items.take();
    // The room goes to the first waiting putter whose item the store takes
    // (a comparator can throw): that put() fails, as its putNowait() would.
    for (let putter = this.#putters.shift(); putter !== null;) {
      try {
        items.push(putter.payload as T);
      } catch (error) {
        putter.setException(error);
        putter = this.#putters.shift();
        continue;
      }
      this.#unfinished++;
      putter.setResult(undefined);
      break;
    }
    return item;
  }
}
