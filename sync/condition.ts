/**
 * `Condition`: wait for a state change announced by another task.
 *
 * @module
 */

import { rejectIfAborted } from "../loop/signal_options.ts";
import { getRunningLoop } from "../loop/mod.ts";
import { describeArgument } from "../loop/describe_value.ts";
import {
  checkpoint,
  isCancelledError,
  outerRequest,
} from "../loop/cancel_scope.ts";
import { failed as futureFailed } from "../loop/future.ts";
import { runInScope } from "../task/scope_future.ts";
import type { Guard } from "./guard.ts";
import { Lock } from "./lock.ts";
import type { SignalOptions } from "../loop/signal_options.ts";
import { guarded, Waiter, WaiterQueue } from "./_waiters.ts";

/**
 * A condition variable, as `asyncio.Condition`: a lock plus a line of tasks
 * waiting to be notified. Hold the lock to `wait()`, `notify()` or
 * `notifyAll()`; `wait()` releases the lock while it waits and takes it
 * back before it returns, always, even when it throws.
 *
 * It is lock-like too (`acquire`, `release`, `locked`, `lock()` guard).
 *
 * @example Wait until a value is ready
 * ```ts
 * import { createTask, run, sleep } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import { Condition } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * const got = await run(async () => {
 *   const cond = new Condition();
 *   let value: string | null = null;
 *   const consumer = createTask(async () => {
 *     using _ = await cond.lock();
 *     return await cond.waitFor(() => value);
 *   });
 *   await sleep(1);
 *   {
 *     using _ = await cond.lock();
 *     value = "ready";
 *     cond.notifyAll();
 *   }
 *   return await consumer;
 * }, { clock: new VirtualClock() });
 * assert.equal(got, "ready");
 * ```
 */
export class Condition {
  readonly #lock: Lock;
  #waiters = new WaiterQueue<true>("Condition.wait");

  /**
   * Creates a condition on `lock` (a new one by default). Several
   * conditions may share a lock.
   *
   * @param lock The underlying lock.
   *
   * @example Share a lock
   * ```ts
   * import { Condition, Lock } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * const lock = new Lock();
   * const notEmpty = new Condition(lock);
   * const notFull = new Condition(lock);
   * assert.equal(notEmpty.locked(), notFull.locked());
   * ```
   */
  constructor(lock: Lock = new Lock()) {
    this.#lock = lock;
  }

  /**
   * Acquires the underlying lock (see {@linkcode Lock.acquire}).
   *
   * **Cancellation**: as {@linkcode Lock.acquire}: a cancelled call leaves
   * the line at once and holds nothing.
   *
   * @param options An abort signal.
   * @returns `true` once the lock is held.
   *
   * @example Acquire
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Condition } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const cond = new Condition();
   *   await cond.acquire();
   *   assert.ok(cond.locked());
   * });
   * ```
   */
  acquire(options?: SignalOptions): Promise<true> {
    return this.#lock.acquire(options);
  }

  /**
   * Acquires the underlying lock and returns a {@linkcode Guard} that
   * releases it: `using _ = await cond.lock();`.
   *
   * **Cancellation**: as {@linkcode Lock.acquire}; a cancelled call returns
   * no guard and holds nothing.
   *
   * @param options An abort signal.
   * @returns A guard holding the lock.
   *
   * @example Scoped
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Condition } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const cond = new Condition();
   *   {
   *     using _ = await cond.lock();
   *     assert.ok(cond.locked());
   *   }
   *   assert.equal(cond.locked(), false);
   * });
   * ```
   */
  lock(options?: SignalOptions): Promise<Guard> {
    return guarded(this, this.#lock.acquire(options));
  }

  /**
   * Releases the underlying lock.
   *
   * @throws {Error} If the lock is not held.
   *
   * @example Release a free condition
   * ```ts
   * import { Condition } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new Condition().release(), /not acquired/);
   * ```
   */
  release(): void {
    this.#lock.release();
  }

  /**
   * Whether the underlying lock is held.
   *
   * @returns `true` while held.
   *
   * @example Free at first
   * ```ts
   * import { Condition } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Condition().locked(), false);
   * ```
   */
  locked(): boolean {
    return this.#lock.locked();
  }

  /**
   * Releases the lock, waits to be notified, then takes the lock back.
   *
   * **Cancellation**: if the task is cancelled or `signal` aborts while
   * waiting, the call leaves the line, takes the lock back (waiting for it
   * if needed, whatever further cancellations come), and only then rejects
   * with `CancelledError` or `signal.reason`: the caller always holds the
   * lock when `wait()` returns or throws. A waiter notified, then cancelled
   * (or its signal aborted) before it could run, rejects too, as in
   * asyncio, and its notification goes to the next waiter, so no wakeup is
   * lost. That waiter may have begun waiting after the `notify()` (a task
   * started meanwhile): a spurious wakeup, which the protocol allows, as
   * asyncio's comment on the same hand-on says; check the condition in a
   * loop, or use `waitFor()`. The result is a future: `waitFor(cond.wait(), ms)`
   * or `gather()`, cancelling it, cancels the wait the same way.
   *
   * @param options An abort signal.
   * @returns `true` once notified and holding the lock again.
   * @throws {Error} If the lock is not held.
   *
   * @example Wait for a notification
   * ```ts
   * import { createTask, run } from "@aio/asyncio/task";
   * import { VirtualClock } from "@aio/asyncio/loop";
   * import { Condition } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const cond = new Condition();
   *   await cond.acquire();
   *   createTask(async () => {
   *     using _ = await cond.lock();
   *     cond.notify();
   *   });
   *   assert.equal(await cond.wait(), true);
   *   assert.ok(cond.locked());
   *   cond.release();
   * }, { clock: new VirtualClock() });
   * ```
   */
  wait(options?: SignalOptions): Promise<true> {
    const signal = options?.signal;
    const rejected = rejectIfAborted(signal);
    if (rejected !== null) return rejected;
    if (!this.#lock.locked()) {
      return Promise.reject(
        new Error(
          "Cannot wait on condition: lock is not acquired; acquire it first",
        ),
      );
    }
    return runInScope(() => this.#wait(signal), "Condition.wait");
  }

  async #wait(signal: AbortSignal | undefined): Promise<true> {
    const loop = getRunningLoop();
    const waiter = new Waiter<true>(loop);
    waiter.label = this.#waiters.label;
    this.#waiters.push(waiter);
    this.#lock.release();
    let failed = false;
    let error: unknown;
    try {
      await (signal === undefined ? waiter : waiter.abortOn(signal));
      // Notified, but aborted before this resumed: as a cancellation then
      // (below), with the signal's reason.
      if (signal?.aborted) throw signal.reason;
    } catch (e) {
      failed = true;
      error = e;
    }
    // Take the lock back whatever happens: a cancelled wait() still holds
    // the lock when it throws.
    for (;;) {
      try {
        await this.#lock.acquire();
        break;
      } catch (e) {
        if (!failed) {
          failed = true;
          error = e;
        } else if (isCancelledError(error) && isCancelledError(e)) {
          // A second cancellation while taking the lock back (the task's,
          // after a deadline's): of the two, the outer one goes on.
          error = outerRequest(error, e);
        }
      }
    }
    if (!failed) {
      try {
        // Notified, but cancelled before this resumed or while the lock was
        // handed back (before the await had registered with the scope): the
        // cancellation lands here, as asyncio throws it at the wait, and the
        // notification goes to the next waiter. A wakeup is no resource the
        // caller holds, so nothing is lost by giving it up, unlike a queue's
        // item or a lock handed over. (A cancellation pending while the lock
        // is held elsewhere reaches the wait for it, above.)
        checkpoint();
      } catch (e) {
        failed = true;
        error = e;
      }
    }
    if (failed) {
      // Notified, then cancelled before returning: pass the wakeup on.
      if (
        waiter.done() && !waiter.cancelled() && !futureFailed(waiter)
      ) {
        this.#wake(1);
      }
      throw error;
    }
    return true;
  }

  /**
   * Waits until `predicate()` returns a truthy value, calling `wait()`
   * between checks, and returns that value. The lock must be held.
   *
   * **Cancellation**: as {@linkcode Condition.wait}: the lock is held again
   * when the call throws.
   *
   * @typeParam T The predicate's result.
   * @param predicate Checked with the lock held.
   * @param options An abort signal.
   * @returns The predicate's first truthy result.
   * @throws {Error} If the lock is not held and the predicate is false.
   *
   * @example True at once
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Condition } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const cond = new Condition();
   *   await cond.acquire();
   *   assert.equal(await cond.waitFor(() => 42), 42);
   * });
   * ```
   */
  waitFor<T>(predicate: () => T, options?: SignalOptions): Promise<T> {
    const signal = options?.signal;
    const rejected = rejectIfAborted(signal);
    if (rejected !== null) return rejected;
    return runInScope(
      () => this.#waitFor(predicate, options),
      "Condition.waitFor",
    );
  }

  async #waitFor<T>(predicate: () => T, options?: SignalOptions): Promise<T> {
    let result = predicate();
    while (!result) {
      await this.wait(options);
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiters, in the order they began to wait. Each takes
   * the lock back in turn once the caller releases it.
   *
   * @param n How many waiters to wake (`1` by default; `0` or less wakes
   * none, `Infinity` all).
   * @throws {Error} If the lock is not held.
   * @throws {TypeError} If `n` is not a number, or is NaN.
   *
   * @example Notify without waiters
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Condition } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const cond = new Condition();
   *   assert.throws(() => cond.notify(), /lock is not acquired/);
   *   await cond.acquire();
   *   cond.notify(3);
   *   cond.release();
   * });
   * ```
   */
  notify(n?: number): void {
    this.#checkHeld("notify");
    if (n !== undefined && (typeof n !== "number" || Number.isNaN(n))) {
      // As asyncio's notify("2") does: silently waking nobody would leave
      // the waiters asleep with no sign of why.
      throw new TypeError(
        `Cannot call notify(): n must be a number, got ${describeArgument(n)}`,
      );
    }
    this.#wake(n ?? 1);
  }

  /**
   * Wakes every waiter.
   *
   * @throws {Error} If the lock is not held.
   *
   * @example Notify all without the lock
   * ```ts
   * import { Condition } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new Condition().notifyAll(), /lock is not acquired/);
   * ```
   */
  notifyAll(): void {
    this.#checkHeld("notifyAll");
    this.#wake(this.#waiters.length);
  }

  /**
   * A short description: `Condition(locked, waiters=1)`.
   *
   * @returns The description.
   *
   * @example Describe
   * ```ts
   * import { Condition } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Condition()), "Condition(unlocked)");
   * ```
   */
  toString(): string {
    const n = this.#waiters.length;
    return `Condition(${this.#lock.locked() ? "locked" : "unlocked"}${
      n > 0 ? `, waiters=${n}` : ""
    })`;
  }

  #checkHeld(caller: string): void {
    if (!this.#lock.locked()) {
      throw new Error(
        `Cannot call ${caller}(): lock is not acquired; acquire it first`,
      );
    }
  }

  #wake(n: number): void {
    for (let i = 0; i < n && this.#waiters.wakeFirst(true); i++);
  }
}
