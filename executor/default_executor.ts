/**
 * `runInExecutor()`: run a function of a module in a pool of Deno Workers and
 * await it as a future of the loop, as asyncio's `run_in_executor()` and
 * `to_thread()` do with threads. Each loop has a default pool, made on first
 * use; `setDefaultExecutor()` gives it one of your own, and
 * `shutdownDefaultExecutor()` (which `run()` calls) lets its jobs finish and
 * ends its Workers. Closing the loop ends them at once.
 *
 * @module
 */

import { describeArgument } from "../loop/describe_value.ts";
import { type EventLoop, onClose } from "../loop/event_loop.ts";
import { Future } from "../loop/future.ts";
import { getRunningLoop } from "../loop/running_loop.ts";
import { WorkerPool } from "./worker_pool.ts";

/** The default pool of a loop, or `null` once it was shut down. */
const pools = new WeakMap<EventLoop, WorkerPool | null>();

function poolOf(loop: EventLoop): WorkerPool {
  let pool = pools.get(loop);
  if (pool === null) {
    throw new Error(
      "Cannot call runInExecutor(): the default executor was shut down; call setDefaultExecutor() to use another",
    );
  }
  if (pool === undefined) remember(loop, pool = new WorkerPool());
  return pool;
}

function remember(loop: EventLoop, pool: WorkerPool | null): void {
  if (!pools.has(loop) && !loop.isClosed()) {
    // Like asyncio's close(): end the default executor without waiting.
    loop[onClose]((closed) => pools.get(closed)?.terminate());
  }
  pools.set(loop, pool);
}

/**
 * The future of a job: cancelling it gives the job up at once, not from a
 * done callback a tick later, when the pool may have started the job on a
 * Worker freed meanwhile.
 */
class JobFuture<T> extends Future<T> {
  readonly #controller: AbortController;
  constructor(loop: EventLoop, controller: AbortController) {
    super(loop);
    this.#controller = controller;
  }
  override cancel(msg?: string): boolean {
    if (!super.cancel(msg)) return false;
    this.#controller.abort();
    return true;
  }
}

/**
 * Runs `exportName(...args)` from the module at `moduleUrl` in the running
 * loop's default executor, a {@linkcode WorkerPool} of Deno Workers made on
 * first use (its size is `navigator.hardwareConcurrency`; set your own with
 * {@linkcode setDefaultExecutor}). Functions cannot cross Workers, so a
 * module URL and an export name stand for the callable. Arguments and the
 * result are structured-cloned; `MessagePort`s among the arguments are
 * transferred. An error thrown by the function comes back with its class,
 * message and the Worker's stack (a built-in class such as `RangeError`;
 * an error of a class of your own comes back as an `Error` with its
 * `name`, so test `name`, not `instanceof`). A job that ends its Worker (`Deno.exit()`,
 * `close()`, an error left uncaught in a timer) fails with an `Error` that
 * says how, and the pool replaces the Worker. Under a `VirtualClock` the
 * loop looks idle while a job runs, so virtual time jumps to the next timer:
 * a timeout around a job fires at once there; test jobs without timers, or
 * on the real clock.
 *
 * **Cancellation**: the result is a future of the loop, one of the waits a
 * cancellation reaches: when it is cancelled (the awaiting task is, a
 * `timeout()` around it expires), the job is given up. A job that has not
 * started never runs; a running one is abandoned (its result dropped), or
 * its Worker terminated if the pool was made with `terminateOnCancel`. The
 * loop goes on. The job learns it was given up: `checkCancelled()` throws
 * `CancelledError` in it and `jobSignal()` aborts, so long work can stop.
 * It must: Deno 2.9 cannot terminate a Worker busy in synchronous code, so
 * a given-up job that never checks runs on to its end, and holds the
 * process open after `run()` returned until then.
 *
 * @typeParam T The result type.
 * @param moduleUrl The module's absolute URL, e.g.
 * `import.meta.resolve("./work.ts")`.
 * @param exportName The exported function to call.
 * @param args Its arguments.
 * @returns A future of the function's result.
 * @throws {Error} If no loop is running, or its default executor was shut
 * down.
 * @throws {TypeError} If `moduleUrl` is not an absolute URL, or `exportName`
 * is not a string.
 *
 * @example Offload a computation
 * ```ts
 * import { run } from "@aio/asyncio/task";
 * import { runInExecutor } from "@aio/asyncio/executor";
 * import assert from "node:assert/strict";
 *
 * const url = "data:text/javascript,export const mul = (a, b) => a * b;";
 * const n = await run(() => runInExecutor<number>(url, "mul", 6, 7));
 * assert.equal(n, 42);
 * ```
 */
export function runInExecutor<T>(
  moduleUrl: string | URL,
  exportName: string,
  ...args: unknown[]
): Future<T> {
  const loop = getRunningLoop();
  const pool = poolOf(loop);
  const controller = new AbortController();
  const future = new JobFuture<T>(loop, controller);
  // Nothing that can throw between submit() and the job's handlers: a job
  // left without them would end the program with an unhandled rejection.
  const job = pool.submit<T>(moduleUrl, exportName, args, {
    signal: controller.signal,
  });
  // For task trees: what a task awaiting this future waits on.
  future.label = `runInExecutor(${exportName})`;
  const settle = (ok: boolean, value: unknown): void => {
    if (loop.isClosed()) return;
    loop.callSoonThreadsafe(() => {
      if (future.done()) return;
      if (ok) future.setResult(value as T);
      else future.setException(value);
    });
  };
  job.then((v) => settle(true, v), (e) => settle(false, e));
  return future;
}

/**
 * Makes `executor` the pool that {@linkcode runInExecutor} uses on `loop`.
 * The loop owns it from then on: `shutdownDefaultExecutor()`, closing the
 * loop and `run()` end it.
 *
 * @param executor The pool.
 * @param loop The loop; the running loop by default.
 * @throws {TypeError} If `executor` is not a WorkerPool.
 * @throws {Error} If the loop already uses a default executor (shut it down
 * first), or is closed.
 *
 * @example Two Workers
 * ```ts
 * import { EventLoop, Future } from "@aio/asyncio/loop";
 * import {
 *   runInExecutor,
 *   setDefaultExecutor,
 *   shutdownDefaultExecutor,
 *   WorkerPool,
 * } from "@aio/asyncio/executor";
 * import assert from "node:assert/strict";
 *
 * using loop = new EventLoop();
 * setDefaultExecutor(new WorkerPool({ size: 2 }), loop);
 * const url = "data:text/javascript,export const neg = (n) => -n;";
 * const result = new Future<number>(loop);
 * loop.callSoon(() => {
 *   runInExecutor<number>(url, "neg", 1).then((n) => result.setResult(n));
 * });
 * assert.equal(await loop.runUntilComplete(result), -1);
 * await shutdownDefaultExecutor(loop);
 * ```
 */
export function setDefaultExecutor(
  executor: WorkerPool,
  loop?: EventLoop,
): void {
  const pool = executor as Partial<WorkerPool> | null;
  if (
    typeof pool?.submit !== "function" || typeof pool.shutdown !== "function"
  ) {
    throw new TypeError(
      `Cannot call setDefaultExecutor(): executor must be a WorkerPool, got ${
        describeArgument(executor)
      }`,
    );
  }
  loop ??= getRunningLoop();
  if (loop.isClosed()) {
    throw new Error("Cannot call setDefaultExecutor(): event loop is closed");
  }
  if (pools.get(loop) != null) {
    throw new Error(
      "Cannot set the default executor: one is already in use; call shutdownDefaultExecutor() first",
    );
  }
  remember(loop, executor);
}

/**
 * Lets the jobs of `loop`'s default executor finish, then ends its Workers;
 * after it, {@linkcode runInExecutor} throws until
 * {@linkcode setDefaultExecutor} gives the loop another pool. `run()` calls
 * it before closing its loop. Calling it again does nothing.
 *
 * @param loop The loop; the running loop by default.
 * @returns A promise that resolves once the Workers ended.
 *
 * @example Shut down twice
 * ```ts
 * import { EventLoop } from "@aio/asyncio/loop";
 * import { shutdownDefaultExecutor } from "@aio/asyncio/executor";
 *
 * using loop = new EventLoop();
 * await shutdownDefaultExecutor(loop);
 * await shutdownDefaultExecutor(loop);
 * ```
 */
export async function shutdownDefaultExecutor(
  loop?: EventLoop,
): Promise<void> {
  loop ??= getRunningLoop();
  const pool = pools.get(loop);
  remember(loop, null);
  await pool?.shutdown();
}
