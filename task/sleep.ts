/**
 * `sleep(ms)`: wait on the loop's clock.
 *
 * @module
 */

import { describeArgument } from "../loop/describe_value.ts";
import { notASignal } from "../loop/signal_options.ts";
import { getRunningLoop, type Handle } from "../loop/mod.ts";
import { callSoonJob } from "../loop/event_loop.ts";
import { Future, resolveNow } from "../loop/future.ts";
import type { SignalOptions } from "../loop/signal_options.ts";

/** A future whose cancellation also cancels its timer. */
class SleepFuture extends Future<void> {
  handle: Handle | null = null;
  ms = 0;
  // Built on demand: most sleeps are never looked at.
  override get label(): string {
    return `sleep(${this.ms})`;
  }
  override cancel(msg?: string): boolean {
    this.handle?.cancel();
    return super.cancel(msg);
  }
  override setException(error: unknown): void {
    this.handle?.cancel();
    super.setException(error);
  }
}

function wakeSleeper(f: SleepFuture): void {
  f[resolveNow](undefined);
}

/**
 * Waits `ms` milliseconds on the running loop's clock (virtual time under a
 * `VirtualClock`). `sleep(0)` yields exactly one tick: every other ready
 * callback and task runs once before the caller resumes.
 *
 * **Cancellation**: cancelling the task that sleeps ends the sleep at once
 * with `CancelledError`; aborting `signal` ends it with `signal.reason`. The
 * timer is removed either way. A pre-aborted signal rejects at once.
 *
 * @param ms Milliseconds; `0` or less yields one tick.
 * @param options An abort signal.
 * @returns A promise (a `Future`) that resolves after the delay.
 * @throws {Error} If no loop is running.
 * @throws {TypeError} If `ms` is not a number or is NaN.
 * @throws {TypeError} If `options.signal` is not an `AbortSignal`.
 *
 * @example Sleep on virtual time
 * ```ts
 * import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
 * import { run, sleep } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const t = await run(async () => {
 *   await sleep(1500);
 *   return getRunningLoop().time();
 * }, { clock: new VirtualClock() });
 * assert.equal(t, 1500);
 * ```
 */
export function sleep(ms: number, options?: SignalOptions): Promise<void> {
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    throw new TypeError(
      `Cannot sleep: ms must be a number, got ${describeArgument(ms)}`,
    );
  }
  const signal = options?.signal;
  const bad = signal === undefined ? null : notASignal(signal);
  if (bad !== null) throw bad;
  const loop = getRunningLoop();
  const future = new SleepFuture(loop);
  future.ms = ms;
  if (signal !== undefined) {
    future.abortOn(signal);
    if (future.done()) return future;
  }
  // A zero sleep's job needs no handle: once the future is done (it was
  // cancelled), waking it does nothing.
  if (ms > 0) future.handle = loop.callLater(ms, wakeSleeper, future);
  else callSoonJob(loop, wakeSleeper, future);
  return future;
}
