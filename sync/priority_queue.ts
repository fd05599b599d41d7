/**
 * `PriorityQueue`: a queue that gives the smallest item first.
 *
 * @module
 */

import { Queue } from "./queue.ts";
import {
  createStore,
  defaultCompare,
  HeapStore,
  type Store,
} from "./_store.ts";

/**
 * A {@linkcode Queue} that returns the smallest item first, as
 * `asyncio.PriorityQueue`; items that compare equal come out in the order
 * they were put in (it is stable, unlike a bare heap). Waiting,
 * cancellation and shutdown are as in `Queue`.
 *
 * The default order compares numbers, bigints and booleans, strings with
 * strings and dates with dates, with `<`, and arrays element by element
 * like Python tuples, so `[priority, data]` entries work as in Python. Two
 * other objects tie, so `[1, jobA]` and `[1, jobB]` come out in the order
 * they were put in (Python raises there, and wants a sequence number).
 * Pass `compare` for anything else. Two values of different kinds (a word
 * and a number, `null` or `undefined` and a number, an object and a word)
 * make the put throw `TypeError`, as CPython's `<` does: taken as equal,
 * or ordered as JS's `<` orders them, they would break the order.
 *
 * A getter already waiting when an item is put receives that item at once
 * (it was the smallest at that moment), even if a smaller one is put later
 * in the same tick.
 *
 * A `compare` that throws (the default one does on symbols, for one) makes
 * that put or get throw and leaves the queue as it was: no item is lost or
 * comes out twice. A waiting `put()` whose item it cannot place when a get
 * makes room fails with that error, and the room goes to the next putter.
 *
 * @typeParam T The item type.
 *
 * @example Smallest first, ties in insertion order
 * ```ts
 * import { PriorityQueue } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * const q = new PriorityQueue<{ p: number; name: string }>(
 *   0,
 *   (a, b) => a.p - b.p,
 * );
 * q.putNowait({ p: 2, name: "low" });
 * q.putNowait({ p: 1, name: "first" });
 * q.putNowait({ p: 1, name: "second" });
 * assert.deepEqual(
 *   [q.getNowait().name, q.getNowait().name, q.getNowait().name],
 *   ["first", "second", "low"],
 * );
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  readonly #compare: (a: T, b: T) => number;

  /**
   * Creates a priority queue holding at most `maxsize` items.
   *
   * @param maxsize The capacity; `0` for unbounded.
   * @param compare Negative when `a` comes before `b`, as for
   * `Array.prototype.sort`; the default order by default.
   * @throws {RangeError} If `maxsize` is not an integer.
   *
   * @example Tuples by default
   * ```ts
   * import { PriorityQueue } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * const q = new PriorityQueue<[number, string]>();
   * q.putNowait([5, "later"]);
   * q.putNowait([1, "sooner"]);
   * assert.deepEqual(q.getNowait(), [1, "sooner"]);
   * ```
   */
  constructor(maxsize?: number, compare?: (a: T, b: T) => number) {
    compare ??= defaultCompare;
    super(maxsize);
    if (typeof compare !== "function") {
      throw new TypeError(
        `Cannot create priority queue: compare must be a function, got ${typeof compare}`,
      );
    }
    this.#compare = compare;
  }

  /**
   * @ignore Heap storage.
   *
   * @returns A new, empty store.
   */
  override [createStore](): Store<T> {
    return new HeapStore<T>(this.#compare);
  }
}
