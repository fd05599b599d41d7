/**
 * The event loop: callbacks, timers on one heap, clocks real and virtual,
 * and `Future`, the result that arrives later, whose awaits the loop's
 * cancellation reaches. Tasks and `run(main)` are in `@aio/asyncio/task`.
 *
 * ```ts
 * import { EventLoop, VirtualClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * using loop = new EventLoop({ clock: new VirtualClock() });
 * const order: string[] = [];
 * loop.callLater(100, () => order.push("later"));
 * loop.callSoon(() => order.push("soon"));
 * loop.callAt(200, () => loop.stop());
 * await loop.runForever();
 * assert.deepEqual(order, ["soon", "later"]);
 * assert.equal(loop.time(), 200);
 * ```
 *
 * @module
 */

export type { Clock } from "./clock.ts";
export { CancelledError, InvalidStateError } from "./errors.ts";
export {
  EventLoop,
  type EventLoopOptions,
  type ExceptionContext,
  type ExceptionHandler,
} from "./event_loop.ts";
export { type DoneCallback, Future, isFuture } from "./future.ts";
export { Handle, TimerHandle } from "./handle.ts";
export { MonotonicClock } from "./monotonic_clock.ts";
export {
  getEventLoop,
  getRunningLoop,
  newEventLoop,
  setEventLoop,
} from "./running_loop.ts";
export type { SignalOptions } from "./signal_options.ts";
export { VirtualClock } from "./virtual_clock.ts";
