/**
 * `TaskGroup`: structured concurrency, as asyncio's `TaskGroup`.
 *
 * A group is tied to the task that creates it (its *parent*). Its children
 * are tasks created with {@linkcode TaskGroup.createTask}. Leaving the group
 * waits for every child. The first child that fails cancels the other
 * children and the parent's body, and once all are done the group throws an
 * `AggregateError` of the failures (`CancelledError`s left out). A
 * cancellation of the parent from outside cancels the children and
 * propagates as `CancelledError`.
 *
 * Two forms:
 *
 * - `await taskGroup(async (tg) => { ... })`: the group sees how the body
 *   ends, exactly as `async with asyncio.TaskGroup()` does. Prefer it.
 * - `await using tg = new TaskGroup()`: JS does not tell a disposer whether
 *   the block threw, so the group cannot see an error thrown by the body
 *   itself: the children are awaited (not cancelled) and the body's error
 *   propagates after them. And when a failing child interrupts the body
 *   with `CancelledError`, JS reports the disposer's `AggregateError` as the
 *   `error` of a `SuppressedError` whose `suppressed` is that
 *   `CancelledError`.
 *
 * The group has a cancel scope, nested in the caller's. `taskGroup()` runs
 * the body in it: a failing child cancels that scope (every library wait of
 * the body, in any branch, ends with `CancelledError`, and `tg.signal`
 * aborts), and so does an error the body throws (the branches it left
 * running are stopped, native calls given `tg.signal` too). The group tells
 * its own cancellation apart from one that came from outside by the scope
 * each `CancelledError` comes from. It never
 * goes through the task: `cancelling()` is untouched. With `await using`,
 * the body runs in the caller's scope, so a failing child interrupts the
 * caller's pending waits there, as asyncio cancels the parent task.
 *
 * @module
 */

import type { EventLoop } from "../loop/mod.ts";
import {
  cancelledBy,
  cancelledError,
  CancelScope,
  currentScope,
  isCancelledError,
  outerRequest,
  rearm,
  sourceOf,
} from "../loop/cancel_scope.ts";
import type { CancelledError } from "../loop/errors.ts";
import { describeValue } from "../loop/describe_value.ts";
import { runInScope } from "./scope_future.ts";
import { failed, Future } from "../loop/future.ts";
import { type CreateTaskOptions, currentTask, Task } from "./task.ts";

let runGroup: <T>(
  group: TaskGroup,
  body: (tg: TaskGroup) => Promise<T> | T,
) => Promise<T>;
let exitGroup: (
  group: TaskGroup,
  failed: boolean,
  error: unknown,
  fromDispose: boolean,
) => Promise<void>;

/**
 * What the group's exit awaits: its children are done. A cancellation of
 * an enclosing scope that reaches this wait cancels the children at once,
 * in the same callback: a child woken later in that tick (its sleep due at
 * the deadline's instant) is then cancelled, not resumed.
 */
class ChildrenDone extends Future<boolean> {
  readonly #abort: () => void;

  constructor(loop: EventLoop, abort: () => void) {
    super(loop);
    this.#abort = abort;
  }

  override cancel(msg?: string): boolean {
    if (!this.done()) this.#abort();
    return super.cancel(msg);
  }
}

/**
 * A group of child tasks tied to the current task, as asyncio's
 * `TaskGroup`: leaving it waits for every child; the first child that fails
 * cancels the others and the body, and the group throws an
 * `AggregateError` of the failures.
 *
 * Prefer `await taskGroup(async (tg) => { ... })`, which sees how the body
 * ends, as `async with asyncio.TaskGroup()` does. The `await using tg = new
 * TaskGroup()` form has two limits that come from JS, which does not tell a
 * disposer whether its block threw:
 *
 * - an error thrown by the body itself does not cancel the children: they
 *   are awaited (a server loop among them: forever), then the error
 *   propagates;
 * - when a failing child interrupts a body that is waiting, the body ends
 *   with `CancelledError` and JS throws a `SuppressedError` whose `error` is
 *   the group's `AggregateError` and whose `suppressed` is that
 *   `CancelledError`.
 *
 * @example `await using`: leaving the block waits for the children
 * ```ts
 * import { run, sleep, TaskGroup } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const results = await run(async () => {
 *   const results: string[] = [];
 *   {
 *     await using tg = new TaskGroup();
 *     tg.createTask(async () => {
 *       await sleep(20);
 *       results.push("slow");
 *     });
 *     tg.createTask(async () => {
 *       await sleep(10);
 *       results.push("fast");
 *     });
 *   }
 *   return results;
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(results, ["fast", "slow"]);
 * ```
 */
export class TaskGroup implements AsyncDisposable {
  readonly #loop: EventLoop;
  /** The task running the group; let go once the group is finished. */
  #parent: Task<unknown> | null;
  /** The group's scope; `taskGroup()` runs the body in it. */
  readonly #scope: CancelScope;
  /** The scope of the code that made the group. */
  readonly #enclosing: CancelScope;
  /** Whether the body runs in the group's scope (`taskGroup()`). */
  #entered = false;
  readonly #tasks = new Set<Task<unknown>>();
  readonly #errors: unknown[] = [];
  #exiting = false;
  #finished = false;
  #aborting = false;
  /** Whether a failure interrupted the enclosing scope (`await using`). */
  #interrupted = false;
  #onCompleted: Future<boolean> | null = null;
  readonly #onTaskDone = (task: Task<unknown>): void => this.#taskDone(task);

  /**
   * Creates a group whose parent is the current task.
   *
   * @throws {Error} If not called inside a task.
   *
   * @example Outside a task
   * ```ts
   * import { TaskGroup } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * assert.throws(() => new TaskGroup(), /inside a task/);
   * ```
   */
  constructor() {
    const parent = currentTask();
    if (parent === undefined) {
      throw new Error(
        "Cannot create TaskGroup: not inside a task; create it inside a task (run(), createTask())",
      );
    }
    this.#parent = parent;
    this.#loop = parent.getLoop();
    this.#enclosing = currentScope()!.live()!;
    this.#scope = new CancelScope(parent, this.#enclosing, "TaskGroup");
  }

  /**
   * Aborted, with a `CancelledError` as its reason, when the group is
   * cancelled: a child failed, the body of `taskGroup()` threw, or the task
   * or an enclosing scope was cancelled. Pass it to native calls made by
   * the body or the children, so that they stop with the group.
   *
   * @example The signal aborts when a child fails
   * ```ts
   * import { run, sleep, taskGroup } from "@aio/asyncio/task";
   * import { VirtualClock } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * let signal: AbortSignal | undefined;
   * await assert.rejects(run(() =>
   *   taskGroup(async (tg) => {
   *     signal = tg.signal;
   *     tg.createTask(async () => {
   *       await sleep(10);
   *       throw new Error("boom");
   *     });
   *   }), { clock: new VirtualClock() }), AggregateError);
   * assert.equal(signal?.aborted, true);
   * ```
   */
  get signal(): AbortSignal {
    return this.#scope.signal;
  }

  /**
   * Creates a child task in the group.
   *
   * @typeParam T The result type.
   * @param fn An async function (receiving the task's signal), or a promise.
   * @param options The task's name.
   * @returns The task.
   * @throws {Error} If the group has finished, or is shutting down after a
   * failure or a cancellation.
   *
   * @example Read a child's result
   * ```ts
   * import { run, type Task, taskGroup } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const n = await run(async () => {
   *   let t: Task<number> | undefined;
   *   await taskGroup((tg) => {
   *     t = tg.createTask(async () => 42);
   *   });
   *   return t!.result();
   * });
   * assert.equal(n, 42);
   * ```
   */
  createTask<T>(
    fn:
      | ((signal: AbortSignal) => Promise<T> | PromiseLike<T> | T)
      | PromiseLike<T>,
    options?: CreateTaskOptions,
  ): Task<T> {
    if (this.#finished || (this.#exiting && this.#tasks.size === 0)) {
      throw new Error(
        `Cannot create task: ${
          describeValue(this)
        } is finished; create tasks before the group ends`,
      );
    }
    if (this.#aborting) {
      throw new Error(
        `Cannot create task: ${
          describeValue(this)
        } is shutting down after a failure or cancellation`,
      );
    }
    const task = new Task<T>(fn, { ...options, loop: this.#loop });
    this.#tasks.add(task as Task<unknown>);
    task.addDoneCallback(this.#onTaskDone as (t: Future<T>) => void);
    return task;
  }

  /**
   * Waits for every child, as leaving an `await using` block does. It
   * cannot see an error the block threw: see {@linkcode TaskGroup} for
   * what that form misses, and prefer {@linkcode taskGroup}.
   *
   * **Cancellation**: if the parent task is cancelled while it waits, the
   * children are cancelled, awaited, and the `CancelledError` propagates.
   *
   * @returns A promise that settles once every child is done.
   * @throws {AggregateError} Of the children's failures; when the block
   * itself ended with an error (the `CancelledError` of a failing child, if
   * the body was waiting), JS throws a `SuppressedError` with this one as
   * its `error`.
   * @throws {CancelledError} If the parent was cancelled from outside.
   *
   * @example A failing child
   * ```ts
   * import { run, TaskGroup } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await assert.rejects(
   *   run(async () => {
   *     await using tg = new TaskGroup();
   *     tg.createTask(async () => {
   *       throw new RangeError("bad");
   *     });
   *   }),
   *   (e) => e instanceof AggregateError && e.errors[0] instanceof RangeError,
   * );
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return exitGroup(this, false, undefined, true);
  }

  /**
   * A short description: `TaskGroup(tasks=2, errors=1, cancelling)`.
   *
   * @returns The description.
   *
   * @example Describe
   * ```ts
   * import { run, taskGroup } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const s = await run(() => taskGroup(async (tg) => String(tg)));
   * assert.equal(s, "TaskGroup(entered)");
   * ```
   */
  toString(): string {
    const info: string[] = [];
    if (this.#tasks.size > 0) info.push(`tasks=${this.#tasks.size}`);
    if (this.#errors.length > 0) info.push(`errors=${this.#errors.length}`);
    info.push(
      this.#aborting ? "cancelling" : this.#finished ? "finished" : "entered",
    );
    return `TaskGroup(${info.join(", ")})`;
  }

  static {
    runGroup = <T>(
      group: TaskGroup,
      body: (tg: TaskGroup) => Promise<T> | T,
    ): Promise<T> => {
      group.#entered = true;
      return runInScope(() => runBody(group, body), group.#scope);
    };
    exitGroup = (group, failed, error, fromDispose) =>
      group.#exit(failed, error, fromDispose);
  }

  async #exit(
    failed: boolean,
    error: unknown,
    fromDispose: boolean,
  ): Promise<void> {
    if (this.#exiting) {
      throw new Error(
        `Cannot exit ${describeValue(this)}: it was already exited`,
      );
    }
    this.#exiting = true;
    const scope = this.#scope;
    /** A cancellation from outside the group, to pass on. */
    let propagate: unknown = null;
    // A CancelledError, or an AggregateError of nothing else (a
    // `Promise.any` whose branches all met one): a cancellation, not a
    // failure.
    const cancelled = failed ? cancellationsOf(error) : null;
    if (cancelled !== null) {
      // The body was cancelled by the group (a child failed): swallowed;
      // else from outside: passed on (of a `Promise.any`'s, the outer).
      propagate = scope.ownCancellation(error);
      if (propagate !== null && !isCancelledError(propagate)) {
        propagate = cancelled.reduce((a, b) => outerRequest(a, b)!);
      }
      // A combinator in the body may have dropped the outer of two
      // cancellations that reached it (Promise.all keeps the first): the
      // scope knows the outer one that reached it. (Of two from the same
      // scope, the one thrown is the one the code met: the other merged
      // with it.)
      const outer = scope.outer;
      if (
        isCancelledError(propagate) && outer !== null &&
        sourceOf(outer) !== sourceOf(propagate) && !scope.pendingAbove(outer)
      ) {
        propagate = outerRequest(propagate, outer);
      }
    }
    if (failed && !this.#aborting) {
      this.#abort();
      // The body failed: cancel the group's scope as a failing child does,
      // so that `tg.signal` aborts and native work tied to it (a child's or
      // a left-over branch's `fetch`) stops instead of holding the group.
      // Not for a cancellation of this scope or an enclosing one, which
      // reached all that already; a CancelledError nothing enclosing sent
      // (a task the body awaited, cancelled by another party) did not.
      if (
        cancelled === null || !cancelled.every((e) => sentFromHere(e, scope))
      ) {
        scope.cancel(cancelledError(undefined, scope));
      }
    }
    if (fromDispose && !this.#aborting && scope.outer !== null) {
      // `await using` cannot see the body's error; an outside cancellation
      // of the enclosing scope means the body is most likely unwinding with
      // CancelledError, which JS rethrows after us: cancel the children,
      // and throw it ourselves only if it reaches us again while we wait.
      this.#abort();
    }
    while (this.#tasks.size > 0) {
      this.#onCompleted ??= new ChildrenDone(this.#loop, () => {
        if (!this.#aborting) this.#abort();
      });
      try {
        await this.#onCompleted;
      } catch (e) {
        if (!isCancelledError(e)) throw e;
        if (!cancelledBy(e, scope)) {
          // Cancelled from outside while we wait; of two such, the outer
          // one is the one to pass on.
          propagate = outerRequest(
            isCancelledError(propagate) ? propagate : null,
            e,
          );
          if (!this.#aborting) this.#abort();
        }
      }
      this.#onCompleted = null;
    }
    this.#finished = true;
    // An error made from here on (the AggregateError) keeps this group in
    // its stack frames: the group must not keep the task, whose failure
    // nobody may retrieve.
    this.#parent = null;
    scope.exit();
    if (this.#interrupted) this.#enclosing.withdraw(scope);
    const errors = this.#errors;
    // The body's failure counts with the children's: failures win over a
    // cancellation from outside, as in asyncio.
    if (failed && cancelled === null) errors.push(error);
    if (propagate !== null && errors.length === 0) throw propagate;
    if (errors.length > 0) {
      if (isCancelledError(propagate)) {
        // The failures win; keep the outside cancellation pending for the
        // code's next wait.
        rearm(propagate);
      }
      throw new AggregateError(errors, "Unhandled errors in a TaskGroup");
    }
  }

  #abort(): void {
    this.#aborting = true;
    for (const t of this.#tasks) {
      if (!t.done()) t.cancel();
    }
  }

  #taskDone(task: Task<unknown>): void {
    this.#tasks.delete(task);
    const onCompleted = this.#onCompleted;
    if (onCompleted !== null && this.#tasks.size === 0 && !onCompleted.done()) {
      onCompleted.setResult(true);
    }
    if (task.cancelled()) return;
    const error = task.exception();
    if (!failed(task)) return;
    this.#errors.push(error);
    const parent = this.#parent;
    if (parent === null || parent.done()) {
      this.#loop.callExceptionHandler({
        message: `Task ${describeValue(task)} failed but the parent task ${
          describeValue(parent)
        } of its TaskGroup is already done`,
        exception: error,
        task,
      });
      return;
    }
    if (!this.#aborting) {
      this.#abort();
      // Interrupt the body: in its own scope, or the caller's.
      const request = cancelledError(undefined, this.#scope);
      this.#scope.cancel(request);
      if (!this.#entered && !this.#exiting) {
        this.#interrupted = true;
        this.#enclosing.deliver(request);
      }
    }
  }
}

/**
 * The cancellations `error` is made of: itself, if it is a
 * `CancelledError`; the errors of an `AggregateError` of nothing else (a
 * `Promise.any` whose branches all met one); else `null`.
 */
function cancellationsOf(error: unknown): CancelledError[] | null {
  if (isCancelledError(error)) return [error];
  try {
    if (!(error instanceof AggregateError)) return null;
    const errors: unknown[] = [...error.errors];
    return errors.length > 0 && errors.every(isCancelledError)
      ? errors as CancelledError[]
      : null;
  } catch {
    // A revoked proxy, a hostile `errors` getter: not a cancellation.
    return null;
  }
}

/**
 * Whether `error` is a cancellation that `scope` or a scope enclosing it
 * asked for.
 */
function sentFromHere(error: CancelledError, scope: CancelScope): boolean {
  for (let s: CancelScope | null = scope; s !== null; s = s.parent) {
    if (cancelledBy(error, s)) return true;
  }
  return false;
}

async function runBody<T>(
  group: TaskGroup,
  body: (tg: TaskGroup) => Promise<T> | T,
): Promise<T> {
  let result: T;
  try {
    result = await body(group);
  } catch (error) {
    await exitGroup(group, true, error, false);
    throw error;
  }
  await exitGroup(group, false, undefined, false);
  return result;
}

/**
 * Runs `body` with a new {@linkcode TaskGroup} and waits for every task it
 * created. The first child that fails cancels the others and the body; the
 * group then throws an `AggregateError` of the failures (cancellations left
 * out, the body's own error included). Returns what `body` returns.
 *
 * **Cancellation**: if the calling task is cancelled from outside, the body
 * and the children are cancelled, awaited, and the `CancelledError`
 * propagates (unless a child failed: then the `AggregateError` wins and the
 * cancellation stays pending for the task's next wait).
 *
 * @typeParam T The body's result type.
 * @param body The code that creates the children.
 * @returns What `body` returns, once every child is done.
 * @throws {AggregateError} Of the failures of the children and the body.
 * @throws {CancelledError} If the calling task was cancelled from outside.
 * @throws {Error} If not called inside a task.
 *
 * @example The first failure cancels the others
 * ```ts
 * import { CancelledError, run, sleep, taskGroup } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const events: string[] = [];
 * await assert.rejects(
 *   run(() =>
 *     taskGroup(async (tg) => {
 *       tg.createTask(async () => {
 *         try {
 *           await sleep(1000);
 *         } catch (e) {
 *           if (e instanceof CancelledError) events.push("sibling cancelled");
 *           throw e;
 *         }
 *       });
 *       tg.createTask(async () => {
 *         await sleep(10);
 *         throw new Error("boom");
 *       });
 *     }), { clock: new VirtualClock() }),
 *   (e) => e instanceof AggregateError && e.errors.length === 1,
 * );
 * assert.deepEqual(events, ["sibling cancelled"]);
 * ```
 */
export function taskGroup<T>(
  body: (tg: TaskGroup) => Promise<T> | T,
): Promise<T> {
  let group: TaskGroup;
  try {
    group = new TaskGroup();
  } catch (error) {
    return Promise.reject(error);
  }
  return runGroup(group, body);
}
