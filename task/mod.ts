/**
 * Futures, tasks with real cancellation, and the combinators of asyncio.
 *
 * ```ts
 * import { CancelledError, createTask, run, sleep } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
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
 * ## Cancellation
 *
 * Cancellation works by scopes. Every task has a root scope; `timeout()`,
 * `timeoutAt()`, `waitFor()` and `taskGroup()` open nested ones, and the
 * async context carries the innermost scope through native `await`s,
 * `Promise.all` branches and callbacks created inside it. Every library
 * wait registers with the scope where it starts. Cancelling a scope
 * (`task.cancel()` for the root, a deadline for a timeout, a failing child
 * for a task group) cancels every wait pending in it and in its nested
 * scopes, aborts their signals, or, if none is pending, the next wait
 * started there. Sibling scopes of the same task are untouched. A
 * cancellation is delivered once (one that reaches only futures the code
 * may have left behind, such as a `Promise.race` loser, goes to the code's
 * next wait unless the code reacts at once: README, Pitfalls); a timeout
 * turns only its own into
 * `TimeoutError`. Hand `scope.signal` or {@linkcode currentSignal} to
 * native calls such as `fetch` so they stop too.
 *
 * ```ts
 * import { run, sleep, timeout, TimeoutError } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const outcome = await run(async () => {
 *   // Two deadlines at once in one task: each ends only its own block.
 *   const [a, b] = await Promise.allSettled([
 *     timeout(10, () => sleep(1000)),
 *     timeout(100, async () => {
 *       await sleep(50);
 *       return "b";
 *     }),
 *   ]);
 *   return [
 *     a.status === "rejected" && a.reason instanceof TimeoutError,
 *     b.status === "fulfilled" && b.value,
 *   ];
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(outcome, [true, "b"]);
 * ```
 *
 * @module
 */

export {
  CancelledError,
  type DoneCallback,
  Future,
  InvalidStateError,
  isFuture,
  type SignalOptions,
} from "../loop/mod.ts";
export { asCompleted, type AsCompletedOptions } from "./as_completed.ts";
export type { Awaitable, AwaitedOf } from "./awaitable.ts";
export { TimeoutError } from "./errors.ts";
export { gather, type GatherOptions, type GatherResults } from "./gather.ts";
export { run, type RunOptions } from "./run.ts";
export { shield } from "./shield.ts";
export { sleep } from "./sleep.ts";
export {
  allTasks,
  createTask,
  type CreateTaskOptions,
  currentSignal,
  currentTask,
  type PendingWait,
  Task,
  type TaskOptions,
  type TaskTarget,
} from "./task.ts";
export { TaskGroup, taskGroup } from "./task_group.ts";
export {
  formatTaskTree,
  printTaskTree,
  type TaskTreeOptions,
} from "./task_tree.ts";
export { Timeout, timeout, timeoutAt } from "./timeout.ts";
export {
  type ReturnWhen,
  wait,
  type WaitResult,
  type WaitSetOptions,
} from "./wait.ts";
export { waitFor } from "./wait_for.ts";
