/**
 * A growable ring-buffer double-ended queue: O(1) push and shift at both ends.
 *
 * The loop's ready queue and every queue of the sync module stand on it, so
 * it lives once, here, in the lowest module that needs it.
 *
 * @example Use as a FIFO queue
 * ```ts
 * import { Deque } from "./deque.ts";
 * import assert from "node:assert/strict";
 *
 * const d = new Deque<number>();
 * d.push(1);
 * d.push(2);
 * d.unshift(0);
 * assert.equal(d.shift(), 0);
 * assert.equal(d.pop(), 2);
 * assert.equal(d.length, 1);
 * ```
 *
 * @module
 */

/**
 * Storage of more than this many slots halves once under a quarter full: a
 * burst (a million callbacks, a backlog in a queue) is not kept for the
 * rest of the program. Up to this size it stays: it is cheap, and a deque
 * that fills and empties each tick must not reallocate each time.
 */
const KEEP_SLOTS = 1024;

/**
 * A double-ended queue on a ring buffer.
 *
 * @typeParam T The element type.
 *
 * @example Push at the back, take from the front
 * ```ts
 * import { Deque } from "./deque.ts";
 * import assert from "node:assert/strict";
 *
 * const d = new Deque<string>();
 * d.push("a");
 * d.push("b");
 * assert.deepEqual([...d], ["a", "b"]);
 * ```
 */
export class Deque<T> implements Iterable<T> {
  #items: (T | undefined)[] = new Array(16);
  #mask = 15;
  #head = 0;
  #length = 0;

  /**
   * The number of elements.
   *
   * @example Count
   * ```ts
   * import { Deque } from "./deque.ts";
   * import assert from "node:assert/strict";
   *
   * const d = new Deque<number>();
   * d.push(7);
   * assert.equal(d.length, 1);
   * ```
   */
  get length(): number {
    return this.#length;
  }

  /**
   * Adds `item` at the back.
   *
   * @param item The element to add.
   *
   * @example Push
   * ```ts
   * import { Deque } from "./deque.ts";
   * import assert from "node:assert/strict";
   *
   * const d = new Deque<number>();
   * d.push(1);
   * assert.equal(d.peekBack(), 1);
   * ```
   */
  push(item: T): void {
    if (this.#length > this.#mask) this.#grow();
    this.#items[(this.#head + this.#length) & this.#mask] = item;
    this.#length++;
  }

  /**
   * Adds `item` at the front.
   *
   * @param item The element to add.
   *
   * @example Unshift
   * ```ts
   * import { Deque } from "./deque.ts";
   * import assert from "node:assert/strict";
   *
   * const d = new Deque<number>();
   * d.push(2);
   * d.unshift(1);
   * assert.equal(d.peekFront(), 1);
   * ```
   */
  unshift(item: T): void {
    if (this.#length > this.#mask) this.#grow();
    this.#head = (this.#head - 1) & this.#mask;
    this.#items[this.#head] = item;
    this.#length++;
  }

  /**
   * Removes and returns the front element, or `undefined` when empty.
   *
   * @returns The front element.
   *
   * @example Shift
   * ```ts
   * import { Deque } from "./deque.ts";
   * import assert from "node:assert/strict";
   *
   * const d = new Deque<number>();
   * d.push(1);
   * assert.equal(d.shift(), 1);
   * assert.equal(d.shift(), undefined);
   * ```
   */
  shift(): T | undefined {
    if (this.#length === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) & this.#mask;
    this.#length--;
    if (this.#length < (this.#mask >> 2) && this.#mask >= KEEP_SLOTS) {
      this.#resize((this.#mask + 1) >> 1);
    }
    return item;
  }

  /**
   * Removes and returns the back element, or `undefined` when empty.
   *
   * @returns The back element.
   *
   * @example Pop
   * ```ts
   * import { Deque } from "./deque.ts";
   * import assert from "node:assert/strict";
   *
   * const d = new Deque<number>();
   * d.push(1);
   * d.push(2);
   * assert.equal(d.pop(), 2);
   * ```
   */
  pop(): T | undefined {
    if (this.#length === 0) return undefined;
    this.#length--;
    const i = (this.#head + this.#length) & this.#mask;
    const item = this.#items[i];
    this.#items[i] = undefined;
    if (this.#length < (this.#mask >> 2) && this.#mask >= KEEP_SLOTS) {
      this.#resize((this.#mask + 1) >> 1);
    }
    return item;
  }

  /**
   * The front element without removing it.
   *
   * @returns The front element, or `undefined` when empty.
   *
   * @example Peek at the front
   * ```ts
   * import { Deque } from "./deque.ts";
   * import assert from "node:assert/strict";
   *
   * const d = new Deque<number>();
   * d.push(3);
   * assert.equal(d.peekFront(), 3);
   * ```
   */
  peekFront(): T | undefined {
    return this.#length === 0 ? undefined : this.#items[this.#head];
  }

  /**
   * The back element without removing it.
   *
   * @returns The back element, or `undefined` when empty.
   *
   * @example Peek at the back
   * ```ts
   * import { Deque } from "./deque.ts";
   * import assert from "node:assert/strict";
   *
   * const d = new Deque<number>();
   * d.push(3);
   * d.push(4);
   * assert.equal(d.peekBack(), 4);
   * ```
   */
  peekBack(): T | undefined {
    return this.#length === 0
      ? undefined
      : this.#items[(this.#head + this.#length - 1) & this.#mask];
  }

  /**
   * Removes every element.
   *
   * @example Clear
   * ```ts
   * import { Deque } from "./deque.ts";
   * import assert from "node:assert/strict";
   *
   * const d = new Deque<number>();
   * d.push(1);
   * d.clear();
   * assert.equal(d.length, 0);
   * ```
   */
  clear(): void {
    this.#items = new Array(16);
    this.#mask = 15;
    this.#head = 0;
    this.#length = 0;
  }

  /**
   * Iterates from front to back without removing anything.
   *
   * @returns An iterator over the elements.
   *
   * @example Spread
   * ```ts
   * import { Deque } from "./deque.ts";
   * import assert from "node:assert/strict";
   *
   * const d = new Deque<number>();
   * d.push(1);
   * d.push(2);
   * assert.deepEqual([...d], [1, 2]);
   * ```
   */
  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#length; i++) {
      yield this.#items[(this.#head + i) & this.#mask] as T;
    }
  }

  #grow(): void {
    this.#resize((this.#mask + 1) * 2);
  }

  /** Moves the items to storage of `size` slots (a power of two). */
  #resize(size: number): void {
    const old = this.#items;
    const next: (T | undefined)[] = new Array(size);
    for (let i = 0; i < this.#length; i++) {
      next[i] = old[(this.#head + i) & this.#mask];
    }
    this.#items = next;
    this.#mask = size - 1;
    this.#head = 0;
  }
}
