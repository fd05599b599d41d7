/**
 * `timeout(ms, fn)` and `timeoutAt(when, fn)`: asyncio's timeout scopes.
 *
 * The function runs in a cancel scope of its own, nested in the caller's.
 * When the deadline passes, the scope is cancelled: every library wait its
 * code has pending (in any `Promise.all` branch, or nested scope) ends with
 * a `CancelledError`, and the scope's `signal` aborts, so `fetch` and other
 * native calls given it stop too. When the function then ends with that
 * `CancelledError`, the scope turns it into a `TimeoutError`.
 *
 * Only the scope's own cancellation is turned: each `CancelledError` knows
 * the scope it came from. If the task is cancelled, or an enclosing scope
 * expires, while the function runs (or such a cancellation was pending,
 * undelivered, when the scope was entered), that cancellation propagates as
 * `CancelledError`, even if this deadline passed too. Sibling timeouts in one
 * task (`Promise.all([timeout(...), timeout(...)])`) do not touch each
 * other.
 *
 * Unlike asyncio's, these timeouts do not go through the task: they neither
 * cancel it nor move its `cancelling()` count, and the task's own `signal`
 * stays unaborted when a timeout expires.
 *
 * @module
 */

import { type EventLoop, getRunningLoop, type Handle } from "../loop/mod.ts";
import { cancelledError, type CancelScope } from "../loop/cancel_scope.ts";
import { describeArgument } from "../loop/describe_value.ts";
import { newScope, runInScope } from "./scope_future.ts";
import { TimeoutError } from "./errors.ts";
import { currentTask } from "./task.ts";

const CREATED = 0;
const ENTERED = 1;
const EXPIRING = 2;
const EXPIRED = 3;
const EXITED = 4;
type State = 0 | 1 | 2 | 3 | 4;
const STATE_NAMES = ["created", "active", "expiring", "expired", "finished"];

let createTimeout: (when: number | null) => Timeout;
let enterScope: (timeout: Timeout, scope: CancelScope, loop: EventLoop) => void;
let exitScope: (timeout: Timeout, error: unknown) => unknown;
let fireScope: (timeout: Timeout) => void;

/**
 * The scope of a {@linkcode timeout} or {@linkcode timeoutAt}: its deadline
 * can be read and moved while the scope's function runs.
 *
 * @example Push the deadline back
 * ```ts
 * import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
 * import { run, sleep, timeout } from "@aio/asyncio/task";
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
  #scope: CancelScope | null = null;
  #loop: EventLoop | null = null;

  private constructor(when: number | null) {
    this.#when = when;
  }

  /**
   * Aborted, with a `CancelledError` as its reason, when the scope is
   * cancelled: at the deadline, or when the task or an enclosing scope is
   * cancelled. Pass it to `fetch` and other native calls so that they stop
   * at the deadline too.
   *
   * @example Stop a native call at the deadline
   * ```ts
   * import { run, timeout, TimeoutError } from "@aio/asyncio/task";
   * import { VirtualClock } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   await assert.rejects(
   *     timeout(10, (scope) =>
   *       // Stands for fetch(url, { signal: scope.signal }).
   *       new Promise((_, reject) =>
   *         scope.signal.addEventListener(
   *           "abort",
   *           () => reject(scope.signal.reason),
   *         )
   *       )),
   *     TimeoutError,
   *   );
   * }, { clock: new VirtualClock() });
   * ```
   */
  get signal(): AbortSignal {
    if (this.#scope === null) {
      throw new Error("Cannot read the signal of a timeout not entered");
    }
    return this.#scope.signal;
  }

  /**
   * The deadline, on the loop's clock in milliseconds.
   *
   * @returns The deadline, or `null` if there is none.
   *
   * @example Read the deadline
   * ```ts
   * import { run, timeout } from "@aio/asyncio/task";
   * import { VirtualClock } from "@aio/asyncio/loop";
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
   * @throws {TypeError} If `when` is neither a number nor `null`, or is
   * `NaN`; the deadline stays as it was.
   *
   * @example Remove the deadline
   * ```ts
   * import { run, sleep, timeout } from "@aio/asyncio/task";
   * import { VirtualClock } from "@aio/asyncio/loop";
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
    // Checked before anything moves: a bad value must not drop the deadline.
    if (when !== null && (typeof when !== "number" || Number.isNaN(when))) {
      throw new TypeError(
        `Cannot reschedule timeout: when must be a number or null, got ${
          describeArgument(when)
        }`,
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
   * Whether the deadline passed (the scope cancelled its code).
   *
   * @returns `true` once expired.
   *
   * @example After the deadline
   * ```ts
   * import { run, sleep, timeout, Timeout, TimeoutError } from "@aio/asyncio/task";
   * import { VirtualClock } from "@aio/asyncio/loop";
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
   * import { run, timeout } from "@aio/asyncio/task";
   * import { VirtualClock } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * const text = await run(
   *   () => timeout(100, async (scope) => String(scope)),
   *   { clock: new VirtualClock() },
   * );
   * assert.equal(text, "Timeout(active, when=100)");
   * ```
   */
  toString(): string {
    const when = this.#state === ENTERED && this.#when !== null
      ? `, when=${this.#when}`
      : "";
    return `Timeout(${STATE_NAMES[this.#state]}${when})`;
  }

  static {
    createTimeout = (when) => new Timeout(when);
    enterScope = (timeout, scope, loop) => timeout.#enter(scope, loop);
    exitScope = (timeout, error) => timeout.#exit(error);
    fireScope = (timeout) => timeout.#onTimeout();
  }

  /** Enters the scope in the current task. */
  #enter(scope: CancelScope, loop: EventLoop): void {
    this.#state = ENTERED;
    this.#scope = scope;
    this.#loop = loop;
    this.reschedule(this.#when);
  }

  /** What the scope's function ending with `error` throws. */
  #exit(error: unknown): unknown {
    this.#handle?.cancel();
    this.#handle = null;
    if (this.#state === ENTERED) this.#state = EXITED;
    if (this.#state !== EXPIRING) return error;
    this.#state = EXPIRED;
    const passOn = this.#scope!.expiredCancellation(error);
    return passOn === null
      ? new TimeoutError(`Timed out: ${this.#scope!.label}`, {
        cause: this.#scope!.causeOf(error),
      })
      : passOn;
  }

  #onTimeout(): void {
    if (this.#state !== ENTERED) return;
    this.#state = EXPIRING;
    this.#handle = null;
    const scope = this.#scope!;
    scope.cancel(cancelledError(undefined, scope));
  }
}

function onTimeout(scope: Timeout): void {
  fireScope(scope);
}

/**
 * Runs `fn` with a time limit of `ms` milliseconds, in a cancel scope of
 * its own: if it is still running then, the scope is cancelled (every
 * library wait its code has pending ends with `CancelledError`, and
 * `scope.signal` aborts) and the `CancelledError` that comes out of `fn` is
 * turned into a `TimeoutError`. `fn` receives the {@linkcode Timeout}
 * scope, to read or move the deadline and to hand its `signal` to native
 * calls. `null` sets no limit (the scope can still be rescheduled).
 *
 * A limit of `0` or less expires the scope in the next tick, as
 * `asyncio.timeout(0)` does: a wait of `fn` that needs no waiting (a set
 * `Event`, a `Queue.get()` with an item) goes through before it. (trio's
 * `fail_after(0)` raises at the first checkpoint instead.)
 *
 * It must run inside a task. Code that only awaits a native promise given
 * no signal times out at its next library wait. Timeouts nest, and several
 * can run at once in one task: each one turns only its own cancellation
 * into a `TimeoutError`. The result is a `Future`: passing it to `waitFor`,
 * `gather` or `wait`, which may cancel it, cancels its work.
 *
 * **Cancellation**: a cancellation of the task from outside (or by an
 * enclosing timeout) while `fn` runs, or still pending when it starts,
 * propagates as `CancelledError`, even if this deadline passed too.
 *
 * **After the deadline** `timeout()` still waits for `fn` to end: its
 * `finally` blocks, and a task it awaits finishing its own cancellation. So
 * cleanup stuck on a native promise holds the caller past the deadline, as
 * `waitFor` does. To stop waiting at the deadline and leave a task running,
 * time out a shield of it: `timeout(ms, () => shield(task))`.
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
 * import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
 * import { run, sleep, timeout, TimeoutError } from "@aio/asyncio/task";
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
      `Cannot call timeout(): ms must be a number or null, got ${
        describeArgument(ms)
      }`,
    );
  }
  const when = ms === null ? null : getRunningLoop().time() + ms;
  return runTimeout(when, fn, `timeout(${ms})`, "timeout()");
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
 * import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
 * import { run, sleep, timeoutAt, TimeoutError } from "@aio/asyncio/task";
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
      `Cannot call timeoutAt(): when must be a number or null, got ${
        describeArgument(when)
      }`,
    );
  }
  return runTimeout(when, fn, `timeoutAt(${when})`, "timeoutAt()");
}

/**
 * Runs `fn` in a new timeout scope, as the scope's future; `label` names
 * the scope in task trees and in its `TimeoutError`.
 */
export function runTimeout<T>(
  when: number | null,
  fn: (scope: Timeout) => T | PromiseLike<T>,
  label: string,
  caller: string,
): Promise<T> {
  if (currentTask() === undefined) {
    return Promise.reject(
      new Error(
        `Cannot call ${caller}: not inside a task; call it from a task (run(), createTask())`,
      ),
    );
  }
  const loop = getRunningLoop();
  const timeout = createTimeout(when);
  return runInScope((scope) => {
    enterScope(timeout, scope, loop);
    return runBody(timeout, fn);
  }, newScope(label));
}

async function runBody<T>(
  timeout: Timeout,
  fn: (scope: Timeout) => T | PromiseLike<T>,
): Promise<T> {
  let result: T;
  try {
    result = await fn(timeout);
  } catch (error) {
    throw exitScope(timeout, error);
  }
  exitScope(timeout, undefined);
  return result;
}
