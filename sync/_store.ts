/**
 * The storage behind a queue: FIFO and LIFO on the loop's `Deque`, a stable
 * binary heap for the priority queue. `Queue` picks one through the
 * `createStore` hook its subclasses override.
 *
 * @module
 */

import { Deque } from "../loop/deque.ts";

/** Where a queue keeps its items. */
export interface Store<T> {
  readonly length: number;
  push(item: T): void;
  /** Removes and returns the next item; only called when non-empty. */
  take(): T;
  clear(): void;
}

/** The hook a `Queue` subclass overrides to choose its storage. */
export const createStore: unique symbol = Symbol("aio.createStore");

/** First in, first out. */
export class FifoStore<T> implements Store<T> {
  #items = new Deque<T>();
  get length(): number {
    return this.#items.length;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  take(): T {
    return this.#items.shift() as T;
  }
  clear(): void {
    this.#items.clear();
  }
}

/** Last in, first out. */
export class LifoStore<T> implements Store<T> {
  #items = new Deque<T>();
  get length(): number {
    return this.#items.length;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  take(): T {
    return this.#items.pop() as T;
  }
  clear(): void {
    this.#items.clear();
  }
}

interface Entry<T> {
  item: T;
  seq: number;
}

/**
 * Smallest first by `compare`; equal items come out in the order they went
 * in (an insertion number breaks ties).
 */
export class HeapStore<T> implements Store<T> {
  #items: Entry<T>[] = [];
  #seq = 0;
  readonly #compare: (a: T, b: T) => number;

  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  get length(): number {
    return this.#items.length;
  }

  #less(a: Entry<T>, b: Entry<T>): boolean {
    const c = this.#compare(a.item, b.item);
    return c < 0 || (c === 0 && a.seq < b.seq);
  }

  // Both sifts find the entry's place before moving anything: a comparator
  // that throws then leaves every item in the heap exactly once.
  push(item: T): void {
    const entry = { item, seq: this.#seq++ };
    const items = this.#items;
    const end = items.length;
    let i = end;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#less(entry, items[parent]!)) break;
      i = parent;
    }
    for (let j = end; j > i;) {
      const parent = (j - 1) >> 1;
      items[j] = items[parent]!;
      j = parent;
    }
    items[i] = entry;
  }

  take(): T {
    const items = this.#items;
    const top = items[0]!;
    const n = items.length - 1;
    const last = items[n]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.#less(items[right]!, items[child]!)) child = right;
      if (!this.#less(items[child]!, last)) break;
      i = child;
    }
    items.pop();
    if (n > 0) {
      const path: number[] = [];
      for (let j = i; j > 0; j = (j - 1) >> 1) path.push(j);
      let hole = 0;
      for (let k = path.length - 1; k >= 0; k--) {
        items[hole] = items[path[k]!]!;
        hole = path[k]!;
      }
      items[i] = last;
    }
    return top.item;
  }

  clear(): void {
    this.#items = [];
  }
}

/**
 * The default order of a priority queue: numbers, bigints and booleans by
 * `<` (as Python's `int` and `bool`), strings with strings, dates with
 * dates, arrays element by element (like Python's tuples, so `[priority,
 * data]` entries work). Two other objects tie (where Python raises), so
 * equal priorities come out in the order they were put in. Throws
 * `TypeError` on values of two kinds (a word and a number, `null` and a
 * number, an object and a word), as CPython's `<` does: JS's `<` would
 * order some of them in a circle ("10" < "9", "9" == 9, 9 < "10"), and the
 * heap would hand out a larger item first.
 */
export function defaultCompare(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const c = defaultCompare(a[i], b[i]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  }
  if (a === b) return 0;
  const kind = kindOf(a);
  if (kind === null || kind !== kindOf(b)) {
    // Taken as equal, such an item would tie with every other and break
    // the heap's order (a smaller item could come out after a larger one).
    throw new TypeError(
      `Cannot order ${describe(a)} and ${
        describe(b)
      } in a priority queue: pass a compare function`,
    );
  }
  if (kind === "object") return 0;
  // deno-lint-ignore no-explicit-any
  const x = a as any, y = b as any;
  if (x < y) return -1;
  if (x > y) return 1;
  return 0; // equal, or NaN: unordered numbers tie, as in Python's sort
}

/** What `<` orders a value with, if anything: values of the same kind. */
function kindOf(value: unknown): string | null {
  switch (typeof value) {
    case "number":
    case "bigint":
    case "boolean":
      return "number";
    case "string":
      return "string";
    case "object":
      if (value === null) return null;
      return value instanceof Date ? "date" : "object";
    default:
      return null;
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return typeof value;
}
