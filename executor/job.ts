/**
 * Inside a job of a `WorkerPool`: learn that its caller gave up, so the job
 * can stop, as trio's `from_thread.check_cancelled()` lets a thread learn it.
 *
 * A Worker cannot be stopped from outside while it runs synchronous code
 * (Deno 2.9 does not end a Worker busy in a loop, even with `terminate()`),
 * and an abandoned job would otherwise hold its Worker to the end. So when
 * the caller of a running job gives up (its task is cancelled, a timeout
 * around it expires, the `signal` given to `submit()` aborts), the pool
 * marks the job given up in memory it shares with the Worker and tells the
 * Worker; the job sees it with {@linkcode checkCancelled} (synchronous code,
 * between steps) or {@linkcode jobSignal} (asynchronous code: pass it to
 * `fetch`, listen for `abort`).
 *
 * The Worker's entry (`_worker.js`, plain JavaScript) publishes the running
 * job under a global symbol, so a job whose module imports another copy of
 * this library sees it too.
 *
 * A module whose evaluation throws stays failed in its Worker: the runtime
 * throws the same error at every later import of it there. When the job's
 * own module stopped at {@linkcode checkCancelled} as it was imported, the
 * pool replaces the Worker, so later jobs import it afresh. The pool cannot
 * see a module the job imports itself with `import()`: do the long work in
 * a function the job calls, not in a module's top level.
 *
 * @module
 */

import { CancelledError } from "../loop/errors.ts";

/** The running job as the Worker's entry publishes it. */
interface JobContext {
  /** Whether the pool gave the job up (reads the shared memory). */
  givenUp(): boolean;
  /** Calls `fn` once, when the pool's message that it gave up arrives. */
  onGivenUp(fn: () => void): void;
  /** The job's signal's controller, made on first use by {@linkcode jobSignal}. */
  controller?: AbortController;
}

const JOB = Symbol.for("aio.executor.job");

function runningJob(caller: string): JobContext {
  const job = (globalThis as { [JOB]?: JobContext })[JOB];
  if (job === undefined) {
    throw new Error(
      `Cannot call ${caller}: no job of a WorkerPool is running here; call it from a function run with runInExecutor() or WorkerPool.submit()`,
    );
  }
  return job;
}

function givenUpError(): CancelledError {
  return new CancelledError("The job's caller gave it up");
}

/**
 * Throws `CancelledError` if the caller of the running job gave it up (its
 * task was cancelled, a timeout around it expired, its `signal` aborted).
 * Call it between the steps of long synchronous work in a Worker: the pool
 * cannot stop such work from outside. It costs an atomic read.
 *
 * Throwing ends the job; its result would be dropped anyway. With
 * `terminateOnCancel` the Worker is then terminated; else it takes the next
 * job.
 *
 * @throws {CancelledError} If the job was given up.
 * @throws {Error} If no job of a `WorkerPool` is running on this thread.
 *
 * @example A CPU-bound job that stops when its caller gives up
 * ```ts
 * // work.ts, run in a Worker with runInExecutor(url, "countPrimes", n)
 * import { checkCancelled } from "@aio/asyncio/executor";
 *
 * export function countPrimes(below: number): number {
 *   let count = 0;
 *   for (let n = 2; n < below; n++) {
 *     if (n % 4096 === 0) checkCancelled();
 *     let prime = true;
 *     for (let d = 2; d * d <= n; d++) {
 *       if (n % d === 0) {
 *         prime = false;
 *         break;
 *       }
 *     }
 *     if (prime) count++;
 *   }
 *   return count;
 * }
 * ```
 */
export function checkCancelled(): void {
  if (runningJob("checkCancelled()").givenUp()) throw givenUpError();
}

/**
 * The signal of the running job: aborted, with a `CancelledError` as its
 * reason, once its caller gave it up. For asynchronous jobs: pass it to
 * `fetch` and other native calls, or listen for `abort`. (Synchronous code
 * never lets the abort event run: use {@linkcode checkCancelled} there.)
 *
 * @returns The job's signal.
 * @throws {Error} If no job of a `WorkerPool` is running on this thread.
 *
 * @example An asynchronous job that stops its fetch
 * ```ts
 * // work.ts, run in a Worker with runInExecutor(url, "size", address)
 * import { jobSignal } from "@aio/asyncio/executor";
 *
 * export async function size(address: string): Promise<number> {
 *   const response = await fetch(address, { signal: jobSignal() });
 *   return (await response.arrayBuffer()).byteLength;
 * }
 * ```
 */
export function jobSignal(): AbortSignal {
  const job = runningJob("jobSignal()");
  let controller = job.controller;
  if (controller === undefined) {
    controller = job.controller = new AbortController();
    const abort = controller.abort.bind(controller);
    job.onGivenUp(() => abort(givenUpError()));
  }
  // Synchronous code keeps the pool's message waiting: the shared memory
  // already tells.
  if (!controller.signal.aborted && job.givenUp()) {
    controller.abort(givenUpError());
  }
  return controller.signal;
}
