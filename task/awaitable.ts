/**
 * What the combinators accept, and how they turn it into a `Future`.
 *
 * A `Future` (or `Task`) is used as is. A function becomes a task on the
 * loop (it receives the task's signal). Any other promise-like value becomes
 * a task that waits for it: cancelling that task only stops waiting.
 */

import { type EventLoop, getRunningLoop } from "../loop/mod.ts";
import { Future } from "../loop/future.ts";
import { settledFuture } from "../loop/settled.ts";
import { operationFuture } from "./operation.ts";
import { Task } from "./task.ts";
import { isThenable } from "../loop/thenable.ts";
import { describeArgument } from "../loop/describe_value.ts";

/**
 * What the combinators accept: a `Future` or `Task`, a promise, or an async
 * function (run as a new task, receiving its `AbortSignal`).
 *
 * @typeParam T The result type.
 */
export type Awaitable<T> =
  | PromiseLike<T>
  | ((signal: AbortSignal) => T | PromiseLike<T>);

/**
 * The result type of an {@linkcode Awaitable}.
 *
 * @typeParam A The awaitable's type.
 */
export type AwaitedOf<A> = A extends (signal: AbortSignal) => infer R
  ? Awaited<R>
  : Awaited<A>;

/** Whether `value` is something the combinators accept. */
export function isAwaitable(value: unknown): boolean {
  return typeof value === "function" || isThenable(value);
}

/**
 * `aw` as a future of `loop`: futures as they are, functions and promises as
 * new tasks. `created` tells whether a new task was made (whose error the
 * combinator must then retrieve itself).
 */
export function toFuture<T>(
  loop: EventLoop,
  aw: Awaitable<T>,
  caller: string,
): Future<T> {
  // The call behind it already acted (took the item, the lock): a done
  // future keeps its value whatever the combinator does next. (A granted
  // one completes a tick later, so a deadline due then, as asCompleted's
  // timeout of 0, would win over the value.)
  const done = settledFuture<T>(loop, aw);
  if (done !== undefined) return done;
  if (aw instanceof Future) return aw;
  if (!isAwaitable(aw)) {
    throw new TypeError(
      `Cannot call ${caller}: expected a task, future, promise or async function, got ${
        describe(
          aw,
        )
      }`,
    );
  }
  // The promise of a library operation (a read) is cancelled, not
  // abandoned, by the combinator that gives up on it.
  if (typeof aw !== "function") {
    const operation = operationFuture(loop, aw);
    if (operation !== undefined) return operation;
  }
  return new Task<T>(aw, { loop });
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

/** The message of the `CancelledError` a cancelled future throws. */
export function cancelMessage<T>(future: Future<T>): string | undefined {
  if (!future.cancelled()) return undefined;
  try {
    future.result();
  } catch (error) {
    return (error as Error).message || undefined;
  }
  return undefined;
}

/** The loop of the first future among `aws`, else the running loop. */
export function loopOf(aws: Iterable<unknown>): EventLoop {
  for (const aw of aws) {
    if (aw instanceof Future) return aw.getLoop();
  }
  return getRunningLoop();
}

/** Marks a future's error as seen (for futures a combinator made itself). */
export function retrieve<T>(f: Future<T>): void {
  if (!f.cancelled()) f.exception();
}

/**
 * Checks a `timeout` option (milliseconds, or `null`/`undefined` for none)
 * before anything starts.
 *
 * @param timeout The option.
 * @param caller The function, for the message: `"wait()"`.
 * @throws {TypeError} If it is neither a number (not NaN) nor null.
 */
export function checkTimeout(timeout: unknown, caller: string): void {
  if (
    timeout !== undefined && timeout !== null &&
    (typeof timeout !== "number" || Number.isNaN(timeout))
  ) {
    throw new TypeError(
      `Cannot call ${caller}: timeout must be a number or null, got ${
        describeArgument(timeout)
      }`,
    );
  }
}
