/**
 * The event loop: callbacks, timers on one heap, clocks real and virtual,
 * and `run(main)`.
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

export * from "./clock.ts";
export * from "./deque.ts";
export * from "./event_loop.ts";
export * from "./executor.ts";
export * from "./handle.ts";
export * from "./loop_handle.ts";
export * from "./monotonic_clock.ts";
export * from "./run.ts";
export * from "./running_loop.ts";
export * from "./task_support.ts";
export * from "./task_tree_hook.ts";
export * from "./to_worker.ts";
export * from "./virtual_clock.ts";
