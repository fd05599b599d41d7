/**
 * `Barrier`: let a fixed number of tasks meet before any goes on.
 *
 * @module
 */

import { settled } from "../loop/settled.ts";
import { rejectIfAborted } from "../loop/signal_options.ts";
import { describeArgument } from "../loop/describe_value.ts";
import { getRunningLoop } from "../loop/mod.ts";
import { BrokenBarrierError } from "./errors.ts";
import type { SignalOptions } from "../loop/signal_options.ts";
import { WaiterQueue, waitIn } from "./_waiters.ts";

/**
 * A barrier, as `asyncio.Barrier`: `wait()` blocks until `parties` tasks
 * are waiting, then releases them all together and starts a new cycle.
 * Each released task gets a distinct index in `0..parties-1`: the tasks
 * that waited get `0, 1, ...` in arrival order, the one that completed the
 * party gets `parties - 1`. A waiter that leaves (cancelled) gives up its
 * place to those after it. CPython's index is the count at arrival, which
 * repeats one after a waiter left: with A and B waiting and A cancelled,
 * C and then D arriving get B's index 1 again and 2 (asyncio's B: 1).
 *
 * `abort()` breaks the barrier: waiters and later callers get
 * `BrokenBarrierError` until `reset()`. `reset()` fails the current
 * waiters with `BrokenBarrierError` and starts a fresh cycle.
 *
 * Unlike CPython's barrier there is no draining phase: the release hands
 * each waiter its index at once, so a task arriving right after a release
 * starts the next cycle without waiting for the released ones to run.
 *
 * @example Three tasks meet
 * ```ts
 * import { createTask, run, sleep } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import { Barrier } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * const indices = await run(async () => {
 *   const barrier = new Barrier(3);
 *   const tasks = [30, 10, 20].map((ms) =>
 *     createTask(async () => {
 *       await sleep(ms);
 *       return await barrier.wait();
 *     })
 *   );
 *   const out: number[] = [];
 *   for (const t of tasks) out.push(await t);
 *   return out;
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(indices, [2, 0, 1]);
 * ```
 */
export class Barrier {
  readonly #parties: number;
  #waiters = new WaiterQueue<number>("Barrier.wait");
  #broken = false;

  /**
   * Creates a barrier for `parties` tasks.
   *
   * @param parties How many tasks must wait before all are released.
   * @throws {RangeError} If `parties` is not an integer >= 1.
   *
   * @example Parties
   * ```ts
   * import { Barrier } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Barrier(4).parties, 4);
   * assert.throws(() => new Barrier(0), RangeError);
   * ```
   */
  constructor(parties: number) {
    if (!Number.isInteger(parties) || parties < 1) {
      throw new RangeError(
        `Cannot create barrier: parties must be an integer >= 1, got ${
          describeArgument(parties)
        }`,
      );
    }
    this.#parties = parties;
  }

  /**
   * Waits until `parties` tasks are waiting, then resolves with this task's
   * index in the cycle.
   *
   * **Cancellation**: a cancelled or aborted wait rejects (`CancelledError`
   * or `signal.reason`) and leaves the barrier at once: it no longer counts
   * toward `nWaiting` and the barrier is not broken. A waiter already
   * released when the cancellation came resolves with its index.
   *
   * @param options An abort signal.
   * @returns The index, `0..parties-1`.
   * @throws {BrokenBarrierError} If the barrier is broken, or is aborted or
   * reset while waiting.
   *
   * @example A party of one
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Barrier } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   assert.equal(await new Barrier(1).wait(), 0);
   * });
   * ```
   */
  wait(options?: SignalOptions): Promise<number> {
    const signal = options?.signal;
    const rejected = rejectIfAborted(signal);
    if (rejected !== null) return rejected;
    if (this.#broken) return Promise.reject(new BrokenBarrierError());
    if (this.#waiters.length + 1 >= this.#parties) {
      for (let i = 0, w = this.#waiters.shift(); w !== null; i++) {
        w.setResult(i);
        w = this.#waiters.shift();
      }
      return settled(this.#parties - 1);
    }
    return waitIn(this.#waiters, getRunningLoop(), signal);
  }

  /**
   * Returns the barrier to its empty state: current waiters get
   * `BrokenBarrierError`, a broken barrier is usable again.
   *
   * @example Reset a broken barrier
   * ```ts
   * import { Barrier } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * const b = new Barrier(2);
   * b.abort();
   * b.reset();
   * assert.equal(b.broken, false);
   * ```
   */
  reset(): void {
    this.#waiters.rejectAll(() => new BrokenBarrierError());
    this.#broken = false;
  }

  /**
   * Breaks the barrier: current and later `wait()` calls throw
   * `BrokenBarrierError` until `reset()`.
   *
   * @example Abort
   * ```ts
   * import { Barrier, BrokenBarrierError } from "@aio/asyncio/sync";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const b = new Barrier(2);
   *   b.abort();
   *   assert.ok(b.broken);
   *   await assert.rejects(b.wait(), BrokenBarrierError);
   * });
   * ```
   */
  abort(): void {
    this.#broken = true;
    this.#waiters.rejectAll(() => new BrokenBarrierError());
  }

  /**
   * The number of tasks needed to pass the barrier.
   *
   * @example Parties
   * ```ts
   * import { Barrier } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Barrier(2).parties, 2);
   * ```
   */
  get parties(): number {
    return this.#parties;
  }

  /**
   * The number of tasks waiting in the current cycle.
   *
   * @example None at first
   * ```ts
   * import { Barrier } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Barrier(2).nWaiting, 0);
   * ```
   */
  get nWaiting(): number {
    return this.#waiters.length;
  }

  /**
   * Whether the barrier is broken (aborted and not reset).
   *
   * @example Not broken at first
   * ```ts
   * import { Barrier } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Barrier(2).broken, false);
   * ```
   */
  get broken(): boolean {
    return this.#broken;
  }

  /**
   * A short description: `Barrier(filling, waiters=1/3)`.
   *
   * @returns The description.
   *
   * @example Describe
   * ```ts
   * import { Barrier } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Barrier(3)), "Barrier(filling, waiters=0/3)");
   * ```
   */
  toString(): string {
    return `Barrier(${
      this.#broken ? "broken" : "filling"
    }, waiters=${this.#waiters.length}/${this.#parties})`;
  }
}
