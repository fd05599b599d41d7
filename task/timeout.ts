/**
 * `timeout(ms, fn)` and `timeoutAt(when, fn)`: asyncio's timeout scopes.
 *
 * When the deadline passes, the scope cancels the task it runs in; when the
 * scope's function then ends with that `CancelledError`, the scope turns it
 * into a `TimeoutError`. A cancellation that came from elsewhere (another
 * `cancel()` call, an outer timeout) is told apart by the task's
 * `cancelling()` count, as CPython's `asyncio.timeouts` does: the scope
 * records the count on entry and, when it expired, calls `uncancel()` on
 * exit; only if that brings the count back to the entry value was the
 * cancellation its own alone.
 *
 * A caveat of the platform: expiring cancels the task, which aborts the
 * task's `signal`, and an `AbortSignal` cannot be reset. After a timeout the
 * task handled, `task.signal` stays aborted; pass a fresh signal (an
 * `AbortController` of your own) to native calls made after it.
 *
 * @module
 */

import { type EventLoop, getRunningLoop, type Handle } from "../loop/mod.ts";
import { CancelledError, TimeoutError } from "./errors.ts";
import { currentTask, type Task } from "./task.ts";

const CREATED = 0;
const ENTERED = 1;
const EXPIRING = 2;
const EXPIRED = 3;
const EXITED = 4;
type State = 0 | 1 | 2 | 3 | 4;
const STATE_NAMES = ["created", "active", "expiring", "expired", "finished"];

let enterScope: (scope: Timeout, caller: string) => void;
let exitScope: (scope: Timeout, failed: boolean, error: unknown) => unknown;
let fireScope: (scope: Timeout) => void;

/**
 * The scope of a {@linkcode timeout} or {@linkcode timeoutAt}: its deadline
 * can be read and moved while the scope's function runs.
 *
 * @example Push the deadline back
 * ```ts
 * import { getRunningLoop, run, VirtualClock } from "@aio/asyncio/loop";
 * import { sleep, timeout } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const result = await run(() =>
 *   timeout(10, async (scope) => {
 *     scope.reschedule(getRunningLoop().time() + 100);
 *     await sleep(50);
 *     return scope.expired();
 *   }), { clock: new VirtualClock() });
 * assert.equal(result, false);
 * ```
 */
export class Timeout {
  #state: State = CREATED;
  #when: number | null;
  #handle: Handle | null = null;
  #task: Task<unknown> | null = null;
  #loop: EventLoop | null = null;
  #cancelling = 0;

  /**
   * Creates a scope with deadline `when` (loop time, in milliseconds).
   * {@linkcode timeout} and {@linkcode timeoutAt} create and enter it; a
   * scope made by hand cannot be entered.
   *
   * @param when The deadline on the loop's clock, or `null` for none.
   *
   * @example A scope not entered
   * ```ts
   * import { Timeout } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const scope = new Timeout(100);
   * assert.equal(scope.when(), 100);
   * assert.equal(scope.expired(), false);
   * ```
   */
  constructor(when: number | null) {
    this.#when = when;
  }

  /**
   * The deadline, on the loop's clock in milliseconds.
   *
   * @returns The deadline, or `null` if there is none.
   *
   * @example Read the deadline
   * ```ts
   * import { run, VirtualClock } from "@aio/asyncio/loop";
   * import { timeout } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const when = await run(
   *   () => timeout(250, async (scope) => scope.when()),
   *   { clock: new VirtualClock() },
   * );
   * assert.equal(when, 250);
   * ```
   */
  when(): number | null {
    return this.#when;
  }

  /**
   * Moves the deadline to `when` (loop time, in milliseconds), or removes it
   * with `null`. A deadline in the past expires the scope in the next tick.
   *
   * @param when The new deadline, or `null`.
   * @throws {Error} If the scope is not running (not entered yet, expired
   * or finished).
   *
   * @example Remove the deadline
   * ```ts
   * import { run, VirtualClock } from "@aio/asyncio/loop";
   * import { sleep, timeout } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const result = await run(() =>
   *   timeout(10, async (scope) => {
   *     scope.reschedule(null);
   *     await sleep(1000);
   *     return "no limit";
   *   }), { clock: new VirtualClock() });
   * assert.equal(result, "no limit");
   * ```
   */
  reschedule(when: number | null): void {
    if (this.#state !== ENTERED) {
      throw new Error(
        this.#state === CREATED
          ? "Cannot reschedule timeout: it has not been entered; use timeout() or timeoutAt()"
          : `Cannot reschedule timeout: it is ${STATE_NAMES[this.#state]}`,
      );
    }
    this.#when = when;
    this.#handle?.cancel();
    this.#handle = null;
    if (when === null) return;
    const loop = this.#loop!;
    this.#handle = when <= loop.time()
      ? loop.callSoon(onTimeout, this)
      : loop.callAt(when, onTimeout, this);
  }

  /**
   * Whether the deadline passed (the scope cancelled its task).
   *
   * @returns `true` once expired.
   *
   * @example After the deadline
   * ```ts
   * import { run, VirtualClock } from "@aio/asyncio/loop";
   * import { sleep, timeout, Timeout, TimeoutError } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * let scope: Timeout | undefined;
   * await assert.rejects(
   *   run(() =>
   *     timeout(10, async (s) => {
   *       scope = s;
   *       await sleep(20);
   *     }), { clock: new VirtualClock() }),
   *   TimeoutError,
   * );
   * assert.equal(scope?.expired(), true);
   * ```
   */
  expired(): boolean {
    return this.#state === EXPIRING || this.#state === EXPIRED;
  }

  /**
   * A short description: `Timeout(active, when=100)`.
   *
   * @returns The description.
   *
   * @example Describe
   * ```ts
   * import { Timeout } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Timeout(null)), "Timeout(created)");
   * ```
   */
  toString(): string {
    const when = this.#state === ENTERED && this.#when !== null
      ? `, when=${this.#when}`
      : "";
    return `Timeout(${STATE_NAMES[this.#state]}${when})`;
  }

  static {
    enterScope = (scope, caller) => scope.#enter(caller);
    exitScope = (scope, failed, error) => scope.#exit(failed, error);
    fireScope = (scope) => scope.#onTimeout();
  }

  /** Enters the scope in the current task. */
  #enter(caller: string): void {
    if (this.#state !== CREATED) {
      throw new Error(`Cannot call ${caller}: the timeout was already entered`);
    }
    const task = currentTask();
    if (task === undefined) {
      throw new Error(
        `Cannot call ${caller}: not inside a task; call it from a task (run(), createTask())`,
      );
    }
    this.#state = ENTERED;
    this.#task = task;
    this.#loop = task.getLoop();
    this.#cancelling = task.cancelling();
    this.reschedule(this.#when);
  }

  /** Leaves the scope; returns the error to throw, if any. */
  #exit(failed: boolean, error: unknown): unknown {
    this.#handle?.cancel();
    this.#handle = null;
    if (this.#state === EXPIRING) {
      this.#state = EXPIRED;
      if (this.#task!.uncancel() <= this.#cancelling && failed) {
        // No cancellation request but ours: this one is the timeout.
        if (error instanceof CancelledError) {
          return new TimeoutError("Timed out", { cause: error });
        }
      }
    } else if (this.#state === ENTERED) {
      this.#state = EXITED;
    }
    return error;
  }

  /** The deadline passed. */
  #onTimeout(): void {
    if (this.#state !== ENTERED) return;
    this.#task!.cancel();
    this.#state = EXPIRING;
    this.#handle = null;
  }
}

function onTimeout(scope: Timeout): void {
  fireScope(scope);
}

/**
 * Runs `fn` with a time limit of `ms` milliseconds: if it is still running
 * then, the current task is cancelled and the `CancelledError` that comes
 * out of `fn` is turned into a `TimeoutError`. `fn` receives the
 * {@linkcode Timeout} scope, to read or move the deadline. `null` sets no
 * limit (the scope can still be rescheduled).
 *
 * It must run inside a task, since it cancels that task. `fn` must wait on
 * things of this library (or pass the task's `signal` to native calls) for
 * the cancellation to reach it; a function that only awaits a native
 * promise times out at its next library wait. A cancellation of the task
 * from outside stays a `CancelledError`. Timeouts nest: each one turns only
 * its own cancellation into a `TimeoutError`.
 *
 * **Cancellation**: a cancellation of the task from outside (or by an outer
 * timeout) while `fn` runs propagates as `CancelledError`, even if this
 * deadline passed too.
 *
 * @typeParam T The result type.
 * @param ms The limit in milliseconds, or `null` for none.
 * @param fn The work; receives the scope.
 * @returns What `fn` returns.
 * @throws {TimeoutError} If the deadline passed and cancelled `fn`.
 * @throws {Error} If not called inside a task.
 *
 * @example A slow operation times out
 * ```ts
 * import { getRunningLoop, run, VirtualClock } from "@aio/asyncio/loop";
 * import { sleep, timeout, TimeoutError } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const at = await run(async () => {
 *   try {
 *     await timeout(100, () => sleep(1000));
 *   } catch (e) {
 *     assert.ok(e instanceof TimeoutError);
 *   }
 *   return getRunningLoop().time();
 * }, { clock: new VirtualClock() });
 * assert.equal(at, 100);
 * ```
 */
export function timeout<T>(
  ms: number | null,
  fn: (scope: Timeout) => T | PromiseLike<T>,
): Promise<T> {
  if (ms !== null && (typeof ms !== "number" || Number.isNaN(ms))) {
    throw new TypeError(
      `Cannot call timeout(): ms must be a number or null, got ${ms}`,
    );
  }
  const when = ms === null ? null : getRunningLoop().time() + ms;
  return runScope(new Timeout(when), fn, "timeout()");
}

/**
 * Like {@linkcode timeout}, with an absolute deadline on the loop's clock
 * (`loop.time()` milliseconds).
 *
 * **Cancellation**: as for {@linkcode timeout}: a cancellation from outside
 * propagates as `CancelledError`.
 *
 * @typeParam T The result type.
 * @param when The deadline on the loop's clock, or `null` for none.
 * @param fn The work; receives the scope.
 * @returns What `fn` returns.
 * @throws {TimeoutError} If the deadline passed and cancelled `fn`.
 * @throws {Error} If not called inside a task.
 *
 * @example An absolute deadline
 * ```ts
 * import { getRunningLoop, run, VirtualClock } from "@aio/asyncio/loop";
 * import { sleep, timeoutAt, TimeoutError } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * await assert.rejects(
 *   run(async () => {
 *     const loop = getRunningLoop();
 *     await timeoutAt(loop.time() + 5, () => sleep(10));
 *   }, { clock: new VirtualClock() }),
 *   TimeoutError,
 * );
 * ```
 */
export function timeoutAt<T>(
  when: number | null,
  fn: (scope: Timeout) => T | PromiseLike<T>,
): Promise<T> {
  if (when !== null && (typeof when !== "number" || Number.isNaN(when))) {
    throw new TypeError(
      `Cannot call timeoutAt(): when must be a number or null, got ${when}`,
    );
  }
  return runScope(new Timeout(when), fn, "timeoutAt()");
}

async function runScope<T>(
  scope: Timeout,
  fn: (scope: Timeout) => T | PromiseLike<T>,
  caller: string,
): Promise<T> {
  enterScope(scope, caller);
  let result: T;
  try {
    result = await fn(scope);
  } catch (error) {
    throw exitScope(scope, true, error);
  }
  exitScope(scope, false, undefined);
  return result;
}
