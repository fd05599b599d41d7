/**
 * The event loop: a FIFO ready queue, a timer heap on one host timer, and
 * the rule that makes async functions behave like asyncio tasks.
 *
 * ## How a tick stays exact
 *
 * One tick moves the due timers to the ready queue and runs exactly the
 * callbacks that were ready when it began. A task resumed by one of those
 * callbacks does not run inside the callback: JS resumes an async function in
 * microtasks, after the tick's synchronous loop. asyncio promises that a task
 * resumed in tick N runs to its next wait before tick N+1 starts, and tests
 * depend on that order.
 *
 * The loop therefore knows which tasks it resumed: the task module reports a
 * task as *stepping* when it is resumed and as done stepping when it reaches
 * its next wait on a library future or finishes. After the tick, while any
 * task is stepping, the loop hops one microtask at a time (each `await` of
 * the loop's driver lets every microtask queued before it run). A resumed
 * task needs about three microtasks to reach its next wait, so this is
 * cheap, and exact: the next tick starts as soon as the last resumed task
 * parks. A task that instead waits on a host promise (`fetch`, a raw socket
 * read) never reports back; after 64 hops the loop yields one macrotask,
 * which drains the whole microtask queue, and from then on treats such tasks
 * as parked outside the loop. (While a cancellation watches for the code's
 * reaction, see {@linkcode watchReactions}, the loop hops up to 4,096 times
 * first.) A macrotask between every tick would also be
 * exact, but costs about 7 µs per tick (measured on this machine), which is
 * more than a whole tick of callbacks.
 *
 * Within a tick, the resumed tasks run after all of the tick's callbacks,
 * interleaved at their native `await`s; asyncio would run each one inside
 * its wake-up callback. Serializing them would cost one hop sequence per
 * task; the contract (nothing of tick N+1 before every step of tick N ends)
 * holds either way.
 *
 * In debug mode the loop times each settling phase, which is where resumed
 * tasks' code runs, and reports a slow one with the tasks' names, as it
 * reports slow callbacks.
 *
 * The loop runs ticks back to back synchronously while callbacks are ready,
 * and every 4 ms of busy work yields one macrotask so socket, file and host
 * timer completions get in: callbacks that keep scheduling callbacks never
 * starve the host.
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import { Deque } from "./deque.ts";
import { describeArgument, describeValue } from "./describe_value.ts";
import { Future } from "./future.ts";
import { reportUnretrieved } from "./_unretrieved.ts";
import { formatReport } from "./_format_report.ts";
import { Handle, NO_CALL_ARGS, TimerHandle, withCallArgs } from "./handle.ts";
import { Heap } from "./_heap.ts";
import { hostPark, macrotask } from "./_macrotask.ts";
import { MonotonicClock } from "./monotonic_clock.ts";
import { getRunning, setRunning } from "./_running.ts";

// deno-lint-ignore no-explicit-any
type Callback = (...args: any[]) => unknown;

// The loop's protocol with the layers above it: symbol-keyed methods,
// exported from this file but from no `mod.ts`, so they are not public API.
// task/ reports its steps (see the module doc); task/ and executor/ learn
// that a loop closed through `onClose`, the one place where the loop calls
// up into a layer above (an inversion, kept per loop and private).

/** A task starts a step: `loop[stepBegin](task, soft)` returns a token. */
export const stepBegin: unique symbol = Symbol("aio.stepBegin");
/** A task's step ended: `loop[stepEnd](token)`. */
export const stepEnd: unique symbol = Symbol("aio.stepEnd");
/** Whether the loop still waits for a step: `loop[stepLive](token)`. */
export const stepLive: unique symbol = Symbol("aio.stepLive");
/**
 * Whether the loop is running a tick (its callbacks, then the steps of the
 * tasks they resumed), not waiting for the host: `loop[inTick]()`.
 */
export const inTick: unique symbol = Symbol("aio.inTick");
/** Registers a function `close()` calls: `loop[onClose](listener)`. */
export const onClose: unique symbol = Symbol("aio.onClose");
/**
 * Whether a wait that need not wait must give the loop a turn anyway:
 * `loop[busyTick]()`; see the method.
 */
export const busyTick: unique symbol = Symbol("aio.busyTick");
/**
 * Queues the library's own `job(arg)` on `loop` for the next tick, as
 * `callSoon()` does but without a `Handle`: nobody cancels these (a task's
 * start, a future's callbacks, a `sleep(0)`), and a handle each was a
 * quarter of a task's allocations. A loop whose `callSoon()` is overridden
 * (tracing, timing), or a loop of another copy of this library, gets the
 * job through its `callSoon()`, as asyncio's `call_soon()` override does.
 *
 * @throws {Error} If the loop is closed.
 */
export let callSoonJob: <A>(
  loop: EventLoop,
  job: (arg: A) => void,
  arg: A,
) => void;

/** How many cancellations watch for the code's reaction; see below. */
let watchedReactions = 0;

/**
 * A cancellation that reached only futures the code may have left behind
 * watches (`+1`) for the code's reaction until it decides (`-1`); see
 * loop/cancel_scope.ts. Meanwhile a tick hops up to `REACTION_HOPS`
 * microtasks before it lets the host run: code a host event resumes then
 * runs outside the tick, where it is not taken for the reaction, and a long
 * in-memory reaction (a flush of buffered data) still runs inside it.
 *
 * @param delta `1` when a cancellation starts watching, `-1` when it stops.
 */
export function watchReactions(delta: 1 | -1): void {
  watchedReactions += delta;
}

/** Options for {@linkcode EventLoop}. */
export interface EventLoopOptions {
  /**
   * The time source. Pass a `VirtualClock` for deterministic tests.
   *
   * @default {new MonotonicClock()}
   */
  clock?: Clock;
  /**
   * Debug mode: report slow callbacks, and tasks' creation sites.
   *
   * @default {false}
   */
  debug?: boolean;
  /**
   * In debug mode, callbacks running longer than this are reported.
   *
   * @default {100}
   */
  slowCallbackMs?: number;
}

/** What the exception handler is told about an error the loop caught. */
export interface ExceptionContext {
  /** A sentence that says what happened. */
  message: string;
  /** The error, when there is one. */
  exception?: unknown;
  /** The callback handle that threw. */
  handle?: Handle;
  /**
   * The future involved. Not set on "exception was never retrieved": a
   * failed future is not kept alive for its report (made once it is
   * collected, or when the loop closes), so the message names it instead.
   */
  future?: unknown;
  /** The task involved; not set on "never retrieved" either (see `future`). */
  task?: unknown;
  /** Anything else a reporter adds. */
  [key: string]: unknown;
}

/** A function that receives errors the loop caught. */
export type ExceptionHandler = (
  loop: EventLoop,
  context: ExceptionContext,
) => void;

/** Hops of the loop's driver before it falls back to a macrotask. */
const MAX_HOPS = 64;
/**
 * Hops before that fallback while a cancellation waits to see whether the
 * task's code reacts to it (see {@linkcode watchReactions}).
 */
const REACTION_HOPS = 4096;
/** The longest host timer: 2^31 - 1 ms (about 24.8 days). */
const MAX_HOST_DELAY = 2 ** 31 - 1;
/** What a tick awaits for one microtask hop: nothing allocated per hop. */
const SETTLED: Promise<void> = Promise.resolve();
/**
 * Hops the loop waits for soft steps (tasks that may be parked on other
 * waits of theirs): a hard step's budget, but with no macrotask after it.
 */
const SOFT_HOPS = 64;
/** Busy time after which the loop yields to the host, in milliseconds. */
const YIELD_EVERY_MS = 4;
/**
 * Waits that need not wait, in one tick, after which the loop times them
 * (a power of two: it checks the time every so many).
 */
const BUSY_WAITS = 256;
/**
 * Time without a wait on the host after which the loop's yield is one that
 * lets the host poll its sockets (see `hostPark()`): the longest a busy
 * loop keeps arrived data, connections and host timers waiting, in
 * milliseconds. Such a yield costs a millisecond or two.
 */
const PARK_EVERY_MS = 50;
/** Purge cancelled timers once they are this many and half the heap. */
const MIN_PURGE = 64;

/**
 * An explicit event loop, as in asyncio: callbacks, timers, futures and
 * tasks, on a clock you choose.
 *
 * @example Two callbacks, then stop
 * ```ts
 * import { EventLoop } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * using loop = new EventLoop();
 * const order: string[] = [];
 * loop.callSoon(() => order.push("first"));
 * loop.callSoon(() => {
 *   order.push("second");
 *   loop.stop();
 * });
 * await loop.runForever();
 * assert.deepEqual(order, ["first", "second"]);
 * ```
 */
export class EventLoop implements Disposable {
  readonly #clock: Clock;
  readonly #virtual: boolean;
  /**
   * Handles, and jobs (see `callSoonJob`): a job is two slots, the
   * function and its argument; a handle is an object, never a function.
   */
  readonly #ready = new Deque<unknown>();
  readonly #timers = new Heap<TimerHandle>();
  #timerSeq = 0;
  #cancelledTimers = 0;
  readonly #onTimerCancel = (): void => {
    this.#cancelledTimers++;
  };
  #running = false;
  #stopping = false;
  #closed = false;
  #debug: boolean;
  readonly #slowCallbackMs: number;
  #handler: ExceptionHandler | null = null;
  #wake: (() => void) | null = null;
  /** When the loop last let the host poll its sockets (`#hostTurn()`). */
  #lastPark = 0;
  /** Tasks resumed whose step has not ended yet. */
  #stepping = 0;
  /** Bumped when stepping tasks are declared parked; stale ends are ignored. */
  #stepEpoch = 0;
  /**
   * Tasks resumed while other waits of theirs are still pending: they may
   * be parked on those (in `Promise.all`) rather than running, so the loop
   * waits for them at most `SOFT_HOPS`, with no macrotask fallback.
   */
  #softStepping = 0;
  /** Whether a tick runs now; see {@linkcode inTick}. */
  #ticking = false;
  /** Ticks run, to tell one from the next; see {@linkcode busyTick}. */
  #tickCount = 0;
  /** The tick whose waits that need not wait `#busyCount` counts. */
  #busyTickSeen = -1;
  #busyCount = 0;
  /** The tick that gave way: every later wait of it gives way too. */
  #grantedTick = -1;
  /** When `#busyCount` reached `BUSY_WAITS` in that tick. */
  #busySince = 0;
  /** A busy tick gave way: the host gets its turn after it. */
  #hostDue = false;
  #softEpoch = 0;
  /** In debug mode, the tasks resumed this tick, to name a slow step. */
  #steppedTasks: object[] = [];
  /** Called by `close()`: layers above learn that the loop closed. */
  #closeListeners: ((loop: EventLoop) => void)[] = [];

  /**
   * Creates a loop. It does nothing until `runForever()` or
   * `runUntilComplete()` runs it.
   *
   * @param options Clock and debug settings.
   * @throws {RangeError} If `slowCallbackMs` is not a number, or is negative or NaN.
   * @throws {TypeError} If `clock` has no `now()` method.
   *
   * @example A loop on virtual time
   * ```ts
   * import { EventLoop, VirtualClock } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop({ clock: new VirtualClock() });
   * assert.equal(loop.time(), 0);
   * ```
   */
  constructor(options?: EventLoopOptions) {
    const clock: unknown = options?.clock ?? new MonotonicClock();
    if (typeof (clock as Partial<Clock> | null)?.now !== "function") {
      throw new TypeError(
        `Cannot create EventLoop: clock must have a now() method, got ${
          describeArgument(clock)
        }`,
      );
    }
    this.#clock = clock as Clock;
    this.#virtual = typeof this.#clock.advanceTo === "function";
    this.#debug = options?.debug ?? false;
    const slow = options?.slowCallbackMs ?? 100;
    if (typeof slow !== "number" || !(slow >= 0)) {
      throw new RangeError(
        `Cannot create EventLoop: slowCallbackMs must be a number >= 0, got ${
          describeArgument(slow)
        }`,
      );
    }
    this.#slowCallbackMs = slow;
  }

  /**
   * The loop's current time in milliseconds, from its clock. Monotonic.
   *
   * @returns Milliseconds.
   *
   * @example Read the time
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * assert.ok(loop.time() >= 0);
   * ```
   */
  time(): number {
    return this.#clock.now();
  }

  /**
   * Schedules `callback(...args)` to run in the next tick. Callbacks run in
   * the order they were scheduled. Called from outside a tick (a host
   * promise, an event listener), it wakes an idle loop.
   *
   * An error the callback throws goes to the exception handler. An async
   * function is taken too: it runs (up to its first `await`) as a plain
   * one, and a rejection of its promise goes to the handler as a throw
   * does. (asyncio refuses a coroutine function in debug mode: its
   * coroutine would never run.)
   *
   * A subclass that overrides `callSoon()` (to trace or time callbacks)
   * gets the library's own callbacks through it too: a task's start, a
   * future's done callbacks, the wake of `sleep(0)`, as asyncio's
   * `call_soon()` does. A task resumed by a host promise (`fetch`, a
   * `setTimeout`) resumes without a callback of the loop.
   *
   * @param callback The function to call.
   * @param args Its arguments.
   * @returns A handle that can cancel the call.
   * @throws {Error} If the loop is closed.
   * @throws {TypeError} If `callback` is not a function.
   *
   * @example FIFO order
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const out: number[] = [];
   * for (let i = 0; i < 3; i++) loop.callSoon((n: number) => out.push(n), i);
   * loop.callSoon(() => loop.stop());
   * await loop.runForever();
   * assert.deepEqual(out, [0, 1, 2]);
   * ```
   */
  callSoon<A extends unknown[]>(
    callback: (...args: A) => unknown,
    ...args: A
  ): Handle;
  callSoon(callback: Callback, a0?: unknown, a1?: unknown): Handle {
    if (this.#closed) this.#throwClosed("callSoon");
    if (typeof callback !== "function") notAFunction("callSoon", callback);
    // Not a rest parameter: see `withCallArgs()`.
    const count = arguments.length - 1;
    const handle = count > 2
      ? new Handle(callback, Array.prototype.slice.call(arguments, 1))
      : withCallArgs(new Handle(callback, NO_CALL_ARGS), count, a0, a1);
    this.#ready.push(handle);
    if (this.#wake !== null) this.#wakeUp();
    return handle;
  }

  /**
   * Like {@linkcode EventLoop.callSoon}, documented as safe from any host
   * callback (a Worker message, a signal listener): it always wakes an idle
   * loop. JS has one thread per isolate, so this is `callSoon` plus the
   * promise that the wake-up happens.
   *
   * @param callback The function to call.
   * @param args Its arguments.
   * @returns A handle that can cancel the call.
   * @throws {Error} If the loop is closed.
   * @throws {TypeError} If `callback` is not a function.
   *
   * @example Wake an idle loop from a host timer
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * let woke = false;
   * setTimeout(() => loop.callSoonThreadsafe(() => {
   *   woke = true;
   *   loop.stop();
   * }), 1);
   * await loop.runForever();
   * assert.ok(woke);
   * ```
   */
  callSoonThreadsafe<A extends unknown[]>(
    callback: (...args: A) => unknown,
    ...args: A
  ): Handle {
    return this.callSoon(callback, ...args);
  }

  /**
   * Schedules `callback(...args)` to run `delayMs` milliseconds from now.
   * Timers with equal deadlines run in the order they were scheduled.
   *
   * @param delayMs Delay in milliseconds; `0` or less runs in the next tick
   * that checks timers.
   * @param callback The function to call.
   * @param args Its arguments.
   * @returns A handle with `when()` and `cancel()`.
   * @throws {Error} If the loop is closed.
   * @throws {TypeError} If `delayMs` is not a number or is NaN.
   * @throws {TypeError} If the deadline is NaN: the loop's clock returned
   * NaN, or `Infinity` with a `delayMs` of `-Infinity`.
   * @throws {TypeError} If `callback` is not a function.
   *
   * @example Timers fire in deadline order
   * ```ts
   * import { EventLoop, VirtualClock } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop({ clock: new VirtualClock() });
   * const out: string[] = [];
   * loop.callLater(20, () => {
   *   out.push("b");
   *   loop.stop();
   * });
   * loop.callLater(10, () => out.push("a"));
   * await loop.runForever();
   * assert.deepEqual(out, ["a", "b"]);
   * ```
   */
  callLater<A extends unknown[]>(
    delayMs: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle;
  callLater(
    delayMs: number,
    callback: Callback,
    a0?: unknown,
    a1?: unknown,
  ): TimerHandle {
    if (typeof delayMs !== "number" || Number.isNaN(delayMs)) {
      throw new TypeError(
        `Cannot call callLater(): delayMs must be a number, got ${
          describeArgument(delayMs)
        }`,
      );
    }
    const now = this.#clock.now();
    const when = now + delayMs;
    // Against the Clock contract, but a NaN deadline would sit in the heap
    // out of every order and never come due.
    if (Number.isNaN(when)) {
      throw new TypeError(
        `Cannot call callLater(): its deadline is NaN (the loop's clock returned ${
          describeValue(now)
        }, delayMs is ${delayMs})`,
      );
    }
    // Not a rest parameter: see `withCallArgs()`.
    const count = arguments.length - 2;
    const more = count > 2 ? Array.prototype.slice.call(arguments, 2) : null;
    return this.#schedule("callLater", when, callback, count, a0, a1, more);
  }

  /**
   * Schedules `callback(...args)` at time `whenMs` on the loop's clock (see
   * {@linkcode EventLoop.time}).
   *
   * @param whenMs The deadline in milliseconds.
   * @param callback The function to call.
   * @param args Its arguments.
   * @returns A handle with `when()` and `cancel()`.
   * @throws {Error} If the loop is closed.
   * @throws {TypeError} If `whenMs` is not a number or is NaN.
   * @throws {TypeError} If `callback` is not a function.
   *
   * @example Run at an absolute time
   * ```ts
   * import { EventLoop, VirtualClock } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop({ clock: new VirtualClock() });
   * let at = -1;
   * loop.callAt(loop.time() + 30, () => {
   *   at = loop.time();
   *   loop.stop();
   * });
   * await loop.runForever();
   * assert.equal(at, 30);
   * ```
   */
  callAt<A extends unknown[]>(
    whenMs: number,
    callback: (...args: A) => unknown,
    ...args: A
  ): TimerHandle;
  callAt(
    whenMs: number,
    callback: Callback,
    a0?: unknown,
    a1?: unknown,
  ): TimerHandle {
    if (typeof whenMs !== "number" || Number.isNaN(whenMs)) {
      throw new TypeError(
        `Cannot call callAt(): whenMs must be a number, got ${
          describeArgument(whenMs)
        }`,
      );
    }
    // Not a rest parameter: see `withCallArgs()`.
    const count = arguments.length - 2;
    const more = count > 2 ? Array.prototype.slice.call(arguments, 2) : null;
    return this.#schedule("callAt", whenMs, callback, count, a0, a1, more);
  }

  /**
   * Creates a pending future bound to this loop.
   *
   * @typeParam T The result type.
   * @returns A new `Future`.
   *
   * @example Resolve a future from a callback
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = loop.createFuture<string>();
   * loop.callSoon(() => f.setResult("ok"));
   * assert.equal(await loop.runUntilComplete(f), "ok");
   * ```
   */
  createFuture<T>(): Future<T> {
    return new Future<T>(this);
  }

  /**
   * Runs the loop until {@linkcode EventLoop.stop} is called. If `stop()`
   * was called before, runs one tick and returns.
   *
   * @returns A promise that resolves once the loop stopped.
   * @throws {Error} If the loop is closed or already running, or another
   * loop is running.
   *
   * @example Stop from a callback
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * loop.callSoon(() => loop.stop());
   * await loop.runForever();
   * assert.equal(loop.isRunning(), false);
   * ```
   */
  async runForever(): Promise<void> {
    this.#enterRun("runForever");
    try {
      let ticks = 0;
      let lastYield = this.#lastPark = performance.now();
      for (;;) {
        this.#ticking = true;
        this.#tickCount++;
        this.#runOnce();
        if (this.#debug) {
          if (this.#stepping + this.#softStepping > 0) {
            await this.#settleStepsTimed();
          }
        } else {
          // Inline, not a call of #settleSteps(): awaiting an async call
          // costs a promise, a generator and one more microtask per tick.
          for (let hops = 0, hop; (hop = this.#settleHop(hops)) !== null;) {
            await hop;
            hops++;
          }
        }
        this.#ticking = false;
        if (this.#stopping) break;
        if (this.#ready.length === 0) {
          await this.#idle();
          lastYield = performance.now();
        } else if ((++ticks & 63) === 0 || this.#hostDue) {
          this.#hostDue = false;
          const now = performance.now();
          if (now - lastYield >= YIELD_EVERY_MS) {
            await this.#hostTurn();
            lastYield = performance.now();
          }
        }
      }
    } finally {
      this.#ticking = false;
      this.#stopping = false;
      this.#running = false;
      setRunning(null);
    }
  }

  /**
   * Runs the loop until `aw` settles and returns its value (or throws its
   * error). `aw` is a future or task of this loop, or any promise. To run an
   * async function as a task, create the task first (`new Task(fn, {
   * loop })`), or use `run()`.
   *
   * @typeParam T The result type.
   * @param aw What to wait for.
   * @returns The value.
   * @throws {Error} If the loop is closed or running, `aw` is a future of
   * another loop, or the loop stopped before `aw` settled.
   * @throws {TypeError} If `aw` is not promise-like.
   *
   * @example Wait for a future set by a timer
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const f = loop.createFuture<string>();
   * loop.callLater(5, () => f.setResult("done"));
   * assert.equal(await loop.runUntilComplete(f), "done");
   * ```
   */
  async runUntilComplete<T>(aw: PromiseLike<T>): Promise<T> {
    if (this.#closed) this.#throwClosed("runUntilComplete");
    if (this.#running) {
      throw new Error(
        "Cannot call runUntilComplete(): event loop is already running",
      );
    }
    if (typeof (aw as PromiseLike<T> | null)?.then !== "function") {
      throw new TypeError(
        `Cannot call runUntilComplete(): expected a future, task or promise, got ${
          typeof aw === "function"
            ? "a function (wrap it in a task)"
            : describeValue(aw)
        }`,
      );
    }
    if (aw instanceof Future && aw.getLoop() !== this) {
      throw new Error(
        `Cannot run ${
          describeValue(aw)
        } on this loop: it is attached to a different event loop`,
      );
    }
    let settled = false;
    let ok = false;
    let outcome: unknown;
    // Inert once this call returned: a future that completes after a run
    // stopped early must not stop a later one.
    let active = true;
    Promise.resolve(aw).then(
      (value) => {
        if (!active) return;
        [settled, ok, outcome] = [true, true, value];
        this.stop();
      },
      (error) => {
        if (!active) return;
        [settled, ok, outcome] = [true, false, error];
        this.stop();
      },
    );
    try {
      await this.runForever();
    } finally {
      active = false;
    }
    if (!settled) {
      // Done in the tick that stopped the loop: its callbacks, which run
      // through the loop, have not run yet.
      if (aw instanceof Future && aw.done()) return aw.result() as T;
      throw new Error(
        "Cannot finish runUntilComplete(): event loop stopped before the future completed",
      );
    }
    if (!ok) throw outcome;
    return outcome as T;
  }

  /**
   * Asks the loop to stop: the running tick finishes (and the tasks it
   * resumed reach their next wait), then `runForever()` returns. Called
   * before the loop runs, the next run does one tick and returns.
   *
   * @example Stop before running
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const out: number[] = [];
   * loop.callSoon(() => out.push(1));
   * loop.stop();
   * await loop.runForever();
   * assert.deepEqual(out, [1]);
   * ```
   */
  stop(): void {
    this.#stopping = true;
    if (this.#wake !== null) this.#wakeUp();
  }

  /**
   * Closes the loop: drops pending callbacks and timers, reports tasks left
   * pending and failures never retrieved. Idempotent. A default executor
   * still alive is terminated at once, without waiting (as asyncio's
   * `close()` does): jobs still running are dropped and their futures stay
   * pending. Call `shutdownDefaultExecutor()` first to let them finish;
   * `run()` does.
   *
   * @throws {Error} If the loop is running.
   *
   * @example Close
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * const loop = new EventLoop();
   * loop.close();
   * assert.ok(loop.isClosed());
   * assert.throws(() => loop.callSoon(() => {}), /closed/);
   * ```
   */
  close(): void {
    if (this.#running) {
      throw new Error("Cannot close a running event loop: stop it first");
    }
    if (this.#closed) return;
    this.#closed = true;
    this.#ready.clear();
    this.#timers.clear();
    this.#cancelledTimers = 0;
    const listeners = this.#closeListeners;
    this.#closeListeners = [];
    for (const listener of listeners) {
      try {
        listener(this);
      } catch (error) {
        this.callExceptionHandler({
          message: "Exception while closing the event loop",
          exception: error,
        });
      }
    }
    reportUnretrieved(this);
  }

  /**
   * Same as {@linkcode EventLoop.close}, for `using`.
   *
   * @example Close at scope exit
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * let outer: EventLoop;
   * {
   *   using loop = new EventLoop();
   *   outer = loop;
   * }
   * assert.ok(outer.isClosed());
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }

  /**
   * Whether `runForever()` is active.
   *
   * @returns `true` while running.
   *
   * @example Running inside a callback
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * let inside = false;
   * loop.callSoon(() => {
   *   inside = loop.isRunning();
   *   loop.stop();
   * });
   * await loop.runForever();
   * assert.ok(inside);
   * assert.equal(loop.isRunning(), false);
   * ```
   */
  isRunning(): boolean {
    return this.#running;
  }

  /**
   * Whether `close()` was called.
   *
   * @returns `true` once closed.
   *
   * @example Not closed yet
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * assert.equal(loop.isClosed(), false);
   * ```
   */
  isClosed(): boolean {
    return this.#closed;
  }

  /**
   * Sets the function that receives errors the loop caught (a callback that
   * threw, a task exception nobody retrieved). `null` restores the default,
   * which prints to stderr.
   *
   * @param handler The handler, or `null`.
   * @throws {TypeError} If `handler` is neither a function nor `null`.
   *
   * @example Collect errors
   * ```ts
   * import { EventLoop, type ExceptionContext } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const seen: ExceptionContext[] = [];
   * loop.setExceptionHandler((_loop, ctx) => seen.push(ctx));
   * loop.callSoon(() => {
   *   throw new Error("boom");
   * });
   * loop.callSoon(() => loop.stop());
   * await loop.runForever();
   * assert.equal((seen[0]?.exception as Error).message, "boom");
   * ```
   */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== "function") {
      throw new TypeError(
        `Cannot set exception handler: expected a function or null, got ${typeof handler}`,
      );
    }
    this.#handler = handler;
  }

  /**
   * The current exception handler, or `null` for the default.
   *
   * @returns The handler.
   *
   * @example Default
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * assert.equal(loop.getExceptionHandler(), null);
   * ```
   */
  getExceptionHandler(): ExceptionHandler | null {
    return this.#handler;
  }

  /**
   * Passes `context` to the exception handler. If the handler itself
   * throws (any value), the default handler prints its error and, indented,
   * the report it was given. Never throws: a report cannot stop the loop.
   *
   * @param context What happened.
   *
   * @example Report by hand
   * ```ts
   * import { EventLoop, type ExceptionContext } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * let got: ExceptionContext | undefined;
   * loop.setExceptionHandler((_l, ctx) => (got = ctx));
   * loop.callExceptionHandler({ message: "custom" });
   * assert.equal(got?.message, "custom");
   * ```
   */
  callExceptionHandler(context: ExceptionContext): void {
    const handler = this.#handler;
    let customFailed = false;
    if (handler !== null) {
      try {
        handler(this, context);
        return;
      } catch (error) {
        customFailed = true;
        context = {
          message: "Unhandled error in exception handler",
          exception: error,
          context,
        };
      }
    }
    try {
      this.defaultExceptionHandler(context);
    } catch (error) {
      // As in asyncio, a second line of defence: a subclass's handler, or a
      // console.error that throws. A report never stops the loop.
      try {
        console.error(
          `Exception in default exception handler${
            customFailed
              ? " while handling an unexpected error in custom exception handler"
              : ""
          }\n${describeValue(error)}`,
        );
      } catch {
        // Nowhere left to report to.
      }
    }
  }

  /**
   * The default handler: prints to stderr with `console.error` the message,
   * a `key: value` line for each other field of `context`, then the
   * exception (an `Error`'s stack). It renders any value without throwing:
   * a string as it is, an object with its own `toString()` (a `Handle`, a
   * `Task`) by it, other objects by a short one-line inspection (a
   * null-prototype object, a cyclic one), and a value that cannot even be
   * inspected (a revoked proxy) by a placeholder.
   *
   * @param context What happened.
   *
   * @example Print a report, whatever was thrown
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const lines: unknown[] = [];
   * const original = console.error;
   * console.error = (...a: unknown[]) => lines.push(a.join(" "));
   * try {
   *   loop.defaultExceptionHandler({
   *     message: "hello",
   *     where: { id: 7 },
   *     exception: Object.create(null),
   *   });
   * } finally {
   *   console.error = original;
   * }
   * assert.equal(lines[0], "hello\nwhere: { id: 7 }\n[Object: null prototype] {}");
   * ```
   */
  defaultExceptionHandler(context: ExceptionContext): void {
    console.error(formatReport(context));
  }

  /**
   * Turns debug mode on or off: slow callbacks are reported, and tasks
   * remember where they were created.
   *
   * @param enabled The new mode.
   *
   * @example Toggle
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * loop.setDebug(true);
   * assert.ok(loop.getDebug());
   * ```
   */
  setDebug(enabled: boolean): void {
    this.#debug = enabled;
  }

  /**
   * Whether debug mode is on.
   *
   * @returns The mode.
   *
   * @example Off by default
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * assert.equal(loop.getDebug(), false);
   * ```
   */
  getDebug(): boolean {
    return this.#debug;
  }

  /**
   * @ignore Registers `listener` for `close()` (once; it runs before
   * failures never retrieved are reported).
   *
   * @param listener Called with the loop.
   */
  [onClose](listener: (loop: EventLoop) => void): void {
    if (this.#closed) this.#throwClosed("onClose");
    this.#closeListeners.push(listener);
  }

  /**
   * @ignore Whether a tick is running; see {@linkcode inTick}.
   *
   * @returns `true` while the loop runs callbacks and resumed tasks' steps.
   */
  [inTick](): boolean {
    return this.#ticking;
  }

  /**
   * @ignore Called by a wait that need not wait (a free lock, a queue with
   * items or room) before it returns: `true` tells it to resolve in the
   * next tick. Code that never parks, such as two branches of one task
   * handing items to each other through a `Queue(1)`, interleaves at its
   * `await`s of settled promises for ever, and the tick never ends: no other
   * task, callback or host event would run. So once a tick has seen
   * `BUSY_WAITS` such waits, and `YIELD_EVERY_MS` have passed since, the next
   * one still acts at once but resolves in the next tick (`grantNextTick()`
   * in loop/settled.ts), and so does every later one of the tick, so that it
   * ends however many branches keep it; the host gets its turn after it. A
   * tick with fewer costs a counter.
   *
   * @returns Whether to resolve in the next tick.
   */
  [busyTick](): boolean {
    if (this.#grantedTick === this.#tickCount) return true;
    if (this.#busyTickSeen !== this.#tickCount) {
      this.#busyTickSeen = this.#tickCount;
      this.#busyCount = 0;
      return false;
    }
    const count = ++this.#busyCount;
    if (count < BUSY_WAITS || (count & (BUSY_WAITS - 1)) !== 0) return false;
    const now = performance.now();
    if (count === BUSY_WAITS) {
      this.#busySince = now;
      return false;
    }
    if (now - this.#busySince < YIELD_EVERY_MS) return false;
    this.#busyCount = 0;
    this.#busySince = now;
    this.#hostDue = true;
    this.#grantedTick = this.#tickCount;
    return true;
  }

  /**
   * @ignore Called by the task module when a task starts a step. See the module
   * doc: the next tick waits until the step ends.
   *
   * @param task The task, named in debug mode if its step is slow.
   * @param soft Whether the task has other waits pending (it may be parked
   * on them rather than running): the loop then waits at most `SOFT_HOPS`.
   * @returns A token to pass to the matching `[stepEnd]`.
   */
  [stepBegin](task?: object, soft = false): number {
    if (
      this.#debug && task !== undefined && !this.#steppedTasks.includes(task)
    ) {
      // A task's step may turn soft, or a second branch of it wake: named
      // once in a slow-step report.
      this.#steppedTasks.push(task);
    }
    if (soft) {
      this.#softStepping++;
      return this.#softEpoch * 2 + 1;
    }
    this.#stepping++;
    return this.#stepEpoch * 2;
  }

  /**
   * @ignore Called by the task module when a task's step ended (it waits on a
   * library future, or finished).
   *
   * @param token What `[stepBegin]` returned.
   */
  [stepEnd](token: number): void {
    if (this[stepLive](token)) {
      if ((token & 1) === 1) this.#softStepping--;
      else this.#stepping--;
    }
  }

  /**
   * @ignore Whether the loop still waits for the step of `token`: `false` once it
   * gave up on it (the task was taken as parked on a host promise, or on
   * its other waits), so a task resumed again starts a new step.
   *
   * @param token What `[stepBegin]` returned.
   * @returns Whether the step is still awaited.
   */
  [stepLive](token: number): boolean {
    return (token & 1) === 1
      ? token === this.#softEpoch * 2 + 1
      : token === this.#stepEpoch * 2;
  }

  /**
   * Makes and queues a timer of `count` arguments: `a0` and `a1` for up to
   * two, else `more`, all of them.
   */
  #schedule(
    caller: string,
    when: number,
    callback: Callback,
    count: number,
    a0: unknown,
    a1: unknown,
    more: unknown[] | null,
  ): TimerHandle {
    if (this.#closed) this.#throwClosed(caller);
    if (typeof callback !== "function") notAFunction(caller, callback);
    const timer = new TimerHandle(
      when,
      this.#timerSeq++,
      callback,
      more ?? NO_CALL_ARGS,
      this.#onTimerCancel,
    );
    if (more === null) withCallArgs(timer, count, a0, a1);
    this.#timers.push(timer);
    // An idle loop sleeps until its earliest deadline: re-arm if this is it.
    if (this.#wake !== null && this.#timers.peek() === timer) this.#wakeUp();
    return timer;
  }

  #runOnce(): void {
    const timers = this.#timers;
    // The timers due now run after the callbacks ready before them, as
    // asyncio's moved to its ready queue, but straight from the heap: a
    // burst of due timers is not copied through the queue.
    const due = timers.size > 0;
    let now = 0;
    let madeBefore = 0;
    if (due) {
      if (
        this.#cancelledTimers > MIN_PURGE &&
        this.#cancelledTimers * 2 > timers.size
      ) {
        timers.filter((t) => !t.cancelled());
        this.#cancelledTimers = 0;
      }
      now = this.#clock.now();
      madeBefore = this.#timerSeq;
    }
    const ready = this.#ready;
    const debug = this.#debug;
    for (let n = ready.length; n > 0; n--) {
      const entry = ready.shift();
      if (typeof entry === "function") {
        // A job: its argument is in the next slot.
        const start = debug ? performance.now() : 0;
        const stepped = debug ? this.#steppedTasks.length : 0;
        const arg = ready.shift();
        n--;
        try {
          entry(arg);
        } catch (error) {
          this.#callbackFailed(new Handle(entry as Callback, [arg]), error);
        }
        if (debug) this.#reportSlow(entry as Callback, arg, start, stepped);
        continue;
      }
      this.#runHandle(entry as Handle, debug);
    }
    if (due) this.#runDue(now, madeBefore, debug);
  }

  /**
   * Runs the timers due at `now` that were made before this pass began; one
   * made by a callback of this pass, due already (a frozen virtual clock, a
   * deadline in the past), waits for the next pass, as in asyncio.
   */
  #runDue(now: number, madeBefore: number, debug: boolean): void {
    const timers = this.#timers;
    let next: TimerHandle[] | null = null;
    try {
      for (let t = timers.peek(); t !== undefined; t = timers.peek()) {
        if (t.deadline > now) break;
        timers.pop();
        if (t.cancelled()) {
          this.#cancelledTimers--;
          continue;
        }
        if (t.seq >= madeBefore) {
          (next ??= []).push(t);
          continue;
        }
        t.detach();
        this.#runHandle(t, debug);
      }
    } finally {
      // Back in the heap, whatever ends the pass.
      if (next !== null) { for (const t of next) timers.push(t); }
    }
  }

  #runHandle(handle: Handle, debug: boolean): void {
    if (handle.cancelled()) return;
    const start = debug ? performance.now() : 0;
    const stepped = debug ? this.#steppedTasks.length : 0;
    try {
      const result = handle.run();
      if (result !== undefined) this.#watchResult(handle, result);
    } catch (error) {
      this.#callbackFailed(handle, error);
    }
    if (debug) this.#reportSlow(handle, undefined, start, stepped);
  }

  /**
   * Debug mode: warns of a callback that took too long; a job is shown as
   * the handle it saved. Tasks whose step began in it (a task's first step
   * runs in the callback that starts it) are named, as asyncio names the
   * task whose step was slow.
   */
  #reportSlow(
    entry: Handle | Callback,
    arg: unknown,
    start: number,
    stepped: number,
  ): void {
    const took = performance.now() - start;
    if (took >= this.#slowCallbackMs) {
      const handle = entry instanceof Handle ? entry : new Handle(entry, [arg]);
      const tasks = this.#steppedTasks.slice(stepped);
      const steps = tasks.length === 0
        ? ""
        : ` (step of ${tasks.map((task) => describeValue(task)).join(", ")})`;
      try {
        console.warn(`Executing ${handle}${steps} took ${took.toFixed(3)} ms`);
      } catch {
        // A console that throws: a report never stops the loop.
      }
    }
  }

  /**
   * An async callback fails by rejecting: reported as a throw is. Only a
   * native promise: a task or future a callback returns has its own owner
   * and its own report (asyncio ignores what a callback returns).
   */
  #watchResult(handle: Handle, result: unknown): void {
    if (result instanceof Promise) {
      result.then(undefined, (error) => this.#callbackFailed(handle, error));
    }
  }

  #callbackFailed(handle: Handle, error: unknown): void {
    this.callExceptionHandler({
      message: `Exception in callback ${handle}`,
      exception: error,
      handle,
    });
  }

  /** Debug mode: the resumed tasks' steps run here; report a slow one. */
  async #settleStepsTimed(): Promise<void> {
    const start = performance.now();
    await this.#settleSteps();
    const took = performance.now() - start;
    const tasks = this.#steppedTasks;
    this.#steppedTasks = [];
    if (took >= this.#slowCallbackMs) {
      try {
        console.warn(
          `Executing step of ${
            tasks.map((task) => describeValue(task)).join(", ")
          } took ${took.toFixed(3)} ms`,
        );
      } catch {
        // A console that throws: a report never stops the loop.
      }
    }
  }

  async #settleSteps(): Promise<void> {
    for (let hops = 0, hop; (hop = this.#settleHop(hops)) !== null;) {
      await hop;
      hops++;
    }
  }

  /**
   * What a tick awaits before it looks again at the tasks it resumed:
   * `null` once they have all parked (or wait on the host).
   */
  #settleHop(hops: number): Promise<void> | null {
    if (this.#stepping + this.#softStepping === 0) return null;
    if (this.#stepping === 0 && hops >= SOFT_HOPS) {
      // Only tasks woken while other waits of theirs are pending (parked
      // in Promise.all, say) are left: they are parked, not stepping.
      this.#softStepping = 0;
      this.#softEpoch++;
      return null;
    }
    // A microtask hop: a shared settled promise, nothing allocated.
    if (hops < MAX_HOPS) return SETTLED;
    if (watchedReactions > 0 && hops < REACTION_HOPS) return SETTLED;
    return this.#settleOnHost();
  }

  async #settleOnHost(): Promise<void> {
    // The rest of a long step runs in this macrotask, and so may host
    // events (a timer already due fires before the immediate): code they
    // resume is not the tick's, so the tick is not marked running.
    this.#ticking = false;
    await macrotask();
    this.#ticking = true;
    // The microtask queue drained: whoever still steps waits on the host.
    this.#stepping = this.#softStepping = 0;
    this.#stepEpoch++;
    this.#softEpoch++;
  }

  /** The earliest live timer with a finite deadline, if any. */
  #nextTimer(): TimerHandle | undefined {
    let next = this.#timers.peek();
    while (next !== undefined && next.cancelled()) {
      this.#timers.pop();
      this.#cancelledTimers--;
      next = this.#timers.peek();
    }
    // An infinite deadline is no deadline: nothing to arm, or to jump to.
    if (next !== undefined && next.deadline === Infinity) next = undefined;
    return next;
  }

  async #idle(): Promise<void> {
    let next = this.#nextTimer();
    if (this.#virtual && next !== undefined) {
      // Let completed host I/O in first (with a threshold, host work that
      // completes within it); if nothing arrived, jump.
      const threshold = this.#clock.autojumpThreshold ?? 0;
      if (threshold > 0) await this.#waitOnHost(threshold);
      else await this.#hostTurn();
      if (this.#ready.length === 0 && !this.#stopping) {
        // Code that ran in the host turn (a task resumed by the host) may
        // have set an earlier timer, or cancelled this one: jump to the
        // earliest now, never past it.
        next = this.#nextTimer();
        if (next !== undefined) this.#clock.advanceTo!(next.deadline);
      }
      return;
    }
    const delay = next === undefined ? -1 : next.deadline - this.#clock.now();
    if (next !== undefined && delay < 1) {
      await this.#hostTurn();
      return;
    }
    // The host fires a longer timer at once (after 1 ms, with a warning); a
    // far deadline is met by re-arming when it fires.
    await this.#waitOnHost(
      delay < 0 ? -1 : Math.min(Math.ceil(delay), MAX_HOST_DELAY),
    );
  }

  /**
   * Waits until something wakes the loop (a `callSoon()`, a new earliest
   * timer, `stop()`), or `ms` of real time pass (never, for -1).
   */
  async #waitOnHost(ms: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
      if (ms >= 0) timer = setTimeout(() => this.#wakeUp(), ms);
    });
    if (timer !== undefined) clearTimeout(timer);
    this.#lastPark = performance.now();
  }

  /**
   * A turn for the host between ticks: one that lets it poll its sockets
   * once none did for `PARK_EVERY_MS`, else a cheap one.
   */
  #hostTurn(): Promise<void> {
    const now = performance.now();
    if (now - this.#lastPark < PARK_EVERY_MS) return macrotask();
    this.#lastPark = now;
    return hostPark();
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  #enterRun(caller: string): void {
    if (this.#closed) this.#throwClosed(caller);
    if (this.#running) {
      throw new Error(`Cannot call ${caller}(): event loop is already running`);
    }
    if (getRunning() !== null) {
      throw new Error(
        `Cannot call ${caller}(): another event loop is running; one loop runs at a time`,
      );
    }
    this.#running = true;
    setRunning(this);
  }

  static {
    callSoonJob = (loop, job, arg) => {
      if (!(#ready in loop) || loop.callSoon !== baseCallSoon) {
        loop.callSoon(job, arg);
        return;
      }
      if (loop.#closed) loop.#throwClosed("callSoon");
      loop.#ready.push(job);
      loop.#ready.push(arg);
      if (loop.#wake !== null) loop.#wakeUp();
    };
  }

  #throwClosed(caller: string): never {
    throw new Error(`Cannot call ${caller}(): event loop is closed`);
  }
}

/** The base class's `callSoon`: a loop whose own differs gets every job. */
const baseCallSoon = EventLoop.prototype.callSoon;

function notAFunction(caller: string, callback: unknown): never {
  throw new TypeError(
    `Cannot call ${caller}(): callback must be a function, got ${
      describeArgument(callback)
    }`,
  );
}
