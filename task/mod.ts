/**
 * Futures, tasks with real cancellation, and the combinators of asyncio.
 *
 * ```ts
 * import { run, VirtualClock } from "@aio/asyncio/loop";
 * import { CancelledError, createTask, sleep } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const log = await run(async () => {
 *   const log: string[] = [];
 *   const worker = createTask(async () => {
 *     try {
 *       await sleep(10_000);
 *     } catch (e) {
 *       log.push(e instanceof CancelledError ? "cancelled" : "other");
 *       throw e;
 *     }
 *   });
 *   await sleep(10);
 *   worker.cancel();
 *   await worker.catch(() => log.push("awaited"));
 *   return log;
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(log, ["cancelled", "awaited"]);
 * ```
 *
 * @module
 */

export * from "./as_completed.ts";
export * from "./errors.ts";
export * from "./future.ts";
export * from "./gather.ts";
export * from "./shield.ts";
export * from "./sleep.ts";
export * from "./task.ts";
export * from "./task_group.ts";
export * from "./task_tree.ts";
export * from "./timeout.ts";
export * from "./wait.ts";
export * from "./wait_for.ts";
