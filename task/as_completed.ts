/**
 * `asCompleted(aws)`: iterate over awaitables in the order they finish.
 *
 * @module
 */

import type { EventLoop, TimerHandle } from "../loop/mod.ts";
import {
  type Awaitable,
  isThenable,
  loopOf,
  retrieve,
  toFuture,
} from "./awaitable.ts";
import { TimeoutError } from "./errors.ts";
import { Future } from "../loop/future.ts";

/** Options for {@linkcode asCompleted}. */
export interface AsCompletedOptions {
  /**
   * Milliseconds from the call after which the iteration throws
   * `TimeoutError`; `null` or `undefined` for no limit. Nothing is
   * cancelled.
   *
   * @default {undefined}
   */
  timeout?: number | null;
  /**
   * Aborting it makes the waiting step (and every later one) reject with
   * `signal.reason`; nothing is cancelled.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/**
 * Iterates over awaitables in the order they finish: each step waits for the
 * next one to be done and yields it as a promise that is already settled, so
 * `await` on it gives its result or throws its error at once. Futures and
 * tasks are yielded as themselves, native promises as themselves, functions
 * as the tasks they were turned into. The same awaitable given twice is
 * yielded once.
 *
 * With a `timeout`, the step that would wait past it throws `TimeoutError`;
 * the awaitables are not cancelled. Leaving the loop early (`break`) stops
 * the timer.
 *
 * **Cancellation**: if the task waiting for the next one is cancelled, that
 * step throws `CancelledError`; no awaitable is cancelled or skipped, and a
 * later step still yields every one that finished. If `signal` aborts, the
 * step waiting (and any later one) rejects with `signal.reason`.
 *
 * @typeParam T The result type.
 * @param aws The tasks, futures, promises or async functions.
 * @param options The timeout and an abort signal.
 * @returns An async iterable of settled promises, in completion order.
 * @throws {TypeError} If an element is not awaitable.
 * @throws {Error} If a function or promise is given and no loop is running.
 *
 * @example Fastest first
 * ```ts
 * import { asCompleted, run, sleep } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const order = await run(async () => {
 *   const after = (ms: number) => async () => {
 *     await sleep(ms);
 *     return ms;
 *   };
 *   const order: number[] = [];
 *   for await (const next of asCompleted([after(30), after(10), after(20)])) {
 *     order.push(await next);
 *   }
 *   return order;
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(order, [10, 20, 30]);
 * ```
 */
export function asCompleted<T>(
  aws: Iterable<Awaitable<T>>,
  options?: AsCompletedOptions,
): AsyncIterableIterator<Promise<T>> {
  const inputs = [...new Set(aws)];
  return new AsCompletedIterator<T>(loopOf(inputs), inputs, options ?? {});
}

class AsCompletedIterator<T> implements AsyncIterableIterator<Promise<T>> {
  readonly #loop: EventLoop;
  /** Not yet done: what to yield for each. */
  readonly #todo = new Map<Future<T>, Promise<T>>();
  /** Done, not yet yielded; `null` is a timeout. */
  readonly #ready: (Promise<T> | null)[] = [];
  #readyHead = 0;
  /** How many more steps will yield (or throw). */
  #left: number;
  readonly #waiters = new Set<Future<void>>();
  #handle: TimerHandle | null = null;
  readonly #onDone = (f: Future<T>): void => {
    const yielded = this.#todo.get(f);
    if (yielded === undefined) return; // the timeout was first
    this.#todo.delete(f);
    this.#push(yielded);
    if (this.#todo.size === 0) this.#handle?.cancel();
  };

  readonly #signal: AbortSignal | undefined;

  constructor(
    loop: EventLoop,
    inputs: Awaitable<T>[],
    options: AsCompletedOptions,
  ) {
    this.#loop = loop;
    this.#signal = options.signal;
    const timeout = options.timeout;
    for (const aw of inputs) {
      const f = toFuture(loop, aw, "asCompleted()");
      let yielded: Promise<T> = f;
      if (f !== (aw as unknown)) {
        // A task we made for a promise: the caller sees the promise.
        f.addDoneCallback(retrieve);
        if (aw instanceof Promise && isThenable(aw)) yielded = aw;
      }
      this.#todo.set(f, yielded);
      f.addDoneCallback(this.#onDone);
    }
    this.#left = this.#todo.size;
    if (this.#left > 0 && timeout !== undefined && timeout !== null) {
      this.#handle = loop.callLater(timeout, () => this.#onTimeout());
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<Promise<T>, undefined>> {
    if (this.#left === 0) return { done: true, value: undefined };
    const signal = this.#signal;
    if (signal?.aborted) throw signal.reason;
    this.#left--;
    while (this.#readyHead === this.#ready.length) {
      const waiter = new Future<void>(this.#loop);
      this.#waiters.add(waiter);
      const onAbort = (): void => {
        if (!waiter.done()) waiter.cancel();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        await waiter;
      } catch (error) {
        // Cancelled: this step yields nothing, a later one will.
        this.#left++;
        if (signal?.aborted) throw signal.reason;
        throw error;
      } finally {
        signal?.removeEventListener("abort", onAbort);
        this.#waiters.delete(waiter);
      }
    }
    const next = this.#ready[this.#readyHead]!;
    this.#ready[this.#readyHead++] = null;
    if (next === null) {
      throw new TimeoutError("Timed out waiting for the next to complete");
    }
    return { done: false, value: next };
  }

  return(): Promise<IteratorResult<Promise<T>, undefined>> {
    this.#handle?.cancel();
    for (const f of this.#todo.keys()) f.removeDoneCallback(this.#onDone);
    this.#todo.clear();
    this.#left = 0;
    return Promise.resolve({ done: true, value: undefined });
  }

  #push(item: Promise<T> | null): void {
    this.#ready.push(item);
    for (const waiter of this.#waiters) {
      if (!waiter.done()) waiter.setResult();
    }
  }

  #onTimeout(): void {
    for (const f of this.#todo.keys()) {
      f.removeDoneCallback(this.#onDone);
      this.#push(null);
    }
    this.#todo.clear();
  }
}
