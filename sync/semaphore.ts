/**
 * `Semaphore`: a FIFO-fair counter of permits.
 *
 * @module
 */

import { given, takeTurn } from "../loop/settled.ts";
import { rejectIfAborted } from "../loop/signal_options.ts";
import { describeArgument } from "../loop/describe_value.ts";
import { getRunningLoop } from "../loop/mod.ts";
import type { Guard } from "./guard.ts";
import type { SignalOptions } from "../loop/signal_options.ts";
import { guarded, WaiterQueue, waitIn } from "./_waiters.ts";

/**
 * A semaphore, as `asyncio.Semaphore`: `value` permits; `acquire()` takes
 * one, waiting in line when none is left; `release()` gives one back.
 *
 * `release()` hands the permit straight to the first waiter, so `value`
 * stays 0 while anyone waits, a new `acquire()` never overtakes a waiter,
 * and no permit is lost to a waiter cancelled at the wrong moment.
 *
 * @example Bound concurrency to two
 * ```ts
 * import { createTask, run, sleep } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import { Semaphore } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * const peak = await run(async () => {
 *   const sem = new Semaphore(2);
 *   let running = 0;
 *   let peak = 0;
 *   const job = async () => {
 *     using _ = await sem.lock();
 *     peak = Math.max(peak, ++running);
 *     await sleep(10);
 *     running--;
 *   };
 *   const tasks = [1, 2, 3, 4, 5].map(() => createTask(job));
 *   for (const t of tasks) await t;
 *   return peak;
 * }, { clock: new VirtualClock() });
 * assert.equal(peak, 2);
 * ```
 */
export class Semaphore {
  #value: number;
  /** Non-empty only while `#value` is 0. */
  #waiters = new WaiterQueue<true>(`${this.constructor.name}.acquire`);

  /**
   * Creates a semaphore with `value` permits.
   *
   * @param value The initial number of permits.
   * @throws {RangeError} If `value` is not an integer >= 0.
   *
   * @example Negative values are refused
   * ```ts
   * import { Semaphore } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new Semaphore(-1), RangeError);
   * ```
   */
  constructor(value?: number) {
    value ??= 1;
    if (!Number.isInteger(value) || value < 0) {
      throw new RangeError(
        `Cannot create semaphore: value must be an integer >= 0, got ${
          describeArgument(value)
        }`,
      );
    }
    this.#value = value;
  }

  /**
   * The number of free permits.
   *
   * @example Count permits
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Semaphore } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const sem = new Semaphore(3);
   *   await sem.acquire();
   *   assert.equal(sem.value, 2);
   * });
   * ```
   */
  get value(): number {
    return this.#value;
  }

  /**
   * Takes a permit, waiting in line if none is free.
   *
   * **Cancellation**: if the task is cancelled or `signal` aborts while
   * waiting, the call rejects (`CancelledError` or `signal.reason`), the
   * caller leaves the line at once, and no permit is taken or lost. If the
   * permit was already handed over when the cancellation came, the call
   * resolves with the permit held; the cancellation reaches the task at its
   * next wait, so release in a `finally` or with `using`.
   *
   * @param options An abort signal.
   * @returns `true` once a permit is held.
   *
   * @example Take the last permit
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Semaphore } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const sem = new Semaphore(1);
   *   assert.equal(await sem.acquire(), true);
   *   assert.ok(sem.locked());
   * });
   * ```
   */
  acquire(options?: SignalOptions): Promise<true> {
    const signal = options?.signal;
    const rejected = rejectIfAborted(signal);
    if (rejected !== null) return rejected;
    if (this.#value > 0) {
      const turn = takeTurn();
      if (turn instanceof Promise) return turn;
      this.#value--;
      return given(true, turn);
    }
    return waitIn(this.#waiters, getRunningLoop(), signal);
  }

  /**
   * Takes a permit and returns a {@linkcode Guard} that gives it back when
   * disposed: `using _ = await sem.lock();`.
   *
   * **Cancellation**: as {@linkcode Semaphore.acquire}; a cancelled call
   * returns no guard and holds nothing.
   *
   * @param options An abort signal.
   * @returns A guard holding one permit.
   *
   * @example Scoped permit
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Semaphore } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const sem = new Semaphore(2);
   *   {
   *     using _ = await sem.lock();
   *     assert.equal(sem.value, 1);
   *   }
   *   assert.equal(sem.value, 2);
   * });
   * ```
   */
  lock(options?: SignalOptions): Promise<Guard> {
    return guarded(this, this.acquire(options));
  }

  /**
   * Gives a permit back: the first waiter in line gets it, or `value` grows
   * by one.
   *
   * @example Release adds a permit
   * ```ts
   * import { Semaphore } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * const sem = new Semaphore(0);
   * sem.release();
   * assert.equal(sem.value, 1);
   * ```
   */
  release(): void {
    if (!this.#waiters.wakeFirst(true)) this.#value++;
  }

  /**
   * Whether `acquire()` would wait: no permit is free.
   *
   * @returns `true` when `value` is 0.
   *
   * @example Locked when empty
   * ```ts
   * import { Semaphore } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.ok(new Semaphore(0).locked());
   * ```
   */
  locked(): boolean {
    return this.#value === 0;
  }

  /**
   * A short description: `Semaphore(locked, value=0, waiters=2)`.
   *
   * @returns The description.
   *
   * @example Describe
   * ```ts
   * import { Semaphore } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Semaphore(2)), "Semaphore(unlocked, value=2)");
   * ```
   */
  toString(): string {
    const n = this.#waiters.length;
    return `${this.constructor.name}(${
      this.#value === 0 ? "locked" : "unlocked"
    }, value=${this.#value}${n > 0 ? `, waiters=${n}` : ""})`;
  }
}
