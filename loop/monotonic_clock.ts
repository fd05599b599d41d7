/**
 * The real-time clock every `EventLoop` uses by default.
 *
 * @module
 */

import type { Clock } from "./clock.ts";

/**
 * Real, monotonic time from `performance.now()`, in milliseconds.
 *
 * @example Time goes forward
 * ```ts
 * import { MonotonicClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const clock = new MonotonicClock();
 * const a = clock.now();
 * assert.ok(clock.now() >= a);
 * ```
 */
export class MonotonicClock implements Clock {
  /**
   * The current time in milliseconds since the process started.
   *
   * @returns Milliseconds, with sub-millisecond precision.
   *
   * @example Read the clock
   * ```ts
   * import { MonotonicClock } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * assert.equal(typeof new MonotonicClock().now(), "number");
   * ```
   */
  now(): number {
    return performance.now();
  }
}
