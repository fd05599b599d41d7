/**
 * `gather`: run awaitables concurrently and collect their results in
 * argument order.
 *
 * @module
 */

import { type EventLoop, getEventLoop, getRunningLoop } from "../loop/mod.ts";
import {
  type Awaitable,
  type AwaitedOf,
  cancelMessage,
  isAwaitable,
  toFuture,
} from "./awaitable.ts";
import { CancelledError } from "../loop/errors.ts";
import { complete, failed, Future } from "../loop/future.ts";
import {
  cancelledError,
  type CancelScope,
  currentRequest,
  currentSource,
} from "../loop/cancel_scope.ts";

export type { Awaitable, AwaitedOf };

/** Options for {@linkcode gather}. */
export interface GatherOptions {
  /**
   * Put each child's error (a `CancelledError` for a cancelled child) in its
   * place in the results instead of failing the gather with the first one.
   *
   * @default {false}
   */
  returnExceptions?: boolean;
}

/**
 * The results of {@linkcode gather}, one per argument, in argument order.
 *
 * @typeParam A The tuple of awaitables.
 */
export type GatherResults<A extends readonly unknown[]> = {
  -readonly [K in keyof A]: AwaitedOf<A[K]>;
};

/**
 * The future `gather` returns: cancelling it cancels every child that is
 * not done yet.
 */
const CANCELLED = 3;

class GatheringFuture<T> extends Future<T> {
  readonly #children: Future<unknown>[];
  cancelRequested = false;
  /** The scope whose cancellation cancelled the gather, if one did. */
  #cancelledBy: CancelScope | null = null;
  /** The request that cancelled the children, if any. */
  #forwarded: CancelledError | null = null;

  constructor(loop: EventLoop, children: Future<unknown>[]) {
    super(loop);
    this.#children = children;
  }

  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    const request = currentRequest();
    // The same request again: given back to its source by a child that
    // ended without meeting it, while the others met it already (their
    // cleanup must not be cancelled a second time). The gather ends
    // cancelled once they are done.
    if (request !== null && request === this.#forwarded) return true;
    this.#cancelledBy = currentSource() ?? this.#cancelledBy;
    let cancelled = false;
    for (const child of this.#children) {
      if (child.cancel(msg)) cancelled = true;
    }
    if (cancelled) {
      this.cancelRequested = true;
      this.#forwarded = request;
    }
    return cancelled;
  }

  /** Ends the gather as cancelled, without touching the children. */
  cancelSelf(msg: string | undefined): void {
    if (!this.done()) {
      this[complete](CANCELLED, cancelledError(msg, this.#cancelledBy));
    }
  }
}

/**
 * Runs awaitables concurrently and resolves with their results in argument
 * order (not completion order). Functions become tasks on the running loop;
 * futures and tasks are used as they are; promises are waited for.
 *
 * Without `returnExceptions`, the first child that fails fails the gather
 * with its error, and a cancelled child makes the gather fail with
 * `CancelledError`; the other children keep running (nothing is cancelled).
 * With `returnExceptions`, every child's error takes its place in the
 * results.
 *
 * The result is a `Future`: cancelling it cancels every child not yet done.
 * With `returnExceptions` it ends cancelled once they have all finished;
 * without, it ends at the first child that ends cancelled (as in asyncio).
 * The same future or promise passed twice is awaited once and its result
 * appears twice; a function passed twice runs twice (each occurrence is a
 * new task).
 *
 * One difference from asyncio: where asyncio completes the gather with a
 * `CancelledError` as its *exception* (so `cancelled()` is false), this
 * gather ends *cancelled* (`cancelled()` is true), since a `Future` here
 * refuses a `CancelledError` in `setException`. Awaiting it throws
 * `CancelledError` either way.
 *
 * **Cancellation**: if the task awaiting the gather is cancelled, the gather
 * is cancelled, which cancels all its children (as in asyncio); the await
 * throws `CancelledError` once they have finished. To keep children running,
 * `shield()` them.
 *
 * @typeParam A The tuple of awaitables.
 * @param aws The awaitables, as separate arguments.
 * @returns A future of the results.
 * @throws {TypeError} If an argument is not awaitable.
 * @throws {Error} If a function is given and no loop is running.
 *
 * @example Results in argument order
 * ```ts
 * import { gather, run, sleep } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const results = await run(async () => {
 *   const slow = async () => {
 *     await sleep(20);
 *     return "slow";
 *   };
 *   const fast = async () => {
 *     await sleep(10);
 *     return 1;
 *   };
 *   return await gather(slow, fast);
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(results, ["slow", 1]);
 * ```
 */
export function gather<const A extends readonly Awaitable<unknown>[]>(
  ...aws: A
): Future<GatherResults<A>>;
/**
 * Runs the awaitables of an iterable concurrently; see the variadic form.
 *
 * @typeParam A The tuple of awaitables.
 * @param aws The awaitables.
 * @param options Without `returnExceptions`.
 * @returns A future of the results.
 *
 * @example An array of awaitables
 * ```ts
 * import { gather, run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const results = await run(() =>
 *   gather([1, 2, 3].map((n) => async () => n * 10))
 * );
 * assert.deepEqual(results, [10, 20, 30]);
 * ```
 */
export function gather<const A extends readonly Awaitable<unknown>[]>(
  aws: A,
  options?: GatherOptions & { returnExceptions?: false },
): Future<GatherResults<A>>;
/**
 * Runs the awaitables of an iterable concurrently; see the variadic form.
 *
 * @typeParam T The result type.
 * @param aws The awaitables.
 * @param options Without `returnExceptions`.
 * @returns A future of the results.
 *
 * @example A set of promises
 * ```ts
 * import { gather, run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const results = await run(() =>
 *   gather(new Set([Promise.resolve("a"), Promise.resolve("b")]))
 * );
 * assert.deepEqual(results, ["a", "b"]);
 * ```
 */
export function gather<T>(
  aws: Iterable<Awaitable<T>>,
  options?: GatherOptions & { returnExceptions?: false },
): Future<T[]>;
/**
 * Runs the awaitables of an iterable concurrently, with each error in its
 * place among the results when `returnExceptions` is set.
 *
 * @param aws The awaitables.
 * @param options `returnExceptions`.
 * @returns A future of the results and errors.
 *
 * @example Errors in place
 * ```ts
 * import { gather, run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const [a, b] = await run(() =>
 *   gather([
 *     async () => "ok",
 *     async () => {
 *       throw new RangeError("bad");
 *     },
 *   ], { returnExceptions: true })
 * );
 * assert.equal(a, "ok");
 * assert.ok(b instanceof RangeError);
 * ```
 */
export function gather(
  aws: Iterable<Awaitable<unknown>>,
  options: GatherOptions,
): Future<unknown[]>;
export function gather(...args: unknown[]): Future<unknown[]> {
  let aws: Iterable<unknown>;
  let returnExceptions = false;
  const first = args[0];
  if (
    args.length <= 2 && first !== null && typeof first === "object" &&
    !isAwaitable(first) && Symbol.iterator in first
  ) {
    aws = first as Iterable<unknown>;
    const options = args[1] as GatherOptions | undefined;
    returnExceptions = options?.returnExceptions ?? false;
  } else {
    aws = args;
  }
  return gatherAll(aws as Iterable<Awaitable<unknown>>, returnExceptions);
}

function gatherAll(
  aws: Iterable<Awaitable<unknown>>,
  returnExceptions: boolean,
): Future<unknown[]> {
  const list = [...aws];
  if (list.length === 0) {
    const empty = new Future<unknown[]>(getEventLoop());
    empty.setResult([]);
    return empty;
  }
  let loop: EventLoop | undefined;
  for (const aw of list) {
    if (aw instanceof Future) {
      loop = aw.getLoop();
      break;
    }
  }
  loop ??= getRunningLoop();

  // A future or promise given twice is awaited once; a function is a task
  // factory, so each occurrence starts its own task. The map and the list of
  // distinct children are made only for what needs them.
  let byArg: Map<unknown, Future<unknown>> | null = null;
  let distinct: Future<unknown>[] | null = null;
  const children: Future<unknown>[] = [];
  for (const aw of list) {
    let child = typeof aw === "function" ? undefined : byArg?.get(aw);
    if (child === undefined) {
      child = toFuture(loop, aw, "gather()");
      if (typeof aw !== "function") (byArg ??= new Map()).set(aw, child);
      distinct?.push(child);
    } else {
      distinct ??= children.slice();
    }
    children.push(child);
  }
  const unique = distinct ?? children;
  const outer = new GatheringFuture<unknown[]>(loop, children);
  outer.label = "gather";
  const total = unique.length;
  let finished = 0;

  const onChildDone = (child: Future<unknown>): void => {
    finished++;
    if (outer.done()) {
      // Too late to matter: mark the error as seen.
      if (!child.cancelled()) child.exception();
      return;
    }
    if (!returnExceptions) {
      if (child.cancelled()) {
        outer.cancelSelf(cancelMessage(child));
        return;
      }
      const error = child.exception();
      if (failed(child)) {
        outer.setException(error);
        return;
      }
    }
    if (finished < total) return;
    const results = children.map((c) => {
      if (c.cancelled()) return new CancelledError(cancelMessage(c));
      const error = c.exception();
      return failed(c) ? error : c.result();
    });
    if (outer.cancelRequested) {
      outer.cancelSelf(cancelMessage(child));
    } else {
      outer.setResult(results);
    }
  };
  for (const child of unique) child.addDoneCallback(onChildDone);
  return outer;
}
