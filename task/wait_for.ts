/**
 * `waitFor(aw, ms)`: wait for one awaitable with a time limit, cancelling it
 * when the limit passes.
 *
 * It is built on {@linkcode timeout}, as CPython 3.12's `wait_for` is: the
 * awaiting task waits on the inner future inside a timeout scope; when the
 * deadline passes the scope cancels its waits, which cancels the inner
 * future, and the wait goes on until the inner one has finished
 * cancelling; the scope then turns the `CancelledError` into a
 * `TimeoutError`. Several `waitFor` calls can run at once in one task: each
 * has its own scope.
 *
 * @module
 */

import { describeArgument } from "../loop/describe_value.ts";
import { getRunningLoop } from "../loop/mod.ts";
import { type Awaitable, toFuture } from "./awaitable.ts";
import {
  cancelFor,
  type CancelScope,
  giveBack,
  isCancelledError,
  outerRequest,
} from "../loop/cancel_scope.ts";
import type { CancelledError } from "../loop/errors.ts";
import { TimeoutError } from "./errors.ts";
import { Future } from "../loop/future.ts";
import { newScope, runInScope } from "./scope_future.ts";
import { currentTask, Task } from "./task.ts";
import { runTimeout } from "./timeout.ts";

/**
 * Waits for `aw` for at most `timeoutMs` milliseconds and returns its
 * result. When the time is up, `aw` is cancelled, `waitFor` waits until it
 * has finished cancelling (its `finally` blocks ran), then throws
 * `TimeoutError`. If `aw` swallows the cancellation and returns a value,
 * that value is returned. `null` waits without limit; `0` or less cancels
 * `aw` at once unless it is already done.
 *
 * A function becomes a task, so it can be cancelled; every wait this
 * library returns (`q.get()`, `cond.wait()`, `timeout(...)`) is a future
 * and is cancelled too; a foreign promise can only be abandoned (it keeps
 * running). Called outside a task, `waitFor` runs in a new task of its own.
 * That task starts in the next tick: if the wait is cancelled before then,
 * the function never runs, as a task cancelled before it starts (asyncio
 * 3.12's `wait_for()` awaits a coroutine inline, so it has always begun).
 *
 * **Cancellation**: if the waiting task is cancelled, `aw` is cancelled too
 * and the `CancelledError` propagates once it finished, as when awaiting a
 * task directly. To keep `aw` running, wrap it in `shield()`.
 *
 * @typeParam T The result type.
 * @param aw A task, future, promise or async function.
 * @param timeoutMs The limit in milliseconds, or `null` for none.
 * @returns The result of `aw`.
 * @throws {TimeoutError} If the limit passed (`cause`: the cancellation).
 * @throws {CancelledError} If the waiting task was cancelled.
 * @throws {unknown} The error of `aw`, if it failed.
 * @throws {Error} If no loop is running.
 *
 * @example Give up on a slow task
 * ```ts
 * import { run, sleep, TimeoutError, waitFor } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const events: string[] = [];
 * await run(async () => {
 *   try {
 *     await waitFor(async () => {
 *       try {
 *         await sleep(3600_000);
 *       } finally {
 *         events.push("inner cleaned up");
 *       }
 *     }, 1000);
 *   } catch (e) {
 *     events.push(e instanceof TimeoutError ? "timed out" : "other");
 *   }
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(events, ["inner cleaned up", "timed out"]);
 * ```
 */
export function waitFor<T>(
  aw: Awaitable<T>,
  timeoutMs: number | null,
): Promise<T> {
  if (
    timeoutMs !== null &&
    (typeof timeoutMs !== "number" || Number.isNaN(timeoutMs))
  ) {
    return Promise.reject(
      new TypeError(
        `Cannot call waitFor(): timeoutMs must be a number or null, got ${
          describeArgument(timeoutMs)
        }`,
      ),
    );
  }
  // A rejected promise is ours to handle from now on: Deno must not report
  // it unhandled before the task that awaits it takes its first step.
  if (aw instanceof Promise) aw.catch(ignore);
  let inner: Future<T>;
  try {
    const loop = aw instanceof Future ? aw.getLoop() : getRunningLoop();
    if (currentTask() === undefined) {
      return new Task(() => waitFor(aw, timeoutMs), { loop });
    }
    inner = toFuture(loop, aw, "waitFor()");
  } catch (error) {
    return Promise.reject(error);
  }
  if (timeoutMs !== null && timeoutMs <= 0) {
    return runInScope(
      (scope) => expireNow(inner, scope),
      newScope(`waitFor(${timeoutMs})`),
    );
  }
  const when = timeoutMs === null ? null : inner.getLoop().time() + timeoutMs;
  return runTimeout(when, () => inner, `waitFor(${timeoutMs})`, "waitFor()");
}

function ignore(): void {}

/**
 * `waitFor` with no time left, as asyncio's: cancel `inner` unless it is
 * done, and wait until it has finished. A cancellation of the caller that
 * arrives meanwhile does not abandon `inner` (its value may be an item
 * taken from a queue): the wait goes on until `inner` is done. Then
 * `inner`'s value is returned if it has one (the caller's cancellation goes
 * back for its next wait); else a cancellation of the caller (during the
 * wait, or pending when it began) is thrown as it is, and `inner`'s own as
 * `TimeoutError`.
 */
async function expireNow<T>(inner: Future<T>, scope: CancelScope): Promise<T> {
  if (inner.done()) return inner.result();
  cancelFor(scope, inner);
  let interrupted: CancelledError | null = null;
  while (!inner.done()) {
    try {
      await doneOf(inner);
    } catch (error) {
      if (!isCancelledError(error)) throw error;
      interrupted = outerRequest(interrupted, error);
    }
  }
  if (!inner.cancelled()) {
    if (interrupted !== null) giveBack(interrupted);
    return inner.result();
  }
  if (interrupted !== null) throw interrupted;
  let cancelled: unknown;
  try {
    inner.result();
  } catch (error) {
    cancelled = error;
  }
  // Ours unless it came from elsewhere (a cancellation that reached `inner`
  // first), or one of the task was pending or requested meanwhile.
  const passOn = scope.expiredCancellation(cancelled);
  if (passOn !== null) throw passOn;
  throw new TimeoutError(`Timed out: ${scope.label}`, {
    cause: scope.causeOf(cancelled),
  });
}

/** A future that completes (with nothing) once `future` is done. */
function doneOf(future: Future<unknown>): Future<void> {
  const done = new Future<void>(future.getLoop());
  const release = (): void => {
    if (!done.done()) done.setResult();
  };
  future.addDoneCallback(release);
  done.addDoneCallback(() => future.removeDoneCallback(release));
  return done;
}
