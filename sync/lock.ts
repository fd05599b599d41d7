/**
 * `Lock`: a FIFO-fair mutual exclusion lock for tasks.
 *
 * @module
 */

import { given, takeTurn } from "../loop/settled.ts";
import { rejectIfAborted } from "../loop/signal_options.ts";
import { getRunningLoop } from "../loop/mod.ts";
import type { Guard } from "./guard.ts";
import type { SignalOptions } from "../loop/signal_options.ts";
import { guarded, WaiterQueue, waitIn } from "./_waiters.ts";

/**
 * A mutual exclusion lock, as `asyncio.Lock`: one holder at a time, waiters
 * served in the order they called {@linkcode Lock.acquire}.
 *
 * `release()` hands the lock straight to the first waiter: the lock stays
 * locked in between, so `locked()` is right at every instant and a new
 * `acquire()` cannot overtake a waiter that was woken but has not run yet.
 * Use `using _ = await lock.lock()` to release at scope exit.
 *
 * @example Two tasks take turns
 * ```ts
 * import { createTask, run, sleep } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import { Lock } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * const log = await run(async () => {
 *   const lock = new Lock();
 *   const log: string[] = [];
 *   const worker = async (name: string) => {
 *     using _ = await lock.lock();
 *     log.push(`${name} in`);
 *     await sleep(10);
 *     log.push(`${name} out`);
 *   };
 *   const a = createTask(() => worker("a"));
 *   const b = createTask(() => worker("b"));
 *   await a;
 *   await b;
 *   return log;
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(log, ["a in", "a out", "b in", "b out"]);
 * ```
 */
export class Lock {
  #locked = false;
  /** Non-empty only while locked: release() hands over to the first. */
  #waiters = new WaiterQueue<true>("Lock.acquire");

  /**
   * Acquires the lock, waiting in line if it is held.
   *
   * **Cancellation**: if the task is cancelled or `signal` aborts while
   * waiting, the call rejects (`CancelledError` or `signal.reason`), the
   * caller leaves the line at once, and the lock is not acquired. If the
   * lock was already handed over when the cancellation came, the call
   * resolves and the caller holds the lock; the cancellation reaches the
   * task at its next wait, so release in a `finally` or with `using`.
   *
   * @param options An abort signal.
   * @returns `true` once the lock is held.
   *
   * @example Acquire and release
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Lock } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const lock = new Lock();
   *   assert.equal(await lock.acquire(), true);
   *   assert.ok(lock.locked());
   *   lock.release();
   *   assert.equal(lock.locked(), false);
   * });
   * ```
   */
  acquire(options?: SignalOptions): Promise<true> {
    const signal = options?.signal;
    const rejected = rejectIfAborted(signal);
    if (rejected !== null) return rejected;
    if (!this.#locked) {
      const turn = takeTurn();
      if (turn instanceof Promise) return turn;
      this.#locked = true;
      return given(true, turn);
    }
    return waitIn(this.#waiters, getRunningLoop(), signal);
  }

  /**
   * Acquires the lock and returns a {@linkcode Guard} that releases it when
   * disposed: `using _ = await lock.lock();`.
   *
   * **Cancellation**: as {@linkcode Lock.acquire}; a cancelled call returns
   * no guard and holds nothing.
   *
   * @param options An abort signal.
   * @returns A guard holding the lock.
   *
   * @example Scoped lock
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Lock } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const lock = new Lock();
   *   {
   *     using _ = await lock.lock();
   *     assert.ok(lock.locked());
   *   }
   *   assert.equal(lock.locked(), false);
   * });
   * ```
   */
  lock(options?: SignalOptions): Promise<Guard> {
    return guarded(this, this.acquire(options));
  }

  /**
   * Releases the lock: the first waiter in line gets it, or it becomes
   * free.
   *
   * @throws {Error} If the lock is not held.
   *
   * @example Releasing a free lock throws
   * ```ts
   * import { Lock } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new Lock().release(), /lock is not acquired/);
   * ```
   */
  release(): void {
    if (!this.#locked) {
      throw new Error("Cannot release lock: lock is not acquired");
    }
    if (!this.#waiters.wakeFirst(true)) this.#locked = false;
  }

  /**
   * Whether the lock is held (or being handed to a waiter).
   *
   * @returns `true` while held.
   *
   * @example Free at first
   * ```ts
   * import { Lock } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Lock().locked(), false);
   * ```
   */
  locked(): boolean {
    return this.#locked;
  }

  /**
   * A short description: `Lock(locked, waiters=2)`.
   *
   * @returns The description.
   *
   * @example Describe
   * ```ts
   * import { Lock } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Lock()), "Lock(unlocked)");
   * ```
   */
  toString(): string {
    const n = this.#waiters.length;
    return `Lock(${this.#locked ? "locked" : "unlocked"}${
      n > 0 ? `, waiters=${n}` : ""
    })`;
  }
}
