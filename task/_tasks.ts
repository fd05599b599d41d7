/**
 * The unfinished tasks of each loop, held strongly so that a task never
 * vanishes because its creator dropped it (the trap of CPython #88831). When
 * the loop closes, the tasks still pending are reported.
 *
 * A list linked through fields of the tasks themselves, in creation order:
 * adding and removing a task allocates nothing, where a `Set` hashed every
 * task and regrew its table as tasks came and went (a tenth of the time of
 * spawning a task that waits once).
 */

import { describeValue } from "../loop/describe_value.ts";
import { type EventLoop, onClose } from "../loop/event_loop.ts";

/** The previous task in its loop's list. */
export const prevTask: unique symbol = Symbol("aio.prevTask");
/** The next task in its loop's list. */
export const nextTask: unique symbol = Symbol("aio.nextTask");

/** A task as its list sees it. */
export interface Listed {
  [prevTask]: Listed | null;
  [nextTask]: Listed | null;
  readonly createdAt?: string;
}

/** The unfinished tasks of one loop, oldest first. */
class TaskList {
  head: Listed | null = null;
  tail: Listed | null = null;

  add(task: Listed): void {
    task[prevTask] = this.tail;
    if (this.tail === null) this.head = task;
    else this.tail[nextTask] = task;
    this.tail = task;
  }

  delete(task: Listed): void {
    const prev = task[prevTask];
    const next = task[nextTask];
    if (prev === null) this.head = next;
    else prev[nextTask] = next;
    if (next === null) this.tail = prev;
    else next[prevTask] = prev;
    task[prevTask] = task[nextTask] = null;
  }

  *[Symbol.iterator](): Generator<Listed> {
    for (let task = this.head; task !== null; task = task[nextTask]) {
      yield task;
    }
  }
}

const byLoop = new WeakMap<EventLoop, TaskList>();

/** Lists `task` as unfinished on `loop`. */
export function listTask(loop: EventLoop, task: Listed): void {
  let tasks = byLoop.get(loop);
  if (tasks === undefined) {
    tasks = new TaskList();
    byLoop.set(loop, tasks);
    loop[onClose](reportPending);
  }
  tasks.add(task);
}

/** `task` is done. Once its loop closed, the list is gone already. */
export function unlistTask(loop: EventLoop, task: Listed): void {
  byLoop.get(loop)?.delete(task);
}

/** The unfinished tasks of `loop`, oldest first. */
export function listedTasks(loop: EventLoop): Iterable<Listed> {
  return byLoop.get(loop) ?? [];
}

function reportPending(loop: EventLoop): void {
  const tasks = byLoop.get(loop);
  if (tasks === undefined) return;
  byLoop.delete(loop);
  for (const task of tasks) {
    loop.callExceptionHandler({
      message: `Task was destroyed but it is pending: ${describeValue(task)}`,
      task,
      ...(task.createdAt !== undefined ? { source: task.createdAt } : {}),
    });
  }
}
