/**
 * "What is my program waiting on?": the tasks of a loop as a tree, parent to
 * children, each with its state, age and what it awaits, like
 * `python -m asyncio pstree`.
 *
 * A task's parent is the task that was running when it was created (by
 * `createTask`, a `TaskGroup` or a combinator). What a task awaits is every
 * library future its code waits on (`Task.pendingWaits()`: several when it
 * waits in `Promise.all` or in concurrent timeouts), each after the scopes
 * it waits in (`timeout(100) > Queue.get`), shown by its `label` when it
 * has one (`sleep(100)`; sync primitives label their waiters), as
 * `task "name"` when it is another task, else as the future itself. A task
 * that waits on nothing of the library is either ready to run or parked on
 * a host promise (`fetch`, a raw socket read): the tree says so, since the
 * two cannot be told apart from outside.
 *
 * In debug mode `run()` prints the tree to stderr when the process gets
 * SIGUSR1 (Unix only): `kill -USR1 <pid>`.
 *
 * @module
 */

import type { EventLoop } from "../loop/event_loop.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import { describeValue } from "../loop/describe_value.ts";
import type { Future } from "../loop/future.ts";
import { allTasks, currentTask, Task } from "./task.ts";

/** Options for {@linkcode formatTaskTree}. */
export interface TaskTreeOptions {
  /**
   * Add where each task was created (the first frame of `Task.createdAt`
   * outside this library), when the loop was in debug mode at the time.
   *
   * @default {true}
   */
  showSource?: boolean;
}

/** A task to print, where, and how deep. */
interface TreeNode {
  task: Task<unknown>;
  prefix: string;
  last: boolean;
  depth: number;
}

/** The deepest level that is indented further than its parent. */
const MAX_INDENT = 32;

/**
 * Renders the unfinished tasks of `loop` as a tree. Each line reads
 * `name (state, age) awaits what`, where the state is `running` (the task
 * that called this), `waiting` (on a library future), or `ready or awaiting
 * a host promise`, plus `cancelling` when a cancellation is pending. Tasks
 * whose parent already finished are shown as roots.
 *
 * @param loop The loop; the running loop by default.
 * @param options Whether to show creation sites.
 * @returns The tree, several lines, without a trailing newline.
 * @throws {Error} If no loop is given and none is running.
 *
 * @example Two workers waiting on an event
 * ```ts
 * import { createTask, formatTaskTree, Future, run, sleep } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const tree = await run(async () => {
 *   const gate = new Future<void>();
 *   gate.label = "gate";
 *   const a = createTask(() => gate, { name: "a" });
 *   const b = createTask(() => sleep(500), { name: "b" });
 *   await sleep(100);
 *   const tree = formatTaskTree();
 *   gate.setResult();
 *   await a;
 *   await b;
 *   return tree;
 * }, { clock: new VirtualClock() });
 * assert.equal(
 *   tree,
 *   [
 *     "Task tree at 100 ms (3 tasks)",
 *     "└── main (running, age 100 ms)",
 *     "    ├── a (waiting, age 100 ms) awaits gate",
 *     "    └── b (waiting, age 100 ms) awaits sleep(500)",
 *   ].join("\n"),
 * );
 * ```
 */
export function formatTaskTree(
  loop?: EventLoop,
  options?: TaskTreeOptions,
): string {
  loop ??= getRunningLoop();
  const showSource = options?.showSource ?? true;
  const tasks = allTasks(loop);
  const now = loop.time();
  const header = `Task tree at ${formatMs(now)}`;
  if (tasks.size === 0) return `${header}: no tasks`;
  const children = new Map<Task<unknown> | undefined, Task<unknown>[]>();
  for (const task of tasks) {
    const parent = task.parent !== undefined && tasks.has(task.parent)
      ? task.parent
      : undefined;
    let list = children.get(parent);
    if (list === undefined) children.set(parent, list = []);
    list.push(task);
  }
  const running = currentTask();
  const lines = [
    `${header} (${tasks.size} task${tasks.size === 1 ? "" : "s"})`,
  ];
  // A walk with a stack of its own, not recursion: a recursive algorithm
  // that awaits a child task per level makes trees thousands deep.
  const stack: TreeNode[] = [];
  const pushKids = (kids: Task<unknown>[], prefix: string, depth: number) => {
    for (let i = kids.length - 1; i >= 0; i--) {
      stack.push({
        task: kids[i]!,
        prefix,
        last: i === kids.length - 1,
        depth,
      });
    }
  };
  pushKids(children.get(undefined) ?? [], "", 0);
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    const { task, prefix, last, depth } = node;
    // Past MAX_INDENT the indent stops growing (lines would grow with the
    // square of the depth) and each line says how deep it is.
    const deep = depth > MAX_INDENT ? `[depth ${depth}] ` : "";
    lines.push(
      `${prefix}${last ? "└── " : "├── "}${deep}${
        describeTask(task, now, running, tasks, showSource)
      }`,
    );
    const inner = depth >= MAX_INDENT
      ? prefix
      : prefix + (last ? "    " : "│   ");
    pushKids(children.get(task) ?? [], inner, depth + 1);
  }
  return lines.join("\n");
}

/**
 * Prints {@linkcode formatTaskTree} to stderr.
 *
 * @param loop The loop; the running loop by default.
 * @param options Whether to show creation sites.
 * @throws {Error} If no loop is given and none is running.
 *
 * @example Print the tree
 * ```ts
 * import { printTaskTree, run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const printed: string[] = [];
 * const original = console.error;
 * console.error = (text: string) => printed.push(text);
 * try {
 *   await run(async () => printTaskTree());
 * } finally {
 *   console.error = original;
 * }
 * assert.match(printed[0]!, /└── main \(running/);
 * ```
 */
export function printTaskTree(
  loop?: EventLoop,
  options?: TaskTreeOptions,
): void {
  console.error(formatTaskTree(loop, options));
}

function describeTask(
  task: Task<unknown>,
  now: number,
  running: Task<unknown> | undefined,
  tasks: Set<Task<unknown>>,
  showSource: boolean,
): string {
  const waits = task.pendingWaits();
  let state = task === running
    ? "running"
    : waits.length > 0
    ? "waiting"
    : "ready or awaiting a host promise";
  if (task.cancelling() > 0) state += ", cancelling";
  let line = `${describeValue(task.name)} (${state}, age ${
    formatMs(now - task.createdTime)
  })`;
  if (waits.length > 0) {
    line += ` awaits ${
      waits.map(({ future, scopes }) =>
        [...scopes, describeFuture(future, tasks)].join(" > ")
      ).join(", ")
    }`;
  }
  if (showSource && task.createdAt !== undefined) {
    const frame = task.createdAt.split("\n").map((l) => l.trim()).find((l) =>
      l !== "" && !isLibraryFrame(l)
    );
    if (frame !== undefined) line += ` created ${frame}`;
  }
  return line;
}

/** The root of this library, to skip its frames in creation sites. */
const LIBRARY_ROOT = new URL("../", import.meta.url).href;
const LIBRARY_DIRS = ["task/", "loop/", "sync/", "io/"].map((d) =>
  LIBRARY_ROOT + d
);

function isLibraryFrame(frame: string): boolean {
  return LIBRARY_DIRS.some((dir) => frame.includes(dir)) &&
    !/_test\.ts:/.test(frame);
}

function describeFuture(
  future: Future<unknown>,
  tasks: Set<Task<unknown>>,
): string {
  if (future instanceof Task) {
    return `task "${describeValue(future.name)}"${
      tasks.has(future) ? "" : " (done)"
    }`;
  }
  const label = future.label;
  return label === undefined ? describeValue(future) : describeValue(label);
}

function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}
