/**
 * The unfinished tasks of each loop, held strongly so that a task never
 * vanishes because its creator dropped it (the trap of CPython #88831). When
 * the loop closes, the tasks still pending are reported.
 */

import { describeValue } from "../loop/describe_value.ts";
import { type EventLoop, onClose } from "../loop/event_loop.ts";

interface Pending {
  readonly createdAt?: string;
}

const byLoop = new WeakMap<EventLoop, Set<Pending>>();

/** The unfinished tasks of `loop`. */
export function tasksOf(loop: EventLoop): Set<Pending> {
  let tasks = byLoop.get(loop);
  if (tasks === undefined) {
    tasks = new Set();
    byLoop.set(loop, tasks);
    loop[onClose](reportPending);
  }
  return tasks;
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
