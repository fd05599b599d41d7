/**
 * `run(main)`: asyncio.run for this library. A new loop, `main` as a task,
 * then every task left is cancelled and awaited, and the loop is closed.
 *
 * @module
 */

import type { Clock } from "../loop/clock.ts";
import { EventLoop, inTick } from "../loop/event_loop.ts";
import { runningLoopOrNull, setEventLoop } from "../loop/running_loop.ts";
import { currentScope } from "../loop/cancel_scope.ts";
import { describeArgument, describeValue } from "../loop/describe_value.ts";
import { failed } from "../loop/future.ts";
import { shutdownDefaultExecutor } from "../executor/default_executor.ts";
import { allTasks, Task } from "./task.ts";
import { formatTaskTree } from "./task_tree.ts";

/** Options for {@linkcode run}. */
export interface RunOptions {
  /**
   * Debug mode for the new loop.
   *
   * @default {false}
   */
  debug?: boolean;
  /**
   * The new loop's clock: a `VirtualClock` makes the program deterministic.
   *
   * @default {new MonotonicClock()}
   */
  clock?: Clock;
  /**
   * Cancel `main` on the first SIGINT (a second one, or one that comes once
   * `main` is done, while `run()` cancels what is left, exits with status
   * 130). Ignored in a Worker: the signal is the main thread's, as asyncio
   * handles it only in the main thread.
   *
   * @default {true}
   */
  handleSigint?: boolean;
  /**
   * Makes the loop to run on, instead of a new `EventLoop` (asyncio's
   * `loop_factory`): a subclass that traces or times callbacks, say. It
   * must return a new, open `EventLoop`; `run()` closes it. Give the loop
   * its clock yourself (with `clock` too, `run()` throws); `debug`, if
   * given, is applied to it.
   */
  loopFactory?: () => EventLoop;
}

/**
 * Runs `main` as a task on a new event loop and returns its result. When
 * `main` is done, every task still pending is cancelled and awaited, the
 * default executor is shut down (see `shutdownDefaultExecutor()`),
 * then the loop is closed; a task that failed during that shutdown is
 * reported to the loop's exception handler. A SIGINT cancels `main`: unless
 * `main` catches it, `run()` rejects with `CancelledError("interrupted by
 * SIGINT")` (asyncio raises `KeyboardInterrupt`).
 *
 * With `debug: true`, a SIGUSR1 sent to the process prints the task tree
 * (`formatTaskTree()` of the task module) to stderr while the program keeps
 * running; Unix only, the listener is removed when `run()` returns. The
 * tree prints when the loop gets a turn: a loop blocked by a synchronous
 * callback prints it once the callback returns.
 *
 * @typeParam T The result type.
 * @param main The program: an async function that receives the main task's
 * `AbortSignal`.
 * @param options Debug mode, clock, SIGINT handling, the loop's factory.
 * @returns `main`'s result.
 * @throws {Error} If another loop is running, or the factory's loop is
 * closed or running.
 * @throws {TypeError} If `main` is not a function, or `loopFactory` is not
 * one, returns something else than an `EventLoop`, or comes with `clock`.
 * @throws {unknown} Whatever `main` throws.
 *
 * @example Run a program on virtual time
 * ```ts
 * import { run, sleep } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const result = await run(async () => {
 *   await sleep(60_000);
 *   return "a minute later";
 * }, { clock: new VirtualClock() });
 * assert.equal(result, "a minute later");
 * ```
 *
 * @example Run on a loop of your own (asyncio's `loop_factory`)
 * ```ts
 * import { run, sleep } from "@aio/asyncio/task";
 * import { EventLoop, type Handle } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * let callbacks = 0;
 * class CountingLoop extends EventLoop {
 *   override callSoon<A extends unknown[]>(
 *     callback: (...args: A) => unknown,
 *     ...args: A
 *   ): Handle {
 *     callbacks++;
 *     return super.callSoon(callback, ...args);
 *   }
 * }
 * await run(() => sleep(0), { loopFactory: () => new CountingLoop() });
 * assert.ok(callbacks > 0); // main's start and its sleep(0), at least
 * ```
 */
export async function run<T>(
  main: (signal: AbortSignal) => Promise<T> | T,
  options?: RunOptions,
): Promise<T> {
  const running = runningLoopOrNull();
  if (running !== null) throw alreadyRunning(running);
  if (typeof main !== "function") {
    // Before the loop is made: a refused main leaves no loop behind.
    throw new TypeError(
      `Cannot call run(): main must be a function, got ${
        describeArgument(main)
      }`,
    );
  }
  const loop = makeLoop(options);
  runs.set(loop, callSite());
  setEventLoop(loop);
  const task = new Task(main, { loop, name: "main" });
  const stopSigint = (options?.handleSigint ?? true) && !inWorker()
    ? onSigint(task)
    : () => {};
  const stopDump = loop.getDebug() ? onSigusr1(loop) : () => {};
  try {
    return await loop.runUntilComplete(task);
  } finally {
    try {
      await cancelAll(loop, allTasks(loop));
    } finally {
      try {
        await loop.runUntilComplete(shutdownDefaultExecutor(loop));
      } finally {
        stopDump();
        stopSigint();
        closeLoop(loop);
        setEventLoop(null);
      }
    }
  }
}

/** Where the `run()` of each loop it made was called. */
const runs = new WeakMap<EventLoop, string>();

/** The stack of the `run()` call, below `run()` itself. */
function callSite(): string {
  const stack = new Error().stack ?? "";
  // Drop the message line, callSite() and run().
  return stack.split("\n").slice(3).join("\n");
}

/** The error of a `run()` called while `loop` runs. */
function alreadyRunning(loop: EventLoop): Error {
  if (currentScope() !== undefined || loop[inTick]()) {
    return new Error(
      "Cannot call run(): another event loop is running, and this code runs in it; await the function itself instead",
    );
  }
  // Outside the loop's code: a run() that was not awaited (a test that
  // left its loop running fails the next test), or two at once.
  const site = runs.get(loop);
  return new Error(
    site === undefined
      ? "Cannot call run(): another event loop is running (runForever() or runUntilComplete() of a loop of yours); let it finish first"
      : `Cannot call run(): another event loop is running, that of an earlier run() not awaited or still going; await it first. That run() was called:\n${site}`,
  );
}

/** The loop `run()` runs on: a new one, or the factory's, checked. */
function makeLoop(options: RunOptions | undefined): EventLoop {
  const factory = options?.loopFactory;
  if (factory === undefined) {
    return new EventLoop({
      ...(options?.debug !== undefined ? { debug: options?.debug } : {}),
      ...(options?.clock !== undefined ? { clock: options?.clock } : {}),
    });
  }
  if (typeof factory !== "function") {
    throw new TypeError(
      `Cannot call run(): loopFactory must be a function, got ${
        describeArgument(factory)
      }`,
    );
  }
  if (options?.clock !== undefined) {
    throw new TypeError(
      "Cannot call run(): give the clock to the loop loopFactory makes, not to run()",
    );
  }
  const loop: unknown = factory();
  if (!(loop instanceof EventLoop)) {
    throw new TypeError(
      `Cannot call run(): loopFactory must return an EventLoop, got ${
        describeArgument(loop)
      }`,
    );
  }
  if (loop.isClosed() || loop.isRunning()) {
    throw new Error(
      `Cannot call run(): the loop loopFactory returned is ${
        loop.isClosed() ? "closed" : "running"
      }`,
    );
  }
  if (options?.debug !== undefined) loop.setDebug(options.debug);
  return loop;
}

/**
 * Closes the loop; a failure while closing (a report of a task or future
 * left behind that throws) is reported, not thrown: it must not replace
 * main's result or error.
 */
function closeLoop(loop: EventLoop): void {
  try {
    loop.close();
  } catch (error) {
    loop.callExceptionHandler({
      message: "Exception in run() while closing the event loop",
      exception: error,
    });
  }
}

/** In debug mode, SIGUSR1 prints the task tree to stderr (Unix only). */
function onSigusr1(loop: EventLoop): () => void {
  const listener = (): void => {
    if (loop.isClosed()) return;
    try {
      console.error(taskTree(loop));
    } catch {
      // A throw in a signal listener would end the program.
    }
  };
  try {
    Deno.addSignalListener("SIGUSR1", listener);
  } catch {
    return () => {}; // Windows has no SIGUSR1.
  }
  return () => Deno.removeSignalListener("SIGUSR1", listener);
}

/** The tree, or why it cannot be printed; never throws. */
function taskTree(loop: EventLoop): string {
  try {
    return formatTaskTree(loop);
  } catch (error) {
    return `Cannot print the task tree: ${describeValue(error)}`;
  }
}

async function cancelAll(
  loop: EventLoop,
  tasks: Set<Task<unknown>>,
): Promise<void> {
  if (tasks.size === 0) return;
  const left = [...tasks];
  for (const t of left) t.cancel();
  await loop.runUntilComplete(Promise.allSettled(left));
  for (const t of left) {
    if (t.cancelled()) continue;
    const error = t.exception();
    if (failed(t)) {
      loop.callExceptionHandler({
        message: "Unhandled exception during run() shutdown",
        exception: error,
        task: t,
      });
    }
  }
}

/** Whether this code runs in a Worker, whose signals are the process's. */
function inWorker(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: unknown })
    .WorkerGlobalScope;
  return typeof scope === "function" && globalThis instanceof scope;
}

function onSigint(main: Task<unknown>): () => void {
  let count = 0;
  const listener = (): void => {
    // Once main is done, run() only cleans up: asyncio puts the default
    // handler back then, so a Ctrl-C ends the program at once.
    if (++count > 1 || main.done()) Deno.exit(130);
    main.cancel("interrupted by SIGINT");
  };
  try {
    Deno.addSignalListener("SIGINT", listener);
  } catch {
    return () => {};
  }
  return () => Deno.removeSignalListener("SIGINT", listener);
}
