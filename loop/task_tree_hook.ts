/**
 * The hook through which `run()` prints the task tree on SIGUSR1 in debug
 * mode without importing the task module (dependencies point one way:
 * `task -> loop`). The task module's `task_tree.ts` installs its formatter
 * when it is imported.
 *
 * @module
 */

import type { EventLoop } from "./event_loop.ts";

/** Renders the tasks of a loop as text. */
export type TaskTreeFormatter = (loop: EventLoop) => string;

let formatter: TaskTreeFormatter | null = null;

/**
 * Installs the function that renders a loop's task tree. Called by the task
 * module; `null` removes it.
 *
 * @param fn The formatter, or `null`.
 *
 * @example The task module installs one
 * ```ts
 * import { getTaskTreeFormatter } from "@aio/asyncio/loop";
 * import "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * assert.equal(typeof getTaskTreeFormatter(), "function");
 * ```
 */
export function setTaskTreeFormatter(fn: TaskTreeFormatter | null): void {
  formatter = fn;
}

/**
 * The installed task tree formatter, or `null` before the task module is
 * imported.
 *
 * @returns The formatter or `null`.
 *
 * @example Format the tree of a loop
 * ```ts
 * import { EventLoop, getTaskTreeFormatter } from "@aio/asyncio/loop";
 * import "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * using loop = new EventLoop();
 * assert.match(getTaskTreeFormatter()!(loop), /no tasks/);
 * ```
 */
export function getTaskTreeFormatter(): TaskTreeFormatter | null {
  return formatter;
}
