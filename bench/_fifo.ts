/**
 * The raw floors' FIFO and channel: the least code a good engineer would
 * write for a waiter queue and a bounded channel on bare promises, shared
 * by `pingpong.ts`, `roundtrip.ts` and `lock.ts`.
 *
 * No `async` methods (each would add a promise per call), no `Array#shift()`
 * (O(n) once the array is not tiny), nothing allocated on a call that does
 * not wait: a call that can complete at once returns {@linkcode RESOLVED}.
 *
 * @module
 */

/** The promise returned by every call that completes at once. */
export const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A FIFO on a growable ring buffer: O(1) `push` and `shift`, no allocation
 * in the steady state.
 */
export class Fifo<T> {
  #ring: (T | undefined)[] = new Array(16).fill(undefined);
  #mask = 15;
  #head = 0;
  #size = 0;

  /** The number of items. */
  get length(): number {
    return this.#size;
  }

  /** Adds `item` at the back. */
  push(item: T): void {
    if (this.#size > this.#mask) this.#grow();
    this.#ring[(this.#head + this.#size) & this.#mask] = item;
    this.#size++;
  }

  /** Takes the front item; `undefined` if empty. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const head = this.#head;
    const item = this.#ring[head];
    this.#ring[head] = undefined;
    this.#head = (head + 1) & this.#mask;
    this.#size--;
    return item;
  }

  #grow(): void {
    const old = this.#ring;
    const size = this.#size;
    const ring: (T | undefined)[] = new Array(old.length * 2).fill(undefined);
    for (let i = 0; i < size; i++) {
      ring[i] = old[(this.#head + i) & this.#mask];
    }
    this.#ring = ring;
    this.#mask = ring.length - 1;
    this.#head = 0;
  }
}

/**
 * A bounded FIFO channel with FIFO waiters on both sides, handing an item
 * straight to a waiting getter and a waiting putter's item straight into
 * the freed slot: the least a queue must do.
 */
export class Channel<T> {
  readonly #items = new Fifo<T>();
  readonly #capacity: number;
  readonly #getters = new Fifo<(item: T) => void>();
  /** Waiting putters: their items and their resolvers, in step. */
  readonly #putItems = new Fifo<T>();
  readonly #putters = new Fifo<() => void>();

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Invalid capacity: ${capacity}`);
    }
    this.#capacity = capacity;
  }

  /** Puts `item`; resolves once it is in the channel or handed over. */
  put(item: T): Promise<void> {
    const getter = this.#getters.shift();
    if (getter !== undefined) {
      // A getter waits only while the channel is empty: hand it over.
      getter(item);
      return RESOLVED;
    }
    if (this.#items.length < this.#capacity) {
      this.#items.push(item);
      return RESOLVED;
    }
    return new Promise<void>((resolve) => {
      this.#putItems.push(item);
      this.#putters.push(resolve);
    });
  }

  /** Takes the oldest item, waiting for one if the channel is empty. */
  get(): Promise<T> {
    if (this.#items.length === 0) {
      return new Promise<T>((resolve) => this.#getters.push(resolve));
    }
    const item = this.#items.shift()!;
    const putter = this.#putters.shift();
    if (putter !== undefined) {
      // The freed slot goes to the oldest waiting putter's item.
      this.#items.push(this.#putItems.shift()!);
      putter();
    }
    return Promise.resolve(item);
  }
}
