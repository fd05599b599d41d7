/**
 * `asCompleted(aws)`: iterate over awaitables in the order they finish.
 *
 * @module
 */

import { notASignal, throwIfAborted } from "../loop/signal_options.ts";
import type { EventLoop, TimerHandle } from "../loop/mod.ts";
import {
  type Awaitable,
  checkTimeout,
  loopOf,
  retrieve,
  toFuture,
} from "./awaitable.ts";
import { isThenable } from "../loop/thenable.ts";
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
 * Iterates over awaitables in the order they finish, as asyncio's
 * `as_completed()`: each step is a promise of the next one to finish, so
 * `await` on it gives that one's result or throws its error. `for` over it
 * yields these promises; `for await` awaits each, giving the results (and
 * throwing out of the loop at the first failure). The same awaitable given
 * twice counts once. To know *which* one finished, use
 * {@linkcode wait} with `returnWhen: "FIRST_COMPLETED"`.
 *
 * The k-th step gives the k-th to finish, whatever order the steps are
 * awaited in: a step takes its place when `next()` makes it. (In asyncio
 * 3.13 a step takes the next one to finish when it is awaited.)
 *
 * With a `timeout`, the step that would wait past it throws `TimeoutError`
 * (and so does every later one); the awaitables are not cancelled. Leaving
 * the loop early (`break`) stops the timer.
 *
 * **Cancellation**: if the task awaiting a step is cancelled, that step
 * throws `CancelledError`; no awaitable is cancelled or skipped: the
 * iterator yields one more step instead. If `signal` aborts, the step
 * waiting (and any later one) rejects with `signal.reason`.
 *
 * @typeParam T The result type.
 * @param aws The tasks, futures, promises or async functions.
 * @param options The timeout and an abort signal.
 * @returns An iterator of one promise per awaitable, settled in completion
 * order.
 * @throws {TypeError} If an element is not awaitable, or `timeout` is neither
 * a number nor null.
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
 *   for (const next of asCompleted([after(30), after(10), after(20)])) {
 *     try {
 *       order.push(await next);
 *     } catch {
 *       // A failed one; the loop goes on.
 *     }
 *   }
 *   return order;
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(order, [10, 20, 30]);
 * ```
 *
 * @example Results with for await
 * ```ts
 * import { asCompleted, run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const sum = await run(async () => {
 *   let sum = 0;
 *   for await (const n of asCompleted([async () => 1, async () => 2])) {
 *     sum += n;
 *   }
 *   return sum;
 * });
 * assert.equal(sum, 3);
 * ```
 */
export function asCompleted<T>(
  aws: Iterable<Awaitable<T>>,
  options?: AsCompletedOptions,
): IterableIterator<Promise<T>> {
  checkTimeout(options?.timeout, "asCompleted()");
  const inputs = [...new Set(aws)];
  return new Completions<T>(loopOf(inputs), inputs, options ?? {});
}

class Completions<T> implements IterableIterator<Promise<T>> {
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
    if (options.signal !== undefined) {
      const bad = notASignal(options.signal);
      if (bad !== null) throw bad;
    }
    this.#signal = options.signal;
    const timeout = options.timeout;
    for (const aw of inputs) {
      const f = toFuture(loop, aw, "asCompleted()");
      let yielded: Promise<T> = f;
      if (f !== (aw as unknown) && isThenable(aw)) {
        // A task we made for a promise: the caller owns the rejection of the
        // promise (and sees a native one). A task made for a function is
        // left to report a failure no step took, as any task.
        f.addDoneCallback(retrieve);
        if (aw instanceof Promise) yielded = aw;
      }
      this.#todo.set(f, yielded);
      f.addDoneCallback(this.#onDone);
    }
    this.#left = this.#todo.size;
    if (this.#left > 0 && timeout !== undefined && timeout !== null) {
      this.#handle = loop.callLater(timeout, () => this.#onTimeout());
    }
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<Promise<T>, undefined> {
    if (this.#left === 0) return { done: true, value: undefined };
    this.#left--;
    return { done: false, value: this.#step() };
  }

  return(): IteratorResult<Promise<T>, undefined> {
    this.#handle?.cancel();
    for (const f of this.#todo.keys()) f.removeDoneCallback(this.#onDone);
    this.#todo.clear();
    this.#left = 0;
    return { done: true, value: undefined };
  }

  async #step(): Promise<T> {
    const signal = this.#signal;
    throwIfAborted(signal);
    while (this.#readyHead === this.#ready.length) {
      const waiter = new Future<void>(this.#loop);
      waiter.label = "asCompleted";
      this.#waiters.add(waiter);
      const onAbort = (): void => {
        if (!waiter.done()) waiter.cancel();
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      try {
        await waiter;
      } catch (error) {
        // Cancelled: this step takes nothing; the iterator yields one more.
        this.#left++;
        throwIfAborted(signal);
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
    return await next;
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
