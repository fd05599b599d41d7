/**
 * `wait`: wait until some or all of a set of futures are done.
 *
 * @module
 */

import { describeArgument } from "../loop/describe_value.ts";
import { throwIfAborted } from "../loop/signal_options.ts";
import { getRunningLoop, type TimerHandle } from "../loop/mod.ts";
import { checkTimeout, describe, retrieve, toFuture } from "./awaitable.ts";
import { isThenable } from "../loop/thenable.ts";
import { isCancelledError } from "../loop/cancel_scope.ts";
import { failed, Future } from "../loop/future.ts";

/** When {@linkcode wait} returns. */
export type ReturnWhen =
  | "FIRST_COMPLETED"
  | "FIRST_EXCEPTION"
  | "ALL_COMPLETED";

/**
 * Options for {@linkcode wait}. (Named apart from the sync module's
 * `SignalOptions`, which every waiting primitive takes.)
 */
export interface WaitSetOptions {
  /**
   * Return after this many milliseconds even if the condition is not met;
   * `null` or `undefined` waits without limit. A timeout does not throw.
   *
   * @default {undefined}
   */
  timeout?: number | null;
  /**
   * `"FIRST_COMPLETED"`: return when any is done. `"FIRST_EXCEPTION"`:
   * return when any fails (a cancelled one does not count), or when all are
   * done. `"ALL_COMPLETED"`: return when all are done.
   *
   * @default {"ALL_COMPLETED"}
   */
  returnWhen?: ReturnWhen;
  /**
   * Aborting it ends the wait with `signal.reason`; the inputs are not
   * cancelled. Already aborted: the call rejects at once.
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
}

/** What {@linkcode wait} returns: the inputs split by whether they are done. */
export interface WaitResult<T> {
  /** The inputs that are done (fulfilled, failed or cancelled). */
  done: Set<T>;
  /** The inputs still pending. */
  pending: Set<T>;
}

const RETURN_WHEN = new Set([
  "FIRST_COMPLETED",
  "FIRST_EXCEPTION",
  "ALL_COMPLETED",
]);

/**
 * Waits until the futures, tasks or promises in `aws` meet the `returnWhen`
 * condition, or the timeout passes, and returns them split into `done` and
 * `pending` sets (holding the very objects given, duplicates merged). It
 * cancels nothing and throws nothing on a timeout or a failed input: check
 * the `done` ones and decide.
 *
 * Functions are refused (a function would start a task nobody holds):
 * create the tasks first with `createTask`.
 *
 * **Cancellation**: if the waiting task is cancelled, the wait ends with
 * `CancelledError`; if `signal` aborts, with `signal.reason` (a signal
 * already aborted rejects at once, even if every input is done). Either
 * way the inputs are not cancelled and keep running.
 *
 * @typeParam T The input type.
 * @param aws The futures, tasks or promises; not empty.
 * @param options The timeout, the condition and an abort signal.
 * @returns The `done` and `pending` sets.
 * @throws {RangeError} If `aws` is empty, or `returnWhen` is unknown.
 * @throws {TypeError} If `aws` is a single future or holds a non-promise, or
 * `timeout` is neither a number nor null.
 * @throws {Error} If no loop is running.
 * @throws {unknown} The signal's reason, if it aborts.
 *
 * @example Take the first one done
 * ```ts
 * import { createTask, run, sleep, wait } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const names = await run(async () => {
 *   const a = createTask(() => sleep(10), { name: "a" });
 *   const b = createTask(() => sleep(20), { name: "b" });
 *   const { done, pending } = await wait([a, b], {
 *     returnWhen: "FIRST_COMPLETED",
 *   });
 *   for (const t of pending) t.cancel();
 *   return [[...done].map((t) => t.name), [...pending].map((t) => t.name)];
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(names, [["a"], ["b"]]);
 * ```
 */
export async function wait<T extends PromiseLike<unknown>>(
  aws: Iterable<T>,
  options?: WaitSetOptions,
): Promise<WaitResult<T>> {
  if (isThenable(aws)) {
    throw new TypeError(
      "Cannot call wait(): expected an iterable of futures, got a single future or promise",
    );
  }
  const returnWhen = options?.returnWhen ?? "ALL_COMPLETED";
  if (!RETURN_WHEN.has(returnWhen)) {
    throw new RangeError(
      `Cannot call wait(): returnWhen must be "FIRST_COMPLETED", "FIRST_EXCEPTION" or "ALL_COMPLETED", got ${
        describeArgument(returnWhen)
      }`,
    );
  }
  checkTimeout(options?.timeout, "wait()");
  const inputs = new Set(aws);
  if (inputs.size === 0) {
    throw new RangeError("Cannot call wait(): the set of futures is empty");
  }
  const signal = options?.signal;
  throwIfAborted(signal);
  const loop = getRunningLoop();
  const futures = new Map<T, Future<unknown>>();
  for (const aw of inputs) {
    if (!isThenable(aw)) {
      throw new TypeError(
        `Cannot call wait(): expected futures, tasks or promises, got ${
          describe(aw)
        }${typeof aw === "function" ? " (wrap it with createTask())" : ""}`,
      );
    }
    futures.set(aw, toFuture(loop, aw, "wait()"));
  }

  const waiter = new Future<void>(loop);
  waiter.label = `wait(${returnWhen})`;
  let handle: TimerHandle | null = null;
  const timeout = options?.timeout;
  if (timeout !== undefined && timeout !== null) {
    handle = loop.callLater(timeout, () => {
      if (!waiter.done()) waiter.setResult();
    });
  }
  let left = futures.size;
  const onCompletion = (f: Future<unknown>): void => {
    left--;
    if (
      left <= 0 || returnWhen === "FIRST_COMPLETED" ||
      (returnWhen === "FIRST_EXCEPTION" && !f.cancelled() &&
        (f.exception(), failed(f)))
    ) {
      handle?.cancel();
      if (!waiter.done()) waiter.setResult();
    }
  };
  for (const [aw, f] of futures) {
    f.addDoneCallback(onCompletion);
    // A wrapper we made for a promise: its error is the caller's to see
    // through the promise, not ours to report.
    if (f !== (aw as unknown)) f.addDoneCallback(retrieve);
  }
  const onAbort = (): void => {
    if (waiter.done()) return;
    const reason = signal!.reason;
    if (isCancelledError(reason)) waiter.cancel(reason.message);
    else waiter.setException(reason);
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await waiter;
  } catch (error) {
    // A CancelledError reason cancelled the waiter: throw the reason itself.
    if (signal?.aborted && isCancelledError(error)) throw signal.reason;
    throw error;
  } finally {
    signal?.removeEventListener("abort", onAbort);
    handle?.cancel();
    for (const f of futures.values()) f.removeDoneCallback(onCompletion);
  }
  const done = new Set<T>();
  const pending = new Set<T>();
  for (const [aw, f] of futures) (f.done() ? done : pending).add(aw);
  return { done, pending };
}
