/**
 * `toWorker()`: `runInExecutor()` on the running loop, the way
 * `asyncio.to_thread()` is `run_in_executor()` on the running loop.
 *
 * @module
 */

import { getRunningLoop } from "./running_loop.ts";
import type { FutureLike } from "./task_support.ts";

/**
 * Runs `exportName(...args)` from the module at `moduleUrl` in the running
 * loop's default Worker pool and returns a future of its result. See
 * `EventLoop.runInExecutor` for cloning, errors and the pool.
 *
 * **Cancellation**: cancelling the task that awaits the future gives the job
 * up: it never starts if it was queued, and a running job is abandoned (or
 * its Worker terminated, with a pool created with `terminateOnCancel`). The
 * loop keeps running.
 *
 * @typeParam T The result type.
 * @param moduleUrl The module's absolute URL, e.g.
 * `import.meta.resolve("./work.ts")`.
 * @param exportName The exported function to call.
 * @param args Its arguments, structured-cloned.
 * @returns A future of the function's result.
 * @throws {Error} If no loop is running or its executor was shut down.
 * @throws {TypeError} If `moduleUrl` is not an absolute URL.
 *
 * @example Offload from a task
 * ```ts
 * import { run, toWorker } from "@aio/asyncio/loop";
 * import "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const url = "data:text/javascript,export const up = (s) => s.toUpperCase();";
 * assert.equal(await run(() => toWorker<string>(url, "up", "hi")), "HI");
 * ```
 */
export function toWorker<T>(
  moduleUrl: string | URL,
  exportName: string,
  ...args: unknown[]
): FutureLike<T> {
  return getRunningLoop().runInExecutor<T>(moduleUrl, exportName, ...args);
}
