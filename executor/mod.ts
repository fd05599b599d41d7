/**
 * Work on other threads, as asyncio's executors: a pool of Deno Workers
 * (`WorkerPool`), `runInExecutor()` to await a function of a module run in
 * the running loop's default pool, `checkCancelled()` / `jobSignal()` for a
 * job to stop once its caller gave it up, and `LoopChannel` / `RemoteLoop`
 * for a Worker to schedule callbacks on the main thread's loop.
 *
 * ```ts
 * import { run } from "@aio/asyncio/task";
 * import { runInExecutor } from "@aio/asyncio/executor";
 * import assert from "node:assert/strict";
 *
 * const url = "data:text/javascript,export const add = (a, b) => a + b;";
 * const sum = await run(() => runInExecutor<number>(url, "add", 20, 22));
 * assert.equal(sum, 42);
 * ```
 *
 * @module
 */

export {
  runInExecutor,
  setDefaultExecutor,
  shutdownDefaultExecutor,
} from "./default_executor.ts";
export { checkCancelled, jobSignal } from "./job.ts";
export { LoopChannel, RemoteLoop } from "./loop_channel.ts";
export {
  type SubmitOptions,
  WorkerPool,
  type WorkerPoolOptions,
} from "./worker_pool.ts";
