/**
 * `Task`: an async function run by the event loop, with asyncio's real
 * cancellation.
 *
 * ## Cancellation
 *
 * `task.cancel()` cancels the task's root scope: it aborts `task.signal` at
 * once (so `fetch` and `Deno.Command` stop) and cancels every wait on
 * anything of this library (a future, `sleep`, a lock, a queue, a stream
 * read) that the task's code has pending, in whatever nested scope and
 * `Promise.all` branch, each with a `CancelledError` at its `await`. If
 * nothing is pending (the code runs, or awaits a host promise), the next
 * wait it starts is cancelled instead. As in asyncio, cancelling a task
 * that awaits another task or a gather cancels that one too. `finally`
 * blocks run. A task that catches the error and returns ends normally; one
 * that lets it escape ends cancelled. A task that returns before its
 * pending cancellation reached a wait ends with its value (the request
 * still shows in `cancelling()` and the signal): asyncio would drop the
 * value, which loses a resource when the value is one, such as the item of
 * a `Queue.get()` that was woken and then cancelled before it resumed.
 *
 * ## The signal argument
 *
 * The task's function receives `task.signal` when it declares a parameter
 * (`fn.length > 0`). The `AbortController` behind it is created lazily, so a
 * task that never asks for its signal does not pay for one.
 *
 * @module
 */

import { describeValue } from "../loop/describe_value.ts";
import {
  callSoonJob,
  type EventLoop,
  stepBegin,
  stepEnd,
  stepLive,
} from "../loop/event_loop.ts";
import type { CancelledError } from "../loop/errors.ts";
import { complete, Future, stateOf } from "../loop/future.ts";
import { getEventLoop, getRunningLoop } from "../loop/running_loop.ts";
import {
  cancelledError,
  CancelScope,
  currentRequest,
  handBack,
  inlineWait,
  isCancelledError,
  outerRequest,
  scopeContext,
  sourceOf,
  waitEnded,
  waitStarted,
} from "../loop/cancel_scope.ts";
import {
  listedTasks,
  listTask,
  nextTask,
  prevTask,
  unlistTask,
} from "./_tasks.ts";
import { adopted, isThenable } from "../loop/thenable.ts";

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
   * The task's name, for reports and introspection. Another value is
   * turned into a string (`42` is named `"42"`), as asyncio's `str(name)`.
   *
   * @default {"Task-N"}
   */
  name?: string;
}

/** A task's cancellation requests: how many, the last message, by whom. */
interface CancelRequests {
  count: number;
  msg: string | undefined;
  /**
   * The request of a scope that asked, if one did (not a direct call); of
   * several, the outer one.
   */
  via: CancelledError | null;
  /**
   * The sources of the other scopes' requests: a task that two deadlines
   * asked to cancel (it is awaited under both) ends with a `CancelledError`
   * each of them knows as its own.
   */
  others: CancelScope[] | null;
  /** A `cancel()` reached waits in the job running now. */
  justDelivered: boolean;
}

/** A wait of a task's code; see {@linkcode Task.pendingWaits}. */
export interface PendingWait {
  /** The library future awaited. */
  readonly future: Future<unknown>;
  /** The labels of the scopes it is awaited in, outermost first. */
  readonly scopes: readonly string[];
}

/** Options for the {@linkcode Task} constructor. */
export interface TaskOptions extends CreateTaskOptions {
  /**
   * The loop that runs the task.
   *
   * @default {getEventLoop()}
   */
  loop?: EventLoop;
}

const STATE_NAMES = ["pending", "done", "failed", "cancelled"];
const FULFILLED = 1;
const REJECTED = 2;
const CANCELLED = 3;

// deno-lint-ignore no-explicit-any
type AnyTask = Task<any>;

let taskCounter = 0;
let startTask: (task: AnyTask) => void;
let abandonTask: (task: AnyTask) => void;
let succeedTask: (task: AnyTask, value: unknown) => void;
let failTask: (task: AnyTask, error: unknown) => void;

/** How deep `cancel()` calls nest; see `Task.cancel`. */
const MAX_CANCEL_NESTING = 100;
/** `cancel()` calls running, one inside another. */
let cancelNesting = 0;
/** What `cancel()` calls nested too deep left to do, in order. */
const deferredCancels: (() => void)[] = [];

/**
 * Runs the deferred parts of nested `cancel()` calls, each from the top of
 * the stack again (it may defer more, run here too). One that throws does
 * not stop the others; the first error is thrown once they all ran.
 */
function runDeferred(): void {
  let failed = false;
  let first: unknown;
  for (let i = 0; i < deferredCancels.length; i++) {
    cancelNesting = 1;
    try {
      deferredCancels[i]!();
    } catch (error) {
      if (!failed) {
        failed = true;
        first = error;
      }
    } finally {
      cancelNesting = 0;
    }
  }
  deferredCancels.length = 0;
  if (failed) throw first;
}

/**
 * A unit of concurrent work: runs an async function on the event loop and is
 * a `Future` of its result. Its first step is scheduled, not run eagerly.
 * The loop holds it until it finishes, so dropping the reference never loses
 * a task.
 *
 * @typeParam T The result type.
 *
 * @example Cancel a sleeping task; its finally runs
 * ```ts
 * import { EventLoop, VirtualClock } from "@aio/asyncio/loop";
 * import { CancelledError, sleep, Task } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * using loop = new EventLoop({ clock: new VirtualClock() });
 * const events: string[] = [];
 * const t = new Task(async () => {
 *   try {
 *     await sleep(1000);
 *   } finally {
 *     events.push("finally");
 *   }
 * }, { loop, name: "sleeper" });
 * loop.callLater(10, () => t.cancel("enough"));
 * await assert.rejects(loop.runUntilComplete(t), CancelledError);
 * assert.ok(t.cancelled());
 * assert.deepEqual(events, ["finally"]);
 * ```
 */
export class Task<T> extends Future<T> {
  /** The name given, or the `N` of `Task-N`: the string is made if read. */
  readonly #name: string | number;
  /** What the task runs; `null` once a function has been called. */
  #target: TaskTarget<T> | null;
  /** The scope of the task's own code; `cancel()` cancels it. */
  readonly #root: CancelScope;
  /** Made on the first `cancel()`: most tasks are never cancelled. */
  #cancel: CancelRequests | null = null;
  /** Whether a promise target is being listened to. */
  #listening = false;
  /** The loop's step token while stepping (odd when soft), else -1. */
  #step = -1;
  /** Leaf waits pending in the task's scopes. */
  #waits = 0;
  /**
   * Waits that ended in the current step whose code has not parked again:
   * each may have resumed a branch of the task's code (two branches of a
   * `Promise.all` woken in one tick), so the step lasts until as many
   * waits started.
   */
  #open = 0;
  /** The task that created this one, if any. */
  #parent: Task<unknown> | undefined;
  /** The loop's time at creation. */
  readonly #createdTime: number;
  /** @ignore The task before this one in its loop's list of unfinished tasks. */
  [prevTask]: AnyTask | null = null;
  /** @ignore The task after this one in that list. */
  [nextTask]: AnyTask | null = null;

  /**
   * Creates a task and schedules its first step on the loop.
   *
   * @param target An async function (receiving the task's signal), or a
   * promise-like value to wait for.
   * @param options The name and the loop.
   * @throws {TypeError} If `target` is neither a function nor promise-like.
   * @throws {Error} If the loop is closed.
   *
   * @example Name a task
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Task } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const t = new Task(async () => 1, { loop, name: "one" });
   * assert.equal(t.name, "one");
   * assert.equal(await loop.runUntilComplete(t), 1);
   * ```
   */
  constructor(target: TaskTarget<T>, options?: TaskOptions) {
    const loop = options?.loop ?? getEventLoop();
    super(loop);
    if (typeof target !== "function" && !isThenable(target)) {
      throw new TypeError(
        `Cannot create task: expected an async function or a promise, got ${typeof target}`,
      );
    }
    const name: unknown = options?.name;
    // A string always, as asyncio's str(name): a number given is its digits,
    // never read back as the counter's "Task-N" of another task.
    this.#name = name === undefined
      ? ++taskCounter
      : typeof name === "string"
      ? name
      : describeValue(name);
    this.#target = target;
    // The task owns a native promise's outcome from now on: Deno must not
    // report its rejection unhandled before the first step listens to it.
    if (target instanceof Promise) target.catch(ignore);
    if (loop.getDebug()) creationSites.set(this, creationSite());
    this.#parent = currentTask();
    this.#createdTime = loop.time();
    this.#root = new CancelScope(this, null, "");
    callSoonJob(loop, startTask, this);
    listTask(loop, this);
  }
  /**
   * The task's name: the one given, else `Task-N`.
   *
   * @example Default names
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Task } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const t = new Task(async () => {}, { loop });
   * assert.match(t.name, /^Task-\d+$/);
   * await loop.runUntilComplete(t);
   * ```
   */
  get name(): string {
    const name = this.#name;
    return typeof name === "number" ? `Task-${name}` : name;
  }

  /** `"Task"`, as `Object.prototype.toString` shows it. */
  override get [Symbol.toStringTag](): string {
    return "Task";
  }

  /**
   * An `AbortSignal` aborted, with a `CancelledError` as its reason, as soon
   * as the task is cancelled. Pass it to `fetch`, `Deno.Command` and other
   * native APIs so they stop too.
   *
   * @example The signal aborts on cancel
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { CancelledError, Task } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const t = new Task(async (signal) => {
   *   await new Promise((_, reject) =>
   *     signal.addEventListener("abort", () => reject(signal.reason))
   *   );
   * }, { loop });
   * loop.callSoon(() => t.cancel());
   * await assert.rejects(loop.runUntilComplete(t), CancelledError);
   * assert.ok(t.signal.aborted);
   * ```
   */
  get signal(): AbortSignal {
    return this.#root.signal;
  }

  /**
   * Requests cancellation: the task's signal aborts now and a
   * `CancelledError` is thrown at its next wait (or now, into the wait it is
   * in). Calling it again before delivery adds to {@linkcode Task.cancelling}.
   *
   * @param msg The message of the `CancelledError`.
   * @returns `false` if the task is already done, else `true`.
   *
   * @example Cancel before the first step
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { CancelledError, Task } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * let ran = false;
   * const t = new Task(async () => {
   *   ran = true;
   * }, { loop });
   * assert.equal(t.cancel(), true);
   * await assert.rejects(loop.runUntilComplete(t), CancelledError);
   * assert.equal(ran, false);
   * assert.equal(t.cancel(), false);
   * ```
   */
  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    const requests = this.#cancel ??= {
      count: 0,
      msg: undefined,
      via: null,
      others: null,
      justDelivered: false,
    };
    requests.count++;
    // Requests of several scopes (the task's awaiter's, then a deadline
    // around it) merge: the outer one is kept, to be given back if the task
    // returns before any reaches a wait, and the task's CancelledError
    // carries its message and its source.
    const request = currentRequest();
    const via = outerRequest(requests.via, request);
    if (request === null || via === request) requests.msg = msg;
    const dropped = sourceOf(via === request ? requests.via : request);
    if (dropped !== undefined) (requests.others ??= []).push(dropped);
    requests.via = via;
    if (requests.justDelivered) {
      // A second cancel() in the same job as one that reached the task's
      // waits: the task has not run since, so it is the same cancellation,
      // as in asyncio (one CancelledError; cancelling() counts both). Either
      // may come through a wait that awaits the task (a gather whose task
      // was cancelled): asyncio merges those too.
      return true;
    }
    // Cancelling the task's waits cancels a task it awaits, and so on down
    // a chain of tasks awaiting tasks (a recursive algorithm), on the stack:
    // past MAX_CANCEL_NESTING levels the rest is done once the outermost
    // cancel() has fanned out, before it returns.
    if (cancelNesting >= MAX_CANCEL_NESTING) {
      // Counted as delivered already: another cancel() of this task before
      // the deferred part runs merges with it, as with one that reached
      // the waits, rather than delivering a second CancelledError.
      requests.justDelivered = true;
      queueMicrotask(() => requests.justDelivered = false);
      deferredCancels.push(() => {
        if (!this.done()) this.#cancelWaits(requests, msg);
      });
      return true;
    }
    cancelNesting++;
    try {
      this.#cancelWaits(requests, msg);
    } finally {
      cancelNesting--;
      if (cancelNesting === 0 && deferredCancels.length > 0) runDeferred();
    }
    return true;
  }

  /** The part of `cancel()` that reaches the task's waits. */
  #cancelWaits(requests: CancelRequests, msg: string | undefined): void {
    const root = this.#root;
    // Set before the fan-out: it aborts the task's signal, and a listener
    // that cancels the task again (two tasks that cancel each other) must
    // merge with this cancellation, not deliver a second one.
    const was = requests.justDelivered;
    requests.justDelivered = true;
    let delivered = false;
    try {
      delivered = root.cancel(cancelledError(msg, root));
    } finally {
      if (!delivered) requests.justDelivered = was;
    }
    if (delivered) queueMicrotask(() => requests.justDelivered = false);
    if (this.#listening) {
      // A bare promise cannot be stopped: stop waiting for it, a tick from
      // now, so a promise that has already settled (a fast path that took
      // an item) still delivers its value.
      callSoonJob(this.getLoop(), abandonTask, this);
    }
  }

  /**
   * How many cancellation requests are pending (`cancel()` calls not taken
   * back by {@linkcode Task.uncancel}).
   *
   * @returns The count.
   *
   * @example Count requests
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Task } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const t = new Task(async () => {}, { loop });
   * t.cancel();
   * t.cancel();
   * assert.equal(t.cancelling(), 2);
   * assert.equal(t.uncancel(), 1);
   * t.uncancel();
   * await loop.runUntilComplete(t);
   * ```
   */
  cancelling(): number {
    return this.#cancel?.count ?? 0;
  }

  /**
   * Takes back one cancellation request, for code (like `timeout`) that
   * cancelled the task itself and handled it. At zero, a cancellation not
   * yet delivered is dropped, and `task.signal` is replaced by a fresh,
   * unaborted signal (an `AbortSignal` cannot be reset; a signal read
   * before, such as the task function's argument, stays aborted, so read
   * `currentTask().signal` again after handling a timeout).
   *
   * @returns The requests left.
   *
   * @example Take back a request
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Task } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const t = new Task(async () => "ran", { loop });
   * t.cancel();
   * assert.equal(t.uncancel(), 0);
   * assert.equal(await loop.runUntilComplete(t), "ran");
   * ```
   */
  uncancel(): number {
    const requests = this.#cancel;
    if (requests !== null && requests.count > 0) {
      requests.count--;
      // A cancel() after this one is a new cancellation, even in this job.
      requests.justDelivered = false;
      // An AbortSignal cannot be reset: the next read of `signal` gets a
      // fresh one. Signals handed out before stay aborted.
      if (requests.count === 0) {
        requests.via = requests.others = null;
        this.#root.reset();
      }
    }
    return requests?.count ?? 0;
  }

  /**
   * Tasks cannot be completed from outside: their result is what their
   * function returns.
   *
   * @param _value Ignored.
   * @throws {Error} Always.
   *
   * @example Not allowed
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Task } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const t = new Task(async () => 1, { loop });
   * assert.throws(() => t.setResult(2), /Task does not support setResult/);
   * await loop.runUntilComplete(t);
   * ```
   */
  override setResult(_value: T): never {
    throw new Error(
      "Task does not support setResult(): a task's result is what its function returns",
    );
  }

  /**
   * Tasks cannot be failed from outside: cancel them instead.
   *
   * @param _error Ignored.
   * @throws {Error} Always.
   *
   * @example Not allowed
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Task } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const t = new Task(async () => 1, { loop });
   * assert.throws(() => t.setException(new Error()), /setException/);
   * await loop.runUntilComplete(t);
   * ```
   */
  override setException(_error: unknown): never {
    throw new Error(
      "Task does not support setException(): a task fails by throwing; use cancel() to stop it",
    );
  }

  /**
   * Where the task was created (a stack trace), when the loop was in debug
   * mode at the time.
   *
   * @returns The stack, or `undefined`.
   *
   * @example In debug mode
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Task } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop({ debug: true });
   * const t = new Task(async () => {}, { loop });
   * assert.match(t.createdAt ?? "", /at /);
   * await loop.runUntilComplete(t);
   * ```
   */
  get createdAt(): string | undefined {
    return creationSites.get(this);
  }

  /**
   * The task that was running when this one was created (through
   * `createTask`, a `TaskGroup`, or a combinator), for task trees. A task
   * that is done lets go of it (`undefined`): errors keep the tasks in
   * their stack frames, and a finished child must not keep its creator.
   *
   * @returns The parent task, or `undefined` for a top-level or done task.
   *
   * @example Parent and child
   * ```ts
   * import { createTask, currentTask, run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const child = createTask(async () => {});
   *   assert.equal(child.parent, currentTask());
   *   await child;
   * });
   * ```
   */
  get parent(): Task<unknown> | undefined {
    return this.#parent;
  }

  /**
   * The loop's time when the task was created, in milliseconds.
   *
   * @returns The creation time.
   *
   * @example Age of a task
   * ```ts
   * import { EventLoop, VirtualClock } from "@aio/asyncio/loop";
   * import { Task } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop({ clock: new VirtualClock(5) });
   * const t = new Task(async () => {}, { loop });
   * assert.equal(t.createdTime, 5);
   * await loop.runUntilComplete(t);
   * ```
   */
  get createdTime(): number {
    return this.#createdTime;
  }

  /**
   * The library futures the task's code is waiting on right now, in every
   * scope and `Promise.all` branch, each with the labels of the scopes it
   * waits in (`["timeout(100)"]`), outermost first. Empty while the task
   * runs, waits only on host promises, or is done.
   *
   * @returns The pending waits.
   *
   * @example What a task waits on
   * ```ts
   * import { createTask, Future, run, sleep, timeout } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const f = new Future<void>();
   *   const g = new Future<void>();
   *   const t = createTask(() => Promise.all([f, timeout(100, () => g)]));
   *   await sleep(0);
   *   assert.deepEqual(t.pendingWaits().map((w) => [w.future, w.scopes]), [
   *     [f, []],
   *     [g, ["timeout(100)"]],
   *   ]);
   *   f.setResult();
   *   g.setResult();
   *   await t;
   *   assert.deepEqual(t.pendingWaits(), []);
   * });
   * ```
   */
  pendingWaits(): PendingWait[] {
    if (this.done()) return [];
    return this.#root.pendingWaits().flatMap(([wait, scopes]) =>
      wait[inlineWait] === undefined && wait instanceof Future
        ? [{ future: wait as Future<unknown>, scopes }]
        : []
    );
  }

  /**
   * A short description: `Task(name, pending)`.
   *
   * @returns The description.
   *
   * @example Describe
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Task } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const t = new Task(async () => {}, { loop, name: "w" });
   * assert.equal(String(t), "Task(w, pending)");
   * await loop.runUntilComplete(t);
   * ```
   */
  override toString(): string {
    const state = STATE_NAMES[this[stateOf]()];
    return `Task(${describeValue(this.name)}, ${state})`;
  }

  /**
   * @ignore The task's code started a wait on a library future. The step
   * ends once every wait that ended in it has been followed by a wait that
   * parks. Until then, or if the code may go on (`parks` false: a
   * `catch()`), the step is soft: the loop waits for it at most 64 hops,
   * as when the task may be parked.
   */
  [waitStarted](parks: boolean): void {
    this.#waits++;
    if (this.#step === -1) return;
    const loop = this.getLoop();
    if (!loop[stepLive](this.#step)) {
      // The loop gave up on this step (it took the task as parked on the
      // host): the code runs outside the loop's ticks.
      this.#step = -1;
      this.#open = 0;
      return;
    }
    if (parks && --this.#open <= 0) {
      this.#endStep();
    } else if ((this.#step & 1) === 0) {
      this.#restep(true);
    }
  }

  /**
   * @ignore A wait of the task's code ended: the code goes on, unless it
   * is parked on other waits still pending (in `Promise.all`, say); the
   * loop cannot tell, so it waits for such a step at most 64 hops, with no
   * macrotask fallback.
   */
  [waitEnded](): void {
    this.#waits--;
    if (this.done()) return;
    const soft = this.#waits > 0;
    const loop = this.getLoop();
    if (this.#step === -1 || !loop[stepLive](this.#step)) {
      this.#open = 1;
      this.#step = loop[stepBegin](this, soft);
    } else {
      this.#open++;
      if ((this.#step & 1) === 1 && !soft) this.#restep(false);
    }
  }

  /** The step goes on, turned soft or hard. */
  #restep(soft: boolean): void {
    const loop = this.getLoop();
    loop[stepEnd](this.#step);
    this.#step = loop[stepBegin](this, soft);
  }

  #endStep(): void {
    if (this.#step !== -1) {
      this.getLoop()[stepEnd](this.#step);
      this.#step = -1;
      this.#open = 0;
    }
  }

  static {
    startTask = (task) => Task.#start(task);
    abandonTask = (task) => {
      if (!task.done()) task.#finish(CANCELLED, undefined);
    };
  }

  /**
   * Static, and entering the context directly: when the first step throws
   * at once, the error's stack holds the frames' receivers, and none of
   * them may be the task (or hold it), or a failed task nobody awaits could
   * never be collected and reported.
   */
  static #start(task: AnyTask): void {
    if (task.done()) return;
    const target = task.#target!;
    if (typeof target !== "function") {
      // A bare promise may already hold a value taken from a queue, so even
      // a cancelled task listens to it for one tick before it gives up. It
      // counts as stepping: the loop lets a settled promise's reaction run
      // before the next tick (one pending on the host parks after 64 hops).
      task.#listening = true;
      task.#open = 1;
      task.#step = task.getLoop()[stepBegin](task);
      try {
        adopted(target).then((v) => task.#succeed(v), (e) => task.#fail(e));
      } catch (error) {
        // A native promise or a future whose own `then` was replaced.
        task.#fail(error);
        return;
      }
      if (task.#root.pending) callSoonJob(task.getLoop(), abandonTask, task);
      return;
    }
    if (task.#root.pending) {
      // Cancelled before it began: the function never runs, as in asyncio.
      task.#finish(CANCELLED, undefined);
      return;
    }
    task.#target = null;
    task.#open = 1;
    task.#step = task.getLoop()[stepBegin](task);
    scopeContext.run(task.#root, runFirstStep, task, target);
  }

  #succeed(value: T): void {
    if (this.done()) return;
    // A cancellation requested after the task's last wait did not reach it:
    // the task ends with its value (asyncio would end it cancelled and drop
    // the value, but here the value may be a resource already handed over,
    // such as the item of a Queue.get() that was woken, then cancelled).
    this.#finish(FULFILLED, value);
  }

  #fail(error: unknown): void {
    if (this.done()) return;
    if (isCancelledError(error)) {
      this.#finish(CANCELLED, error.message || undefined);
    } else {
      this.#finish(REJECTED, error);
    }
  }

  /** For `CANCELLED`, `value` is the message, or the last `cancel()`'s. */
  #finish(state: 1 | 2 | 3, value: unknown): void {
    this.#endStep();
    const requests = this.#cancel;
    const unreached = this.#root.pending;
    this.#root.exit();
    this.#root.release();
    this.#parent = undefined;
    unlistTask(this.getLoop(), this);
    if (state === CANCELLED) {
      // Tagged with the scope that asked to cancel this task, if one did: a
      // timeout awaiting the task then knows the cancellation as its own.
      value = cancelledError(
        (value as string | undefined) ?? requests?.msg,
        sourceOf(requests?.via) ?? null,
        requests?.others ?? undefined,
      );
    }
    this[complete](state, value);
    if (state !== CANCELLED && unreached && requests?.via != null) {
      // A scope asked to cancel this task, which ended before the request
      // reached one of its waits: the task keeps its value, and the request
      // goes back to that scope, for its next wait.
      handBack(requests.via);
    }
  }

  static {
    succeedTask = (task, value) => task.#succeed(value);
    failTask = (task, error) => task.#fail(error);
  }
}

function runFirstStep<T>(
  task: Task<T>,
  fn: (signal: AbortSignal) => T | PromiseLike<T> | Promise<T>,
): void {
  let result;
  try {
    result = fn.length > 0 ? fn(task.signal) : (fn as () => T)();
    if (isThenable(result)) {
      // Registered inside the task's context, so the shared handlers find
      // the task there: no closure per task. (The `then` getter may throw,
      // as may a promise's own `then`.)
      adopted(result).then(succeedCurrent, failCurrent);
      return;
    }
  } catch (error) {
    failTask(task, error);
    return;
  }
  succeedTask(task, result);
}

function succeedCurrent(value: unknown): void {
  succeedTask(scopeContext.getStore()!.owner as AnyTask, value);
}

function failCurrent(error: unknown): void {
  failTask(scopeContext.getStore()!.owner as AnyTask, error);
}

function ignore(): void {}

/**
 * Where each task made in debug mode was created: a side table, so a task
 * made outside debug mode carries no field for it.
 */
const creationSites = new WeakMap<object, string>();

function creationSite(): string {
  const stack = new Error().stack ?? "";
  // Drop the message line and the frames inside this module.
  return stack.split("\n").slice(3).join("\n");
}

/**
 * The task whose code is running, followed across `await` of native promises
 * too; `undefined` outside any task (in a plain callback, or at top level).
 *
 * @returns The current task.
 *
 * @example Inside and outside a task
 * ```ts
 * import { EventLoop } from "@aio/asyncio/loop";
 * import { currentTask, Task } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * using loop = new EventLoop();
 * const t: Task<boolean> = new Task(async () => {
 *   await Promise.resolve();
 *   return currentTask() === t;
 * }, { loop });
 * assert.equal(await loop.runUntilComplete(t), true);
 * assert.equal(currentTask(), undefined);
 * ```
 */
export function currentTask(): Task<unknown> | undefined {
  const task = scopeContext.getStore()?.owner;
  return task instanceof Task && !task.done() ? task : undefined;
}

/**
 * The signal of the innermost cancel scope of the running code: the signal
 * of the enclosing `timeout()`, `waitFor()` or `taskGroup()` block, else the
 * current task's signal; `undefined` outside any task. Pass it to `fetch`
 * and other native APIs so they stop when that scope is cancelled (a
 * deadline, a failing sibling, `task.cancel()`), not only at the next
 * library wait.
 *
 * @returns The signal, or `undefined`.
 *
 * @example A fetch-like call that stops at the deadline
 * ```ts
 * import { currentSignal, run, timeout, TimeoutError } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * // Stands for fetch(url, { signal }): settles only when aborted.
 * const slowCall = (signal: AbortSignal) =>
 *   new Promise((_, reject) =>
 *     signal.addEventListener("abort", () => reject(signal.reason))
 *   );
 *
 * await run(async (taskSignal) => {
 *   await assert.rejects(
 *     timeout(10, () => slowCall(currentSignal()!)),
 *     TimeoutError,
 *   );
 *   assert.equal(taskSignal.aborted, false);
 * }, { clock: new VirtualClock() });
 * ```
 */
export function currentSignal(): AbortSignal | undefined {
  return scopeContext.getStore()?.live()?.signal;
}

/**
 * The unfinished tasks of `loop`.
 *
 * @param loop The loop; the running loop by default.
 * @returns A new set of tasks.
 * @throws {Error} If no loop is given and none is running.
 *
 * @example List tasks
 * ```ts
 * import { EventLoop } from "@aio/asyncio/loop";
 * import { allTasks, Task } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * using loop = new EventLoop();
 * const t = new Task(async () => {}, { loop });
 * assert.ok(allTasks(loop).has(t));
 * await loop.runUntilComplete(t);
 * assert.equal(allTasks(loop).size, 0);
 * ```
 */
export function allTasks(loop?: EventLoop): Set<Task<unknown>> {
  return new Set(
    listedTasks(loop ?? getRunningLoop()) as Iterable<Task<unknown>>,
  );
}

/**
 * Creates a task on the running loop.
 *
 * @typeParam T The result type.
 * @param target An async function (receiving the task's signal), or a
 * promise-like value.
 * @param options The task's name.
 * @returns The task.
 * @throws {Error} If no loop is running.
 *
 * @example Spawn and await
 * ```ts
 * import { createTask, run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const n = await run(async () => {
 *   const t = createTask(async () => 21);
 *   return 2 * await t;
 * });
 * assert.equal(n, 42);
 * ```
 */
export function createTask<T>(
  target: TaskTarget<T>,
  options?: CreateTaskOptions,
): Task<T> {
  return new Task(target, { ...options, loop: getRunningLoop() });
}
