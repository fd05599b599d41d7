/**
 * Deterministic time for tests, after trio's `MockClock` with autojump: time
 * stands still while anything is ready to run and jumps straight to the next
 * deadline when the loop is idle. An hour of timeouts runs in milliseconds
 * and in the same order on every run.
 *
 * "Idle" means nothing is ready after the host had one turn (one
 * macrotask): host I/O that has already completed gets in before the jump,
 * but the clock does not wait for host work still in flight (a real
 * `setTimeout`, a socket read). As with trio's autojump, a test that mixes
 * real host waits with virtual timers is not deterministic: use the real
 * clock for such tests. A timer that repeats (a heartbeat) makes virtual
 * time run on for as long as host work is in flight, as fast as the machine
 * goes; `autojumpThreshold`, trio's knob, makes each jump wait for that
 * much idle real time first.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import { describeArgument } from "./describe_value.ts";

/**
 * A clock that only moves when told to, or when an idle loop jumps it to its
 * next timer.
 *
 * "Idle" means nothing of the loop's is ready to run: host work in flight (a
 * socket read, a `fetch`, a native `setTimeout`, a child process) does not
 * hold the clock back, so a deadline around such work fires at once. Use it
 * for code whose waits are the library's (sleeps, timeouts, queues, locks),
 * and the real clock for tests that do I/O.
 *
 * @example An hour passes at once
 * ```ts
 * import { EventLoop, VirtualClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const loop = new EventLoop({ clock: new VirtualClock() });
 * const fired: number[] = [];
 * loop.callLater(3_600_000, () => {
 *   fired.push(loop.time());
 *   loop.stop();
 * });
 * await loop.runForever();
 * loop.close();
 * assert.deepEqual(fired, [3_600_000]);
 * ```
 */
export class VirtualClock implements Clock {
  #now: number;
  #threshold = 0;

  /**
   * Creates a clock that reads `start`.
   *
   * @param start The initial reading in milliseconds.
   *
   * @example Start at a given time
   * ```ts
   * import { VirtualClock } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new VirtualClock(100).now(), 100);
   * ```
   */
  constructor(start?: number) {
    start ??= 0;
    if (!Number.isFinite(start)) {
      throw new RangeError(
        `Cannot create VirtualClock: start must be a finite number, got ${
          describeArgument(start)
        }`,
      );
    }
    this.#now = start;
  }

  /**
   * The current virtual time in milliseconds.
   *
   * @returns The reading.
   *
   * @example Read
   * ```ts
   * import { VirtualClock } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new VirtualClock().now(), 0);
   * ```
   */
  now(): number {
    return this.#now;
  }

  /**
   * Moves time forward by `ms`.
   *
   * @param ms Milliseconds to add; must be finite and not negative.
   * @throws {RangeError} If `ms` is negative or not finite.
   *
   * @example Advance by hand
   * ```ts
   * import { VirtualClock } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * const clock = new VirtualClock();
   * clock.advance(250);
   * assert.equal(clock.now(), 250);
   * ```
   */
  advance(ms: number): void {
    if (typeof ms !== "number" || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(
        `Cannot advance VirtualClock: ms must be a finite number >= 0, got ${
          describeArgument(ms)
        }`,
      );
    }
    this.#now += ms;
  }

  /**
   * Moves time forward to `when`; a time in the past leaves the clock alone,
   * so the clock stays monotonic.
   *
   * @param when The target reading in milliseconds.
   *
   * @example Jump to a deadline
   * ```ts
   * import { VirtualClock } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * const clock = new VirtualClock();
   * clock.advanceTo(40);
   * clock.advanceTo(10);
   * assert.equal(clock.now(), 40);
   * ```
   */
  advanceTo(when: number): void {
    if (when > this.#now) this.#now = when;
  }

  /**
   * How many milliseconds of real time an idle loop waits for host work
   * (a `fetch`, a socket read) to make something ready before it jumps to
   * its next deadline; 0 (the default) jumps after one turn of the host.
   * For tests that mix host I/O with virtual timers: with a repeating timer
   * (a heartbeat, a refill), a threshold bounds how far virtual time runs
   * while the host works, where 0 lets it run as fast as the machine goes.
   * Every jump then waits that long, so an hour of 1 ms sleeps is slow: set
   * it only around the host work. Like trio's `autojump_threshold`.
   *
   * @throws {RangeError} On set, if not a finite number >= 0.
   *
   * @example A heartbeat while the host works
   * ```ts
   * import { EventLoop, VirtualClock } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * const clock = new VirtualClock();
   * clock.autojumpThreshold = 10;
   * const loop = new EventLoop({ clock });
   * let beats = 0;
   * const beat = () => {
   *   beats++;
   *   handle = loop.callLater(1, beat);
   * };
   * let handle = loop.callLater(1, beat);
   * const started = performance.now();
   * // 30 ms of host work: a jump only after 10 idle ms each.
   * await loop.runUntilComplete(new Promise((r) => setTimeout(r, 30)));
   * const elapsed = performance.now() - started;
   * handle.cancel();
   * loop.close();
   * assert.ok(beats <= elapsed / 10 + 1);
   * ```
   */
  get autojumpThreshold(): number {
    return this.#threshold;
  }

  set autojumpThreshold(ms: number) {
    if (typeof ms !== "number" || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(
        `Cannot set VirtualClock.autojumpThreshold: ms must be a finite number >= 0, got ${
          describeArgument(ms)
        }`,
      );
    }
    this.#threshold = ms;
  }
}
