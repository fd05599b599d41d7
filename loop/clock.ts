/**
 * The time source an `EventLoop` reads. Time is in milliseconds and
 * never goes backwards.
 *
 * A clock that implements {@linkcode Clock.advanceTo} is virtual: instead of
 * sleeping until its next deadline, an idle loop asks the clock to jump there.
 *
 * @example Read a clock
 * ```ts
 * import { type Clock, MonotonicClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const clock: Clock = new MonotonicClock();
 * assert.ok(clock.now() >= 0);
 * ```
 *
 * @module
 */

/**
 * A monotonic time source in milliseconds.
 *
 * @example A clock that always reads zero
 * ```ts
 * import type { Clock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const frozen: Clock = { now: () => 0 };
 * assert.equal(frozen.now(), 0);
 * ```
 */
export interface Clock {
  /** The current time in milliseconds. Never decreases. */
  now(): number;
  /**
   * Present on virtual clocks only: moves time forward to `when`. An idle
   * `EventLoop` calls it with its next timer deadline instead of
   * waiting for real time to pass.
   */
  advanceTo?(when: number): void;
  /**
   * Virtual clocks only: how many milliseconds of real time an idle loop
   * waits for host work before it jumps; 0 (or absent) jumps after one
   * turn of the host.
   */
  readonly autojumpThreshold?: number;
}
