/**
 * `WorkerPool`: the executor behind `runInExecutor()`. It runs an
 * exported function of a module in a pool of Deno Workers, so CPU-bound work
 * does not block the event loop.
 *
 * Functions cannot cross Workers, so a job is named by a module URL and an
 * export name (they stand for Python's picklable callable). Arguments and
 * results are copied with the structured clone algorithm; `MessagePort`s
 * among the arguments are transferred, so a job can talk back (see
 * `RemoteLoop`). An error thrown by the job comes back as an `Error` of the
 * same built-in class (`TypeError`, `RangeError`...; else `Error` with the
 * same `name`; a `DOMException` as one), with the Worker's message and stack,
 * its `cause`, and an `AggregateError`'s `errors`, rebuilt the same way.
 *
 * Workers start lazily, one per job up to `size`, and are reused; jobs
 * beyond that wait in FIFO order. A job whose caller gives up (its `signal`
 * aborts) leaves the queue if it has not started (or, if it was sent to a
 * Worker still starting, that Worker skips it); if it runs, its result is
 * dropped, the job is told (`checkCancelled()` throws in it, `jobSignal()`
 * aborts: see job.ts), and with `terminateOnCancel` its Worker is
 * terminated at once (a new Worker starts when a job needs one).
 *
 * ## What a job may do with `self`
 *
 * The Worker's own message channel belongs to the jobs. The pool talks to
 * each Worker over a private `MessagePort` that it transfers when the Worker
 * starts and that no job can reach; after that first message it posts
 * nothing on the Worker and reads nothing the Worker posts. So a job may
 * call `self.postMessage()` with any value (progress reports...): the
 * message is dropped, it cannot fake a result, a crash or the pool's
 * heartbeat, and it reaches no one (to talk to the main thread, pass a
 * `MessagePort` among the arguments, or use `RemoteLoop`). A job's module
 * may set `self.onmessage` or listen for `message` on `self` (a module
 * written to double as a Worker entry does): it receives nothing from the
 * pool and takes nothing away from it, and later jobs run on that Worker as
 * usual. What a job must not do is end its Worker (below); patching the
 * Worker's globals (`MessagePort.prototype`, `Atomics`...) is out of the
 * contract.
 *
 * ## A Worker that dies
 *
 * No job is left pending when its Worker ends. The job it was running fails
 * with an `Error` that says how and names the job, and a new Worker takes
 * the queue:
 *
 * - `Deno.exit(3)` (or `process.exit(3)`) in a job:
 *   `Worker exited with code 3 while running job <url>#<export>; ...`;
 * - `close()`: `Worker closed itself with close() while running job ...`;
 * - an error left uncaught outside the job's promise (a throw in a timer, a
 *   rejection nobody handles): `Worker crashed while running job ...: <the
 *   error>`. (A job that leaves such a timer behind is not told apart from
 *   the job that runs when it fires.)
 *
 * An error thrown while the job's module is imported is just the job's
 * error: the Worker lives on. (Unless the job was given up meanwhile: the
 * import most likely stopped at `checkCancelled()` or `jobSignal()`, and the
 * runtime would throw that error at every later import of the module in
 * this Worker, so the pool ends the Worker and a new one imports afresh.)
 *
 * How a death is seen, with no timer and no heartbeat: Deno tells the host
 * nothing when a Worker ends itself (`Deno.exit()` in a Worker is an alias of
 * `close()` and the code is dropped; no `error`, `messageerror` or `close`
 * event, and a `MessagePort` held by the Worker fires nothing either). But
 * Web Locks held by a Worker are released when it ends, however it ends. So
 * each Worker holds an exclusive lock named after it for its whole life, and
 * the pool keeps one request for that lock pending: when it is granted, the
 * Worker is gone. `Deno.exit` and `close` are wrapped in the Worker to write
 * the exit code into a small `SharedArrayBuffer` first, which the pool reads
 * once it holds the lock. The Worker also records there the last job it
 * started and answered: a job sent to a Worker that was already ending never
 * started, so it goes back to the front of the queue (no job runs twice),
 * and an answer posted just before the end is waited for, not lost. The
 * cost is one pending lock request per Worker: a job costs the same as
 * before, within the noise of `executor_bench.ts`, and a job that calls
 * `Deno.exit()` is failed about 0.6 ms (median) after it was sent to a warm
 * Worker (measured on Deno 2.9.6). It needs `navigator.locks`, which
 * Deno 2.9 has; without it a Worker's death goes unnoticed, as before.
 *
 * Known limit: a Worker that runs out of memory takes the whole process
 * with it. Deno has no per-Worker heap limit (`new Worker()` takes no
 * resource limits; `node:worker_threads`' `resourceLimits` stop a Worker
 * at the limit but leave it hung, with no `exit` event and its locks still
 * held), and V8 aborts the process when any isolate reaches the heap limit:
 * measured on Deno 2.9.6, a Worker allocating without bound ends the
 * process after about 6 s at a 4 GB heap, with `Fatal JavaScript out of
 * memory` and status 133 (SIGTRAP). `executor_test.ts` keeps this as a
 * test. Bound a job's memory yourself, or run it in a subprocess.
 *
 * Worker module URLs need `--allow-read` for `file:` modules. Workers inherit
 * the program's permissions. A live Worker keeps the process alive: end the
 * pool with `shutdown()` (graceful) or `terminate()` (at once); `run()` does
 * it for the loop's default pool.
 *
 * Costs, measured with `executor_bench.ts`: starting a Worker takes the main
 * thread tens of milliseconds (Deno builds an isolate), so the first jobs of
 * a cold pool pay it; a job then costs about 45–60 µs of overhead (a round
 * trip of messages and two structured clones). Offload work that takes
 * milliseconds, not microseconds. A Worker runs one job at a time.
 *
 * @module
 */

import { describeArgument } from "../loop/describe_value.ts";
import { rejectIfAborted } from "../loop/signal_options.ts";
import { Deque } from "../loop/deque.ts";
import { afterCalls } from "./loop_channel.ts";

/** Options for {@linkcode WorkerPool}. */
export interface WorkerPoolOptions {
  /**
   * The most Workers the pool runs at once.
   *
   * @default {navigator.hardwareConcurrency}
   */
  size?: number;
  /**
   * Terminate the Worker of a running job whose caller gave up, instead of
   * letting it finish and dropping its result. Use it for jobs that may run
   * for long; the price is a new Worker for the next job. Deno 2.9 cannot
   * stop a Worker busy in synchronous code (measured: a job in `for (;;)
   * {}` runs on after `terminate()`, and the process never exits), so a
   * CPU-bound job must also call `checkCancelled()` now and then to stop.
   *
   * @default {false}
   */
  terminateOnCancel?: boolean;
}

/** Options for {@linkcode WorkerPool.submit}. */
export interface SubmitOptions {
  /**
   * Aborting it gives up on the job: the promise rejects with the signal's
   * reason, a queued job never starts, a running one is abandoned (or its
   * Worker terminated, see `terminateOnCancel`).
   *
   * @default {undefined}
   */
  signal?: AbortSignal;
  /**
   * Overrides the pool's `terminateOnCancel` for this job.
   *
   * @default {the pool's setting}
   */
  terminateOnCancel?: boolean;
}

const QUEUED = 0;
const RUNNING = 1;
const SETTLED = 2;

interface Job {
  readonly id: number;
  readonly url: string;
  readonly name: string;
  readonly args: unknown[];
  readonly terminateOnCancel: boolean;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | null;
  state: 0 | 1 | 2;
  worker: PoolWorker | null;
}

interface PoolWorker {
  readonly worker: Worker;
  /**
   * The pool's end of its private channel with the Worker: jobs go out and
   * answers come back here, never on the Worker's own channel, which its
   * jobs may use.
   */
  readonly port: MessagePort;
  /** The Web Lock it holds while it lives; also its name. */
  readonly lock: string;
  /**
   * Written by the Worker: `[state, code, last job started, last job
   * answered]`; then by the pool: the last job given up. Job ids masked
   * with `ID_MASK`.
   */
  readonly life: Int32Array;
  /** The Worker ended while its answer was on the way: run after it. */
  gone: (() => void) | null;
  /** Aborts the pool's request of `lock`, when the pool ends the Worker. */
  watch: AbortController | null;
  /** The job it runs, or `null` when idle. */
  job: Job | null;
  /** The job it runs was given up: the result is dropped. */
  abandoned: boolean;
}

interface ErrorMessage {
  name: string;
  message: string;
  stack: string | undefined;
  errors?: ErrorMessage[];
  cause?: ErrorMessage;
  /** A `DOMException` (an `AbortError`, a `DataCloneError`...). */
  dom?: true;
}

type ResultMessage =
  | { id: number; ok: true; value: unknown; sent?: number[] }
  | {
    id: number;
    ok: false;
    error: ErrorMessage;
    /**
     * The calls the job posted through each of its `MessagePort`
     * arguments: the answer waits until their channels received them.
     */
    sent?: number[];
    /**
     * The job was given up while its module was imported: the Worker
     * keeps the module's failed evaluation, and must not run more jobs.
     */
    retire?: boolean;
  }
  | { alive: boolean }
  | { crash: ErrorMessage };

const WORKER_URL = new URL("./_worker.js", import.meta.url);

// The layout of a Worker's `life` array, shared with _worker.js.
const LIFE_STATE = 0;
const LIFE_CODE = 1;
const LIFE_STARTED = 2;
const LIFE_ANSWERED = 3;
const LIFE_GIVEN_UP = 4;
const EXITED = 1;
const CLOSED = 2;
/** Job ids in `life` are masked to fit an Int32. */
const ID_MASK = 0x7fffffff;

/** The part of the Web Locks API the pool uses (not in Deno's types). */
interface LockManagerLike {
  request(
    name: string,
    options: { signal: AbortSignal },
    callback: () => void,
  ): Promise<unknown>;
}

function lockManager(): LockManagerLike | undefined {
  const locks =
    (globalThis.navigator as { locks?: LockManagerLike } | undefined)
      ?.locks;
  return typeof locks?.request === "function" ? locks : undefined;
}

const ERROR_CLASSES: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

function rebuildError(e: ErrorMessage): Error {
  const options = e.cause === undefined
    ? undefined
    : { cause: rebuildError(e.cause) };
  let error: Error;
  if (e.dom === true) {
    error = new DOMException(e.message, e.name);
    if (options !== undefined) error.cause = options.cause;
  } else if (e.errors !== undefined) {
    error = new AggregateError(e.errors.map(rebuildError), e.message, options);
  } else {
    // Own keys only: a job may name its error "constructor" or "toString",
    // which `Object.prototype` would otherwise answer.
    const Ctor = Object.hasOwn(ERROR_CLASSES, e.name)
      ? ERROR_CLASSES[e.name]!
      : Error;
    error = new Ctor(e.message, options);
  }
  if (error.name !== e.name) error.name = e.name;
  if (e.stack !== undefined) error.stack = e.stack;
  return error;
}

function defaultSize(): number {
  const n = globalThis.navigator?.hardwareConcurrency;
  return typeof n === "number" && n >= 1 ? n : 4;
}

/**
 * A pool of Deno Workers that runs exported functions of modules. The event
 * loop creates one lazily for `runInExecutor()`; create your own to choose
 * its size and pass it to `setDefaultExecutor()`, or use it directly.
 *
 * Its Workers, idle ones too, keep the process alive: end a pool you use
 * directly with `await using`, `shutdown()` or `terminate()`, or the
 * program never exits. (A pool given to `setDefaultExecutor()` is the
 * loop's: `run()` shuts it down.)
 *
 * @example Run a function of a module in a Worker
 * ```ts
 * import { WorkerPool } from "@aio/asyncio/executor";
 * import assert from "node:assert/strict";
 *
 * await using pool = new WorkerPool({ size: 1 });
 * const url = "data:text/javascript,export const add = (a, b) => a + b;";
 * assert.equal(await pool.submit<number>(url, "add", [2, 3]), 5);
 * ```
 */
export class WorkerPool implements AsyncDisposable {
  /** The most Workers that run at once. */
  readonly size: number;
  readonly #terminateOnCancel: boolean;
  readonly #workers = new Set<PoolWorker>();
  readonly #queue = new Deque<Job>();
  #queued = 0;
  /** Answered jobs whose answer waits for the calls they posted. */
  readonly #held = new Set<Job>();
  #nextId = 0;
  #closed = false;
  #dispatchQueued = false;
  #drained: PromiseWithResolvers<void> | null = null;

  /**
   * Creates an empty pool; Workers start when jobs arrive.
   *
   * @param options Size and cancellation behaviour.
   * @throws {RangeError} If `size` is not a positive integer.
   *
   * @example A pool of two
   * ```ts
   * import { WorkerPool } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * await using pool = new WorkerPool({ size: 2 });
   * assert.equal(pool.size, 2);
   * assert.equal(pool.workerCount, 0);
   * ```
   */
  constructor(options?: WorkerPoolOptions) {
    const size = options?.size ?? defaultSize();
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(
        `Cannot create WorkerPool: size must be a positive integer, got ${
          describeArgument(size)
        }`,
      );
    }
    this.size = size;
    this.#terminateOnCancel = options?.terminateOnCancel ?? false;
  }

  /**
   * How many Workers are alive now (idle or busy).
   *
   * @example Lazy start
   * ```ts
   * import { WorkerPool } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * await using pool = new WorkerPool({ size: 4 });
   * const url = "data:text/javascript,export const id = (x) => x;";
   * await pool.submit(url, "id", [1]);
   * await pool.submit(url, "id", [2]);
   * assert.equal(pool.workerCount, 1);
   * ```
   */
  get workerCount(): number {
    return this.#workers.size;
  }

  /**
   * How many jobs wait for a free Worker.
   *
   * @example Nothing queued
   * ```ts
   * import { WorkerPool } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * await using pool = new WorkerPool({ size: 1 });
   * assert.equal(pool.queued, 0);
   * ```
   */
  get queued(): number {
    return this.#queued;
  }

  /**
   * Whether `shutdown()` or `terminate()` was called.
   *
   * @example After shutdown
   * ```ts
   * import { WorkerPool } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * const pool = new WorkerPool();
   * await pool.shutdown();
   * assert.ok(pool.isShutDown());
   * ```
   *
   * @returns `true` once shut down.
   */
  isShutDown(): boolean {
    return this.#closed;
  }

  /**
   * Runs `exportName(...args)` from the module at `moduleUrl` in a Worker
   * and resolves with its result (awaited if it is a promise).
   *
   * **Cancellation**: aborting `signal` rejects the promise at once with the
   * signal's reason. A job that has not started leaves the queue and never
   * runs; a running job is abandoned (its result is dropped; it can stop
   * early with `checkCancelled()` or `jobSignal()`) or, with
   * `terminateOnCancel`, its Worker is terminated. The pool stays usable.
   *
   * @typeParam T The result type.
   * @param moduleUrl An absolute URL: `import.meta.resolve("./work.ts")`,
   * `new URL("../loop/work.ts", import.meta.url)`, or a `data:` URL.
   * @param exportName The exported function to call.
   * @param args Its arguments, structured-cloned (`MessagePort`s among them
   * are transferred).
   * @param options A signal to give up, and whether to terminate on abort.
   * @returns The function's result, structured-cloned.
   * @throws {TypeError} If `exportName` is not a string (thrown at once).
   * @throws {TypeError} If `moduleUrl` is not an absolute URL (thrown at
   * once), or the module has no such function (the promise rejects).
   * @throws {Error} If the pool is shut down (thrown at once), the Worker
   * exited, closed itself or crashed while running the job, the pool was
   * terminated, or whatever the function threw (the promise rejects).
   *
   * @example Errors come back with their class and message
   * ```ts
   * import { WorkerPool } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * await using pool = new WorkerPool({ size: 1 });
   * const url =
   *   "data:text/javascript,export function f(n) { throw new RangeError('bad ' + n); }";
   * await assert.rejects(pool.submit(url, "f", [7]), {
   *   name: "RangeError",
   *   message: "bad 7",
   * });
   * ```
   *
   * @example A job that ends its Worker fails; the next one runs
   * ```ts
   * import { WorkerPool } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * await using pool = new WorkerPool({ size: 1 });
   * const url = "data:text/javascript,export const quit = (n) => Deno.exit(n);" +
   *   " export const twice = (n) => 2 * n;";
   * const quitting = pool.submit(url, "quit", [3]);
   * const next = pool.submit<number>(url, "twice", [21]);
   * await assert.rejects(quitting, /^Error: Worker exited with code 3 while running job data:.*#quit/);
   * assert.equal(await next, 42);
   * ```
   */
  submit<T>(
    moduleUrl: string | URL,
    exportName: string,
    args: readonly unknown[] = [],
    options?: SubmitOptions,
  ): Promise<T> {
    if (this.#closed) {
      throw new Error(
        "Cannot submit a job: the worker pool is shut down; create a new WorkerPool",
      );
    }
    const url = absoluteUrl(moduleUrl);
    if (typeof exportName !== "string") {
      throw new TypeError(
        `Cannot submit a job: exportName must be a string, got ${
          describeArgument(exportName)
        }`,
      );
    }
    const signal = options?.signal;
    const rejected = rejectIfAborted(signal);
    if (rejected !== null) return rejected;
    const { promise, resolve, reject } = Promise.withResolvers<T>();
    const job: Job = {
      id: this.#nextId++,
      url,
      name: exportName,
      args: [...args],
      terminateOnCancel: options?.terminateOnCancel ?? this.#terminateOnCancel,
      resolve: resolve as (value: unknown) => void,
      reject,
      signal,
      onAbort: null,
      state: QUEUED,
      worker: null,
    };
    if (signal !== undefined) {
      job.onAbort = () => this.#abort(job);
      signal.addEventListener("abort", job.onAbort, { once: true });
    }
    this.#queue.push(job);
    this.#queued++;
    this.#dispatch();
    return promise;
  }

  /**
   * Stops taking jobs, waits for the jobs queued or running that were not
   * given up, then terminates every Worker. A job is given up when its
   * caller gives up: its task is cancelled, a timeout around it expires, or
   * the `signal` given to `submit()` aborts. Jobs given up are not waited
   * for: their Workers are terminated at once. A job whose result nobody
   * awaits is not given up, and is waited for. Idempotent.
   *
   * Deno 2.9 cannot stop a Worker busy in synchronous code: a job given up
   * that never calls `checkCancelled()` runs on after this promise resolves,
   * and the process cannot exit until it returns (forever, for a job that
   * never does).
   *
   * **Cancellation**: this wait cannot be cancelled; call
   * {@linkcode WorkerPool.terminate} to end the jobs at once instead.
   *
   * @returns A promise that resolves once every Worker is gone.
   *
   * @example Queued jobs still finish
   * ```ts
   * import { WorkerPool } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * const pool = new WorkerPool({ size: 1 });
   * const url = "data:text/javascript,export const sq = (x) => x * x;";
   * const results = [1, 2, 3].map((n) => pool.submit<number>(url, "sq", [n]));
   * await pool.shutdown();
   * assert.deepEqual(await Promise.all(results), [1, 4, 9]);
   * assert.equal(pool.workerCount, 0);
   * ```
   */
  async shutdown(): Promise<void> {
    this.#closed = true;
    for (const w of [...this.#workers]) {
      if (w.job === null || w.abandoned) this.#kill(w);
    }
    // A job queued behind an abandoned one waited for the Worker just
    // ended: it gets a new one.
    this.#dispatch();
    if (this.#workers.size > 0 || this.#queued > 0 || this.#held.size > 0) {
      this.#drained ??= Promise.withResolvers<void>();
      await this.#drained.promise;
    }
  }

  /**
   * Terminates every Worker now and rejects every job queued or running
   * with an `Error`. Idempotent. (A job busy in synchronous code runs on
   * until it returns or calls `checkCancelled()`: see
   * {@linkcode WorkerPool.shutdown}.)
   *
   * @example Terminate with a job running
   * ```ts
   * import { WorkerPool } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * const pool = new WorkerPool({ size: 1 });
   * const url = "data:text/javascript,export const never = () => new Promise(() => {});";
   * const job = pool.submit(url, "never");
   * pool.terminate();
   * await assert.rejects(job, /terminated/);
   * ```
   */
  terminate(): void {
    this.#closed = true;
    const error = (): Error =>
      new Error("Cannot finish job: the worker pool was terminated");
    for (const w of [...this.#workers]) {
      const job = w.job;
      if (job !== null) giveUp(w, job);
      this.#kill(w);
      if (job !== null) this.#settle(job, false, error());
    }
    for (let job = this.#queue.shift(); job; job = this.#queue.shift()) {
      if (job.state === QUEUED) this.#settle(job, false, error());
    }
    for (const job of this.#held) this.#settle(job, false, error());
    this.#held.clear();
    this.#queued = 0;
    this.#checkDrained();
  }

  /**
   * Same as {@linkcode WorkerPool.shutdown}, for `await using`.
   *
   * @returns A promise that resolves once every Worker is gone.
   *
   * @example Shut down at scope exit
   * ```ts
   * import { WorkerPool } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * let outer: WorkerPool;
   * {
   *   await using pool = new WorkerPool();
   *   outer = pool;
   * }
   * assert.ok(outer.isShutDown());
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  #dispatch(): void {
    while (this.#queued > 0) {
      let free: PoolWorker | undefined;
      for (const w of this.#workers) {
        if (w.job === null) {
          free = w;
          break;
        }
      }
      if (free === undefined) {
        if (this.#workers.size >= this.size) return;
        free = this.#spawn();
      }
      const job = this.#queue.shift()!;
      if (job.state !== QUEUED) continue; // given up while queued
      this.#queued--;
      this.#start(free, job);
    }
    this.#checkDrained();
  }

  #start(w: PoolWorker, job: Job): void {
    // Ids are masked to 31 bits in `life`: the mark of a job given up here
    // long ago must not match this one.
    Atomics.store(w.life, LIFE_GIVEN_UP, -1);
    // Running before the copy: cloning the arguments runs their getters,
    // which may abort this job or submit another.
    job.state = RUNNING;
    job.worker = w;
    w.job = job;
    w.abandoned = false;
    try {
      // In the `try` too: `instanceof` throws on a revoked proxy.
      const transfer = portsOf(job.args);
      w.port.postMessage(
        { id: job.id, url: job.url, name: job.name, args: job.args },
        transfer as Transferable[],
      );
    } catch (error) {
      // The arguments cannot be cloned: the Worker stays idle.
      if (w.job === job) {
        w.job = null;
        job.worker = null;
      }
      // A getter may have settled it (its signal aborted) meanwhile.
      if ((job.state as number) !== SETTLED) this.#settle(job, false, error);
      this.#dispatch();
    }
  }

  #spawn(): PoolWorker {
    const lock = `aio-worker-${crypto.randomUUID()}`;
    const worker = new Worker(WORKER_URL, { type: "module", name: lock });
    const life = new Int32Array(new SharedArrayBuffer(20));
    life[LIFE_STARTED] = life[LIFE_ANSWERED] = life[LIFE_GIVEN_UP] = -1;
    const { port1: port, port2 } = new MessageChannel();
    worker.postMessage({ init: { lock, life: life.buffer, port: port2 } }, [
      port2,
    ]);
    const w: PoolWorker = {
      worker,
      port,
      lock,
      life,
      watch: null,
      gone: null,
      job: null,
      abandoned: false,
    };
    // What a job posts on `self` arrives on `worker` and is not read: the
    // pool's messages come on `port` only (see the module doc).
    port.onmessage = (event: MessageEvent<ResultMessage>) => {
      this.#onResult(w, event.data);
    };
    port.onmessageerror = () => {
      this.#onResult(w, {
        id: w.job?.id ?? -1,
        ok: false,
        error: {
          name: "Error",
          message: "Cannot receive the job's result: it could not be cloned",
          stack: undefined,
        },
      });
    };
    worker.onerror = (event: ErrorEvent) => {
      // An error that escaped the Worker's own handlers: whether it started
      // the job it was sent is unknown, so that job fails.
      event.preventDefault();
      this.#onDeath(w, false, (job) => crashMessage(job, event.message));
    };
    this.#workers.add(w);
    return w;
  }

  /** The Worker holds its lock: ask for it, to learn when the Worker ends. */
  #watch(w: PoolWorker): void {
    const locks = lockManager();
    if (locks === undefined || !this.#workers.has(w)) return;
    const controller = new AbortController();
    w.watch = controller;
    locks.request(w.lock, { signal: controller.signal }, () => {
      if (this.#workers.has(w)) this.#onGone(w);
    }).catch(() => {
      // Aborted by #kill(): the pool ended the Worker itself.
    });
  }

  /** The lock was granted: the Worker ended by itself. */
  #onGone(w: PoolWorker): void {
    w.watch = null;
    const state = Atomics.load(w.life, LIFE_STATE);
    const how = state === EXITED
      ? `exited with code ${Atomics.load(w.life, LIFE_CODE)}`
      : state === CLOSED
      ? "closed itself with close()"
      // Its thread ended without Deno.exit() or close(): no job we know of
      // can do that, but the lock tells all the same.
      : "stopped";
    const die = (): void =>
      this.#onDeath(
        w,
        true,
        (job) =>
          `Worker ${how} while running job ${
            jobName(job)
          }; a job must return or throw, not end its Worker`,
      );
    const job = w.job;
    if (
      job !== null &&
      Atomics.load(w.life, LIFE_ANSWERED) === (job.id & ID_MASK)
    ) {
      // Its answer was posted before it ended, and is still on the way
      // (messages and the lock travel apart): take the answer first.
      w.gone = die;
      return;
    }
    die();
  }

  /**
   * The Worker died, or crashed and starts nothing more: its job fails, or,
   * if `knowsStarted` and the Worker never started it (it was sent while the
   * Worker was ending), goes back to the front of the queue. A new Worker
   * takes the queue. A job is never run twice: the Worker records the id of
   * each job it starts in `life` before running it.
   */
  #onDeath(
    w: PoolWorker,
    knowsStarted: boolean,
    describe: (job: Job) => string,
  ): void {
    const job = w.job;
    const abandoned = w.abandoned;
    const started = Atomics.load(w.life, LIFE_STARTED);
    this.#kill(w);
    if (job !== null && !abandoned) {
      if (knowsStarted && started !== (job.id & ID_MASK)) {
        job.state = QUEUED;
        this.#queue.unshift(job);
        this.#queued++;
      } else {
        this.#settle(job, false, new Error(describe(job)));
      }
    }
    this.#dispatch();
  }

  #onResult(w: PoolWorker, message: ResultMessage): void {
    if ("alive" in message) {
      if (message.alive) this.#watch(w);
      return;
    }
    if ("crash" in message) {
      const { name, message: text } = message.crash;
      this.#onDeath(w, true, (job) => crashMessage(job, `${name}: ${text}`));
      return;
    }
    const job = w.job;
    if (job === null || job.id !== message.id) return;
    w.job = null;
    job.worker = null;
    if (!w.abandoned) {
      const settle = message.ok
        ? () => this.#settle(job, true, message.value)
        : () => this.#settle(job, false, rebuildError(message.error));
      if (message.sent === undefined) settle();
      else {
        // Held until the calls the job posted arrived (loop_channel.ts).
        this.#held.add(job);
        afterCalls(portsOf(job.args), message.sent, () => {
          if (!this.#held.delete(job)) return; // aborted or terminated
          settle();
          this.#checkDrained();
        });
      }
    }
    w.abandoned = false;
    if (w.gone !== null) {
      w.gone();
      return;
    }
    if (!message.ok && message.retire === true) {
      // A new Worker imports the module afresh for the next job.
      this.#kill(w);
      this.#dispatch();
      return;
    }
    if (this.#closed && this.#queued === 0) this.#kill(w);
    this.#dispatch();
  }

  #abort(job: Job): void {
    if (job.state === SETTLED) return;
    const reason = job.signal!.reason;
    if (this.#held.delete(job)) {
      // Answered, its Worker free: only the answer is dropped.
      this.#settle(job, false, reason);
      this.#checkDrained();
      return;
    }
    if (job.state === QUEUED) {
      this.#queued--;
      this.#settle(job, false, reason);
      this.#checkDrained();
      return;
    }
    const w = job.worker!;
    this.#settle(job, false, reason);
    giveUp(w, job);
    if (job.terminateOnCancel || this.#closed) {
      this.#kill(w);
      // Not at once: callers give up in batches (a task group cancels all
      // its tasks), and the jobs queued behind this one may be given up
      // next in the same run of code. A Worker started for each (tens of
      // milliseconds of the main thread) could start its job, doomed.
      this.#dispatchSoon();
    } else {
      w.abandoned = true;
    }
  }

  /** Dispatches once the code running now (and its microtasks) ran. */
  #dispatchSoon(): void {
    if (this.#dispatchQueued) return;
    this.#dispatchQueued = true;
    queueMicrotask(() => {
      this.#dispatchQueued = false;
      this.#dispatch();
    });
  }

  #settle(job: Job, ok: boolean, value: unknown): void {
    if (job.state === SETTLED) return;
    job.state = SETTLED;
    if (job.onAbort !== null) {
      job.signal!.removeEventListener("abort", job.onAbort);
      job.onAbort = null;
    }
    if (ok) job.resolve(value);
    else job.reject(value);
  }

  #kill(w: PoolWorker): void {
    if (!this.#workers.delete(w)) return;
    w.watch?.abort();
    w.watch = null;
    w.gone = null;
    w.port.onmessage = null;
    w.port.onmessageerror = null;
    w.port.close();
    w.worker.onerror = null;
    w.worker.terminate();
    if (w.job !== null) w.job.worker = null;
    w.job = null;
  }

  #checkDrained(): void {
    if (!this.#closed || this.#queued > 0) return;
    for (const w of [...this.#workers]) {
      if (w.job === null || w.abandoned) this.#kill(w);
    }
    // Answered jobs held for their calls: shutdown() waits for them too.
    if (this.#workers.size > 0 || this.#held.size > 0) return;
    this.#drained?.resolve();
  }
}

/**
 * Tells the Worker that runs `job` that its caller gave it up, for
 * `checkCancelled()` and `jobSignal()` (job.ts): in the shared memory, which
 * synchronous code reads, and by a message, which aborts the job's signal.
 * Needed even when the Worker is terminated next: Deno does not end a
 * Worker busy in synchronous code.
 */
/** The `MessagePort`s among a job's arguments: transferred, in order. */
function portsOf(args: readonly unknown[]): MessagePort[] {
  return args.filter((a) => a instanceof MessagePort);
}

function giveUp(w: PoolWorker, job: Job): void {
  Atomics.store(w.life, LIFE_GIVEN_UP, job.id & ID_MASK);
  try {
    w.port.postMessage({ givenUp: job.id });
  } catch {
    // The port is closed: the Worker is ending anyway.
  }
}

function jobName(job: Job): string {
  return `${job.url}#${job.name}`;
}

function crashMessage(job: Job, error: string): string {
  return `Worker crashed while running job ${
    jobName(job)
  }: ${error}; catch errors in the job's timers and callbacks, or await them`;
}

function absoluteUrl(moduleUrl: string | URL): string {
  const text = String(moduleUrl);
  if (!URL.canParse(text)) {
    throw new TypeError(
      `Cannot run a job: moduleUrl must be an absolute URL such as import.meta.resolve("./work.ts"), got "${text}"`,
    );
  }
  return text;
}
