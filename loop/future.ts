/**
 * `Future`: a result that arrives later, with asyncio's rules: done callbacks
 * run through the loop, cancellation is a state, and awaiting a done future
 * does not wait for a tick.
 *
 * @module
 */

import { notASignal } from "./signal_options.ts";
import { describeValue } from "./describe_value.ts";
import { callSoonJob, type EventLoop } from "./event_loop.ts";
import { getEventLoop } from "./running_loop.ts";
import {
  cancelledError,
  type CancelScope,
  currentSource,
  isCancelledError,
  noteConsumed,
  scopeContext,
} from "./cancel_scope.ts";
import { type CancelledError, InvalidStateError } from "./errors.ts";
import { trackUnretrieved, untrackUnretrieved } from "./_unretrieved.ts";
import { listen, unlisten } from "./_abort_listeners.ts";

// The protocol between `Future` and the futures built on it (`Task`, scope
// futures, `sleep`): symbol-keyed methods, exported from this file but from
// no `mod.ts`, so they are not public API.

/** Future's internal completion, for Task (whose public setters throw). */
export const complete: unique symbol = Symbol("aio.complete");
/** Completes a future and wakes its callbacks in the same tick. */
export const resolveNow: unique symbol = Symbol("aio.resolveNow");
/** A future's state: 0 pending, 1 fulfilled, 2 failed, 3 cancelled. */
export const stateOf: unique symbol = Symbol("aio.stateOf");
/** Completes a future and wakes its awaiters in the same microtask. */
export const settleNow: unique symbol = Symbol("aio.settleNow");
/**
 * `future[parkOn]()`: what `future.then()` returns, without the promise
 * `then()` derives: the future's own promise, once the wait registered
 * with the caller's scope as an `await` registers it. The library's waits
 * await it (a native promise: one promise and one microtask less per wait
 * than `then()`).
 */
export const parkOn: unique symbol = Symbol("aio.parkOn");

const PENDING = 0;
const FULFILLED = 1;
const REJECTED = 2;
const CANCELLED = 3;

/**
 * How a future shows its value: an error without its stack. A future that
 * fails describes itself then (for the report if its error is never
 * retrieved), and formatting a stack is not free: Deno 2.9 can panic (the
 * whole process dies) formatting one when no file descriptor is free, which
 * is how an `openFile()` failing with EMFILE killed the process.
 */
const BRIEF = { stack: false } as const;

type State = 0 | 1 | 2 | 3;

// deno-lint-ignore no-explicit-any
type AnyFuture = Future<any>;
/**
 * A function called with a future once it is done.
 *
 * @typeParam T The future's result type.
 */
export type DoneCallback<T> = (future: Future<T>) => void;
// deno-lint-ignore no-explicit-any
type AnyCallback = DoneCallback<any>;

/**
 * The future whose promise `new Promise(captureResolvers)` is making: the
 * executor is made once, not a closure over the future per promise. Set
 * around each construction and restored after, so a nested one (a global
 * `Promise` replaced by a subclass whose constructor awaits another
 * future) writes into its own future.
 */
let capturing: AnyFuture | null = null;
let captureResolvers: (
  resolve: (value: unknown) => void,
  reject: (error: unknown) => void,
) => void;

let runCallbacks: (future: AnyFuture) => void;
/** Stored in a pending future's callback list by the first `then()`. */
let wakeWaiters: (future: AnyFuture) => void;

/**
 * A placeholder for a result: pending, then done with a value, an error, or
 * cancelled. `await future` gives the value or throws; done callbacks run
 * through the event loop, in the order they were added, never synchronously.
 *
 * A `Future` is a `Promise` too (`then`, `catch`, `finally`), so it mixes
 * with native code. Awaiting a pending future from a task is a *wait*: the
 * place where the task's cancellation is delivered.
 *
 * @typeParam T The result type.
 *
 * @example Complete a future from a callback
 * ```ts
 * import { EventLoop } from "@aio/asyncio/loop";
 * import { Future } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * using loop = new EventLoop();
 * const f = new Future<number>(loop);
 * loop.callLater(1, () => f.setResult(7));
 * assert.equal(await loop.runUntilComplete(f), 7);
 * assert.equal(f.result(), 7);
 * ```
 */
export class Future<T> implements Promise<T> {
  readonly #loop: EventLoop;
  #state: State = PENDING;
  #value: unknown = undefined;
  // Private fields are typed without T so Future<T> stays covariant in T
  // (a Future<void> is a Future<unknown>).
  /** One callback, or several in order; `null` when none. */
  #callbacks: AnyCallback | AnyCallback[] | null = null;
  #promise: Promise<T> | null = null;
  #resolve: ((value: unknown) => void) | null = null;
  #reject: ((error: unknown) => void) | null = null;
  /** The scopes whose code awaits this future (it is one of their waits). */
  #scopes: CancelScope | CancelScope[] | null = null;
  #label: string | undefined = undefined;
  /** The signal this future listens to; see abortOn(). */
  #abort: AbortSignal | null = null;

  /**
   * Creates a pending future bound to `loop`.
   *
   * @param loop The loop that runs its callbacks; the running (or current)
   * loop by default.
   *
   * @example A pending future
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * assert.equal(new Future(loop).done(), false);
   * ```
   */
  constructor(loop: EventLoop = getEventLoop()) {
    this.#loop = loop;
  }

  /** `"Future"`, as `Object.prototype.toString` shows it. */
  get [Symbol.toStringTag](): string {
    return "Future";
  }

  /**
   * The loop this future belongs to.
   *
   * @returns The loop.
   *
   * @example Loop
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * assert.equal(new Future(loop).getLoop(), loop);
   * ```
   */
  getLoop(): EventLoop {
    return this.#loop;
  }

  /**
   * What this future stands for, for task trees and reports: a sync
   * primitive names its waiters (`"Lock.acquire"`), `sleep` names its
   * future (`"sleep(100)"`).
   *
   * @returns The label, or `undefined`.
   *
   * @example Label a future
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = new Future(loop);
   * f.label = "config loaded";
   * assert.equal(f.label, "config loaded");
   * ```
   */
  get label(): string | undefined {
    return this.#label;
  }

  /**
   * Sets the label.
   *
   * @param value The label.
   */
  set label(value: string | undefined) {
    this.#label = value;
  }

  /**
   * Whether the future has a result, an error, or was cancelled.
   *
   * @returns `true` once done.
   *
   * @example Done after a result
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = new Future<number>(loop);
   * f.setResult(1);
   * assert.ok(f.done());
   * ```
   */
  done(): boolean {
    return this.#state !== PENDING;
  }

  /**
   * Whether the future was cancelled.
   *
   * @returns `true` once cancelled.
   *
   * @example Cancelled
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = new Future(loop);
   * f.cancel();
   * assert.ok(f.cancelled());
   * ```
   */
  cancelled(): boolean {
    return this.#state === CANCELLED;
  }

  /**
   * The result.
   *
   * @returns The value the future completed with.
   * @throws {InvalidStateError} If the future is pending.
   * @throws {CancelledError} If it was cancelled.
   * @throws {unknown} The future's error, if it failed.
   *
   * @example Read a result
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future, InvalidStateError } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = new Future<string>(loop);
   * assert.throws(() => f.result(), InvalidStateError);
   * f.setResult("x");
   * assert.equal(f.result(), "x");
   * ```
   */
  result(): T {
    switch (this.#state) {
      case FULFILLED:
        return this.#value as T;
      case REJECTED:
        this.#retrieve();
        throw this.#value;
      case CANCELLED:
        throw this.#cancelledError();
      default:
        throw new InvalidStateError("Cannot get result: future is pending");
    }
  }

  /**
   * The error the future failed with, or `undefined` if it succeeded.
   *
   * @returns The error.
   * @throws {InvalidStateError} If the future is pending.
   * @throws {CancelledError} If it was cancelled.
   *
   * @example Read an error
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = new Future(loop);
   * f.setException(new Error("bad"));
   * assert.equal((f.exception() as Error).message, "bad");
   * ```
   */
  exception(): unknown {
    switch (this.#state) {
      case FULFILLED:
        return undefined;
      case REJECTED:
        this.#retrieve();
        return this.#value;
      case CANCELLED:
        throw this.#cancelledError();
      default:
        throw new InvalidStateError("Cannot get exception: future is pending");
    }
  }

  /**
   * Completes the future with `value` and schedules its callbacks.
   *
   * @param value The result.
   * @throws {InvalidStateError} If the future is already done.
   *
   * @example Set a result
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future, InvalidStateError } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = new Future<number>(loop);
   * f.setResult(1);
   * assert.throws(() => f.setResult(2), InvalidStateError);
   * ```
   */
  setResult(value: T): void {
    this.#checkPending("setResult");
    this[complete](FULFILLED, value);
  }

  /**
   * Completes the future with `error` and schedules its callbacks. An error
   * nobody retrieves (by `await`, `result()` or `exception()`) is reported
   * to the loop's exception handler when the loop closes.
   *
   * @param error The error.
   * @throws {InvalidStateError} If the future is already done.
   * A `CancelledError` is allowed (an aborted signal's reason may be one):
   * awaiting then throws it, but `cancelled()` stays `false`; to cancel,
   * call `cancel()`.
   *
   * @example Set an error
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = new Future(loop);
   * f.setException(new RangeError("r"));
   * assert.throws(() => f.result(), RangeError);
   * ```
   */
  setException(error: unknown): void {
    this.#checkPending("setException");
    this[complete](REJECTED, error);
  }

  /**
   * Cancels the future: it becomes done and cancelled, and its callbacks
   * are scheduled. Awaiting it throws `CancelledError` with `msg`.
   *
   * @param msg The cancel message.
   * @returns `false` if the future was already done, else `true`.
   *
   * @example Cancel twice
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = new Future(loop);
   * assert.equal(f.cancel("no longer needed"), true);
   * assert.equal(f.cancel(), false);
   * ```
   */
  cancel(msg?: string): boolean {
    if (this.#state !== PENDING) {
      // As in asyncio: cancelling a failed future says its error is not
      // wanted, so it is not reported as never retrieved.
      if (this.#state === REJECTED) this.#retrieve();
      return false;
    }
    noteConsumed();
    this[complete](CANCELLED, msg);
    return true;
  }

  /** The error to refuse a wait from `live`'s code with, if it is one. */
  #misuse(live: CancelScope): Error | null {
    const owner = live.owner;
    if (owner === null) return null;
    if (owner === (this as unknown)) {
      return new Error(
        `Cannot await ${
          describeValue(this)
        } inside itself: a task cannot await on itself`,
      );
    }
    if (owner.getLoop() !== this.#loop) {
      return new Error(
        `Cannot await ${describeValue(this)} from ${
          describeValue(owner)
        }: it is attached to a different event loop`,
      );
    }
    return null;
  }

  /**
   * The wait on this future starts in `live`'s code (a scope still
   * active): register with it, so that cancelling the scope cancels this
   * future.
   */
  #register(live: CancelScope, parks: boolean): void {
    const scopes = this.#scopes;
    if (scopes === null) this.#scopes = live;
    else if (scopes === live) return;
    else if (!Array.isArray(scopes)) this.#scopes = [scopes, live];
    else if (scopes.includes(live)) return;
    else scopes.push(live);
    live.addWait(this, parks);
  }

  /**
   * Calls `cb(future)` through the loop once the future is done; right away
   * (in the next tick) if it is done already. Callbacks run in the order
   * they were added.
   *
   * @param cb The callback.
   *
   * @example Callbacks run through the loop
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = new Future<number>(loop);
   * const seen: number[] = [];
   * f.addDoneCallback((d) => seen.push(d.result()));
   * f.setResult(3);
   * assert.deepEqual(seen, []); // not synchronously
   * await loop.runUntilComplete(f);
   * loop.stop();
   * await loop.runForever();
   * assert.deepEqual(seen, [3]);
   * ```
   */
  addDoneCallback(cb: DoneCallback<T>): void {
    if (typeof cb !== "function") {
      throw new TypeError(
        `Cannot add done callback: expected a function, got ${typeof cb}`,
      );
    }
    if (this.#state !== PENDING) {
      this.#loop.callSoon(cb, this);
      return;
    }
    this.#addCallback(cb);
  }

  #addCallback(cb: AnyCallback): void {
    const callbacks = this.#callbacks;
    if (callbacks === null) this.#callbacks = cb;
    else if (Array.isArray(callbacks)) callbacks.push(cb);
    else this.#callbacks = [callbacks, cb];
  }

  /**
   * Removes every registration of `cb`. The callbacks of a done future run
   * in the next tick: one removed before then does not run (asyncio hands
   * them to the loop as the future completes, and runs them anyway).
   *
   * @param cb The callback.
   * @returns How many registrations were removed.
   *
   * @example Remove
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = new Future(loop);
   * const cb = () => {};
   * f.addDoneCallback(cb);
   * f.addDoneCallback(cb);
   * assert.equal(f.removeDoneCallback(cb), 2);
   * ```
   */
  removeDoneCallback(cb: DoneCallback<T>): number {
    const callbacks = this.#callbacks;
    if (callbacks === null) return 0;
    if (!Array.isArray(callbacks)) {
      if (callbacks !== cb) return 0;
      this.#callbacks = null;
      return 1;
    }
    const kept = callbacks.filter((c) => c !== cb);
    this.#callbacks = kept.length === 0 ? null : kept;
    return callbacks.length - kept.length;
  }

  /**
   * Ties the future to `signal`: if the signal aborts while the future is
   * pending, the future fails with exactly `signal.reason` (an already
   * aborted signal fails it now). The listener is removed as soon as the
   * future is done, however that happens. This is how every wait of the
   * library honours `{ signal }`.
   *
   * @param signal The signal.
   * @returns This future.
   * @throws {TypeError} If `signal` is not an `AbortSignal`.
   *
   * @example A wait that a signal ends
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const controller = new AbortController();
   * const f = new Future<number>(loop).abortOn(controller.signal);
   * controller.abort(new RangeError("stop"));
   * assert.ok(f.exception() instanceof RangeError);
   * ```
   */
  abortOn(signal: AbortSignal): this {
    const bad = notASignal(signal);
    if (bad !== null) throw bad;
    if (this.#state !== PENDING) return this;
    if (signal.aborted) {
      this.setException(signal.reason);
      return this;
    }
    this.#abort = signal;
    listen(signal, this);
    return this;
  }

  /**
   * Registers what to do with the outcome, like `Promise.prototype.then`.
   * `await future` calls it. Awaiting a pending future from a task is a wait:
   * a cancellation of the task pending at that moment is delivered here, and
   * cancelling the task while it waits cancels this future (as in asyncio).
   *
   * **Cancellation**: if the awaiting task is cancelled while it waits, the
   * future is cancelled and the `await` throws `CancelledError`.
   *
   * @typeParam R1 The fulfilled branch's result.
   * @typeParam R2 The rejected branch's result.
   * @param onFulfilled Called with the result.
   * @param onRejected Called with the error.
   * @returns A promise of the branch's result.
   *
   * @example Chain
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = new Future<number>(loop);
   * f.setResult(20);
   * assert.equal(await f.then((n) => n + 1), 21);
   * ```
   */
  then<R1 = T, R2 = never>(
    onFulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onRejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return this.#then(onFulfilled, onRejected, true);
  }

  /**
   * `then()`, and whether the caller parks on it: `await` and the promise
   * combinators call `then()` as the task's code parks; `catch()` and
   * `finally()` are called by code that often goes on (`child.catch(() =>
   * {})` marks a child handled), so they only make the task's step soft.
   */
  #then<R1, R2>(
    onFulfilled: ((value: T) => R1 | PromiseLike<R1>) | null | undefined,
    onRejected: ((reason: unknown) => R2 | PromiseLike<R2>) | null | undefined,
    parks: boolean,
    bare = false,
  ): Promise<R1 | R2> {
    switch (this.#state) {
      case FULFILLED:
        return Promise.resolve(this.#value as T).then(onFulfilled, onRejected);
      case REJECTED:
        this.#retrieve();
        return Promise.reject(this.#value).then(onFulfilled, onRejected);
      case CANCELLED:
        return Promise.reject(this.#cancelledError()).then(
          onFulfilled,
          onRejected,
        );
    }
    if (this.#loop.isClosed()) {
      return Promise.reject(
        new Error(
          `Cannot await ${describeValue(this)}: its event loop is closed`,
        ),
      ).then(onFulfilled, onRejected);
    }
    const scope = scopeContext.getStore()?.live() ?? null;
    if (scope !== null) {
      // Refused before anything is made: a refused wait leaves no promise
      // of ours behind to reject unheard when this future fails.
      const misuse = this.#misuse(scope);
      if (misuse !== null) {
        return Promise.reject(misuse).then(onFulfilled, onRejected);
      }
    }
    let promise = this.#promise;
    if (promise === null) {
      const outer = capturing;
      capturing = this;
      try {
        promise = new Promise<unknown>(captureResolvers) as Promise<T>;
      } finally {
        capturing = outer;
      }
      this.#promise = promise;
      this.#addCallback(wakeWaiters);
    }
    if (scope !== null) this.#register(scope, parks);
    if (bare) return promise as Promise<R1 | R2>;
    return promise.then(onFulfilled, onRejected);
  }

  /**
   * @ignore The wait of an `await` on this future, started now: see
   * {@linkcode parkOn}.
   */
  [parkOn](): Promise<T> {
    return this.#then<T, never>(undefined, undefined, true, true);
  }

  /**
   * Like `Promise.prototype.catch`.
   *
   * @typeParam R The handler's result.
   * @param onRejected Called with the error.
   * @returns A promise.
   *
   * @example Catch
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = new Future<number>(loop);
   * f.setException(new Error("e"));
   * assert.equal(await f.catch(() => 0), 0);
   * ```
   */
  catch<R = never>(
    onRejected?: ((reason: unknown) => R | PromiseLike<R>) | null,
  ): Promise<T | R> {
    return this.#then(undefined, onRejected, false);
  }

  /**
   * Like `Promise.prototype.finally`.
   *
   * @param onFinally Called once the future is done.
   * @returns A promise of the same outcome.
   *
   * @example Finally
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = new Future<number>(loop);
   * f.setResult(1);
   * let ran = false;
   * assert.equal(await f.finally(() => (ran = true)), 1);
   * assert.ok(ran);
   * ```
   */
  finally(onFinally?: (() => void) | null): Promise<T> {
    return this.#then<T, never>(undefined, undefined, false).finally(
      onFinally,
    );
  }

  /**
   * A short description: `Future(pending)`, `Future(done, result=…)`,
   * `Future(done, exception=Error: message)` (an error without its stack,
   * as asyncio shows `exception=OSError(...)`).
   *
   * @returns The description.
   *
   * @example Describe
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { Future } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * assert.equal(String(new Future(loop)), "Future(pending)");
   * ```
   */
  toString(): string {
    return `${this.constructor.name}(${this.#describeState()})`;
  }

  /**
   * @ignore Completes the future. `Task` uses this; its public setters throw.
   */
  [complete](state: 1 | 2 | 3, value: unknown): void {
    if (this.#callbacks !== null && this.#loop.isClosed()) {
      throw new Error(
        `Cannot complete ${
          describeValue(this)
        }: its event loop is closed, so its callbacks cannot run`,
      );
    }
    this.#state = state;
    this.#value = state === CANCELLED ? this.#cancelledWith(value) : value;
    if (this.#abort !== null) this.#dropAbort();
    if (state === REJECTED) trackUnretrieved(this.#loop, this, value);
    if (this.#callbacks !== null) callSoonJob(this.#loop, runCallbacks, this);
  }

  /** @ignore The state: 0 pending, 1 fulfilled, 2 failed, 3 cancelled. */
  [stateOf](): State {
    return this.#state;
  }

  /**
   * @ignore Completes the future and wakes the code awaiting it now, in the
   * current microtask; done callbacks still run through the loop. For the
   * future of code that runs inline in a task's step (a scope's future):
   * its awaiter goes on in the same step, as an awaited coroutine does.
   */
  [settleNow](state: 1 | 2 | 3, value: unknown): void {
    if (this.#state !== PENDING) return;
    this.#state = state;
    this.#value = state === CANCELLED ? this.#cancelledWith(value) : value;
    if (this.#abort !== null) this.#dropAbort();
    if (state === REJECTED) trackUnretrieved(this.#loop, this, value);
    if (this.#promise !== null) {
      this.removeDoneCallback(wakeWaiters);
      this.#wake();
    }
    if (this.#callbacks !== null && !this.#loop.isClosed()) {
      callSoonJob(this.#loop, runCallbacks, this);
    }
  }

  /**
   * The error of a cancelled future: as given, or made from a message and
   * tagged with the scope whose cancellation is cancelling it right now.
   */
  #cancelledWith(value: unknown): CancelledError {
    if (isCancelledError(value)) return value;
    return cancelledError(value as string | undefined, currentSource());
  }

  /**
   * @ignore Completes the future and runs its callbacks now; only called
   * from a loop callback (sleep's timer), so callbacks still run through the
   * loop, without a second tick.
   */
  [resolveNow](value: T): void {
    if (this.#state !== PENDING) return;
    this.#state = FULFILLED;
    this.#value = value;
    if (this.#abort !== null) this.#dropAbort();
    if (this.#callbacks !== null) runCallbacks(this);
  }

  static {
    // Module-level access to private methods, without public statics.
    runCallbacks = (future) => future.#runCallbacks();
    wakeWaiters = (future) => future.#wake();
    captureResolvers = (resolve, reject) => {
      capturing!.#resolve = resolve;
      capturing!.#reject = reject;
    };
  }

  #runCallbacks(): void {
    const callbacks = this.#callbacks;
    if (callbacks === null) return;
    this.#callbacks = null;
    if (!Array.isArray(callbacks)) {
      this.#runCallback(callbacks);
      return;
    }
    for (const cb of callbacks) this.#runCallback(cb);
  }

  #runCallback(cb: AnyCallback): void {
    try {
      cb(this);
    } catch (error) {
      this.#loop.callExceptionHandler({
        message: `Exception in done callback ${callbackName(cb)} of ${
          describeValue(this)
        }`,
        exception: error,
        future: this,
      });
    }
  }

  #wake(): void {
    const scopes = this.#scopes;
    if (scopes !== null) {
      this.#scopes = null;
      if (Array.isArray(scopes)) {
        for (const s of scopes) s.removeWait(this);
      } else {
        scopes.removeWait(this);
      }
    }
    switch (this.#state) {
      case FULFILLED:
        this.#resolve!(this.#value);
        break;
      case REJECTED:
        this.#retrieve();
        this.#reject!(this.#value);
        break;
      default:
        this.#reject!(this.#cancelledError());
    }
    this.#resolve = this.#reject = null;
  }

  #dropAbort(): void {
    unlisten(this.#abort!, this);
    this.#abort = null;
  }

  #retrieve(): void {
    untrackUnretrieved(this);
  }

  #cancelledError(): CancelledError {
    return this.#value as CancelledError;
  }

  #checkPending(caller: string): void {
    if (this.#state !== PENDING) {
      throw new InvalidStateError(
        `Cannot call ${caller}(): future is already done (${this.#describeState()})`,
      );
    }
  }

  #describeState(): string {
    switch (this.#state) {
      case PENDING:
        return "pending";
      case FULFILLED:
        return `done, result=${describeValue(this.#value, BRIEF)}`;
      case REJECTED:
        return `done, exception=${describeValue(this.#value, BRIEF)}`;
      default:
        return "cancelled";
    }
  }
}

/**
 * @ignore Whether `future` failed, whatever it failed with (`undefined`
 * too, which `exception()` cannot tell from success). Internal: for the
 * combinators, which must not take a failure for a result.
 *
 * @param future A done future.
 * @returns `true` if it failed.
 */
export function failed(future: Future<unknown>): boolean {
  return future[stateOf]() === REJECTED;
}

/**
 * @ignore Whether `future` completed with a result: a wait on it that
 * found it so goes on without parking (see `parkOn`).
 *
 * @param future A future.
 * @returns `true` if it is fulfilled.
 */
export function fulfilled(future: Future<unknown>): boolean {
  return future[stateOf]() === FULFILLED;
}

/**
 * Whether `value` is a `Future` (or `Task`).
 *
 * @param value Anything.
 * @returns `true` for futures.
 *
 * @example Check
 * ```ts
 * import { EventLoop } from "@aio/asyncio/loop";
 * import { Future, isFuture } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * using loop = new EventLoop();
 * assert.ok(isFuture(new Future(loop)));
 * assert.equal(isFuture(Promise.resolve()), false);
 * ```
 */
export function isFuture(value: unknown): value is Future<unknown> {
  return value instanceof Future;
}

/** A callback's name for reports; never throws. */
function callbackName(cb: AnyCallback): string {
  try {
    const name = cb.name;
    return typeof name === "string" && name !== "" ? name : "<anonymous>";
  } catch {
    return "<anonymous>";
  }
}
