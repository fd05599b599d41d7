/**
 * The small interface through which the loop creates and drives futures and
 * tasks without importing the task module (dependencies point one way:
 * `task -> loop`). The task module installs itself with
 * {@linkcode setTaskSupport} when it is imported; `mod.ts` imports it, so
 * users of the root module never see this file.
 *
 * @module
 */

import type { EventLoop } from "./event_loop.ts";

/**
 * The API of `Future` from the task module, as the loop sees it.
 *
 * @typeParam T The result type.
 *
 * @example A future from a loop
 * ```ts
 * import { EventLoop, type FutureLike } from "@aio/asyncio/loop";
 * import "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const loop = new EventLoop();
 * const f: FutureLike<number> = loop.createFuture<number>();
 * f.setResult(1);
 * assert.equal(f.result(), 1);
 * loop.close();
 * ```
 */
export interface FutureLike<T> extends PromiseLike<T> {
  /** Whether the future has a result, an exception, or was cancelled. */
  done(): boolean;
  /** Whether the future was cancelled. */
  cancelled(): boolean;
  /** The result; throws the exception, `CancelledError` or `InvalidStateError`. */
  result(): T;
  /** The exception, or `undefined` if the future succeeded. */
  exception(): unknown;
  /** Completes the future with a value. */
  setResult(value: T): void;
  /** Completes the future with an error. */
  setException(error: unknown): void;
  /** Cancels the future; `false` if it was already done. */
  cancel(msg?: string): boolean;
  /** Calls `cb` through the loop once the future is done. */
  addDoneCallback(cb: (f: FutureLike<T>) => void): void;
  /** Removes every registration of `cb`; returns how many were removed. */
  removeDoneCallback(cb: (f: FutureLike<T>) => void): number;
}

/**
 * The API of `Task` from the task module, as the loop sees it.
 *
 * @typeParam T The result type.
 *
 * @example A task from a loop
 * ```ts
 * import { EventLoop, type TaskLike } from "@aio/asyncio/loop";
 * import "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const loop = new EventLoop();
 * const t: TaskLike<number> = loop.createTask(() => 42, { name: "answer" });
 * assert.equal(await loop.runUntilComplete(t), 42);
 * assert.equal(t.name, "answer");
 * loop.close();
 * ```
 */
export interface TaskLike<T> extends FutureLike<T> {
  /** The task's name, `Task-N` by default. */
  readonly name: string;
  /** Aborted with a `CancelledError` when the task is cancelled. */
  readonly signal: AbortSignal;
  /** The number of pending cancellation requests. */
  cancelling(): number;
  /** Takes back one cancellation request; returns how many are left. */
  uncancel(): number;
}

/**
 * What a task runs: an async function that receives the task's signal, or a
 * promise-like value to wait for.
 *
 * @typeParam T The result type.
 */
export type TaskTarget<T> =
  | ((signal: AbortSignal) => Promise<T> | PromiseLike<T> | T)
  | PromiseLike<T>;

/** Options for creating a task. */
export interface CreateTaskOptions {
  /**
   * The task's name, for reports and introspection.
   *
   * @default {"Task-N"}
   */
  name?: string;
}

/**
 * What the task module gives the loop. One implementation exists, installed
 * by importing the task module.
 */
export interface TaskSupport {
  /** Creates a pending future bound to `loop`. */
  createFuture<T>(loop: EventLoop): FutureLike<T>;
  /** Creates a task on `loop` and schedules its first step. */
  createTask<T>(
    loop: EventLoop,
    target: TaskTarget<T>,
    options?: CreateTaskOptions,
  ): TaskLike<T>;
  /** Returns `aw` if it is a future of `loop`, else a task awaiting it. */
  ensureFuture<T>(
    loop: EventLoop,
    aw: FutureLike<T> | TaskTarget<T>,
  ): FutureLike<T>;
  /** The unfinished tasks of `loop`. */
  allTasks(loop: EventLoop): Set<TaskLike<unknown>>;
  /** Called by `close()`: reports tasks left pending and lost exceptions. */
  onClose(loop: EventLoop): void;
}

let support: TaskSupport | null = null;

/**
 * Installs the task module's implementation. Called once by the task module.
 *
 * @param impl The implementation.
 *
 * @example The task module installs itself
 * ```ts
 * import { getTaskSupport } from "@aio/asyncio/loop";
 * import "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * assert.ok(getTaskSupport("example"));
 * ```
 */
export function setTaskSupport(impl: TaskSupport): void {
  support = impl;
}

/**
 * The installed task support.
 *
 * @param caller The API that needs it, named in the error.
 * @returns The implementation.
 * @throws {Error} If the task module was never imported.
 *
 * @example Look it up
 * ```ts
 * import { getTaskSupport } from "@aio/asyncio/loop";
 * import "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * assert.equal(typeof getTaskSupport("example").createTask, "function");
 * ```
 */
export function getTaskSupport(caller: string): TaskSupport {
  if (support === null) {
    throw new Error(
      `Cannot call ${caller}: the task module is not loaded; import "@aio/asyncio" or "@aio/asyncio/task"`,
    );
  }
  return support;
}

/**
 * The installed task support, or `null` before the task module is imported.
 *
 * @returns The implementation or `null`.
 *
 * @example Loaded
 * ```ts
 * import { hasTaskSupport } from "@aio/asyncio/loop";
 * import "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * assert.notEqual(hasTaskSupport(), null);
 * ```
 */
export function hasTaskSupport(): TaskSupport | null {
  return support;
}

/**
 * Key of the loop method the task module calls when a task is resumed (or
 * starts) and will run in microtasks after the current callback. The loop
 * does not start its next tick until every such task reached its next wait,
 * finished, or parked on a host promise.
 */
export const stepBegin: unique symbol = Symbol("aio.stepBegin");

/**
 * Key of the loop method the task module calls when a stepping task reached
 * a wait on a library future or finished.
 */
export const stepEnd: unique symbol = Symbol("aio.stepEnd");

/**
 * Key of the loop method that tells whether a step token is still awaited
 * (the loop gives up on steps that park on host promises).
 */
export const stepLive: unique symbol = Symbol("aio.stepLive");
