/**
 * Synchronization primitives and queues for tasks, as in asyncio: `Lock`,
 * `Event`, `Condition`, `Semaphore`, `BoundedSemaphore`, `Barrier`, `Queue`,
 * `PriorityQueue`, `LifoQueue`.
 *
 * Every primitive is FIFO-fair and cancellation-safe. Waiters are served in
 * the order they began to wait, and a release, `put()` or `get()` hands the
 * resource straight to the first waiter, so a newcomer cannot overtake it
 * and `locked()`, `value` and `qsize()` are right at every instant. A wait
 * cancelled by its task or by its `signal` leaves the line at once and
 * takes nothing: a cancelled `acquire()` holds no lock and loses no permit,
 * a cancelled `get()` loses no item, a cancelled `put()` inserts none.
 *
 * Every waiting method takes `{ signal }`. The check is static: a signal
 * already aborted rejects with exactly `signal.reason`, even when the call
 * would not have to wait. Lock-like primitives give a `Disposable` guard:
 * `using _ = await lock.lock();` releases at scope exit.
 *
 * Differences from asyncio, all from the hand-over design: a waiter woken
 * (handed the lock, a permit or an item) and cancelled before it runs
 * again keeps what it was handed and gets the `CancelledError` at its next
 * wait, where asyncio throws at once and passes the wakeup on. A
 * `Condition` waiter holds no resource when notified: notified and then
 * cancelled, it rejects and passes its notification on, as in asyncio. The barrier has no
 * draining phase, and a waiting getter of a `PriorityQueue` gets the item
 * put while it waited.
 *
 * ```ts
 * import { createTask, run, sleep } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import { Event, Lock, Queue } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * const log = await run(async () => {
 *   const lock = new Lock();
 *   const done = new Event();
 *   const queue = new Queue<string>(1);
 *   const log: string[] = [];
 *   const worker = createTask(async () => {
 *     for await (const job of queue) {
 *       using _ = await lock.lock();
 *       await sleep(10);
 *       log.push(job);
 *       queue.taskDone();
 *     }
 *     done.set();
 *   });
 *   await queue.put("a");
 *   await queue.put("b");
 *   await queue.join();
 *   queue.shutdown();
 *   await done.wait();
 *   await worker;
 *   return log;
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(log, ["a", "b"]);
 * ```
 *
 * @module
 */

export { CancelledError, type SignalOptions } from "../loop/mod.ts";
export { Barrier } from "./barrier.ts";
export { BoundedSemaphore } from "./bounded_semaphore.ts";
export { Condition } from "./condition.ts";
export {
  BrokenBarrierError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
} from "./errors.ts";
export { Event } from "./event.ts";
export { Guard, type Releasable } from "./guard.ts";
export { LifoQueue } from "./lifo_queue.ts";
export { Lock } from "./lock.ts";
export { PriorityQueue } from "./priority_queue.ts";
export { Queue } from "./queue.ts";
export { Semaphore } from "./semaphore.ts";
