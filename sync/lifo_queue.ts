/**
 * `LifoQueue`: a queue that gives the most recent item first.
 *
 * @module
 */

import { Queue } from "./queue.ts";
import { createStore, LifoStore, type Store } from "./_store.ts";

/**
 * A {@linkcode Queue} that returns the most recently added item first (a
 * stack), as `asyncio.LifoQueue`. Everything else, waiting, cancellation
 * and shutdown included, is as in `Queue`.
 *
 * @typeParam T The item type.
 *
 * @example Last in, first out
 * ```ts
 * import { LifoQueue } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * const q = new LifoQueue<number>();
 * q.putNowait(1);
 * q.putNowait(2);
 * q.putNowait(3);
 * assert.deepEqual([q.getNowait(), q.getNowait(), q.getNowait()], [3, 2, 1]);
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  /**
   * @ignore LIFO storage.
   *
   * @returns A new, empty store.
   */
  override [createStore](): Store<T> {
    return new LifoStore<T>();
  }
}
