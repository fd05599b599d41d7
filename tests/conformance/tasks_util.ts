/**
 * Helpers for the ports of CPython's asyncio tests (test_taskgroups.py,
 * test_timeouts.py, test_waitfor.py, test_tasks.py) to aio.
 *
 * Times: CPython's seconds become milliseconds (0.1 s is 100 ms). Every test
 * runs on a `VirtualClock`.
 *
 * @module
 */
import { Future, getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import { CancelledError, run, sleep } from "@aio/asyncio/task";

/** `run(main)` on a fresh virtual clock. */
export function vrun<T>(main: () => Promise<T>): Promise<T> {
  return run(main, { clock: new VirtualClock() });
}

/** `loop.time()` of the running loop. */
export function now(): number {
  return getRunningLoop().time();
}

/** `loop.create_future()`. */
export function newFuture<T>(): Future<T> {
  return new Future<T>(getRunningLoop());
}

/** Stands for Python's `ZeroDivisionError` (`1 / 0`). */
export class ZeroDivisionError extends Error {
  override name = "ZeroDivisionError";
}
/** Stands for Python's `ValueError`. */
export class ValueError extends Error {
  override name = "ValueError";
}
/** Stands for Python's `RuntimeError`. */
export class RuntimeError extends Error {
  override name = "RuntimeError";
}
/** Stands for Python's `KeyError`. */
export class KeyError extends Error {
  override name = "KeyError";
}
/** The tests' own `MyExc`. */
export class MyExc extends Error {
  override name = "MyExc";
}

/** `1 / 0`. */
export function divZero(): never {
  throw new ZeroDivisionError("division by zero");
}

/** CPython's `get_error_types(eg)`: the set of class names in a group. */
export function errorTypes(e: unknown): Set<string> {
  if (!(e instanceof AggregateError)) {
    throw new Error(`expected an AggregateError, got ${String(e)}`);
  }
  return new Set(e.errors.map((x) => (x as Error).constructor.name));
}

/** Runs `fn`, returns what it threw (fails if it did not throw). */
export async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

export { run } from "@aio/asyncio/task";

/** CPython's SlowTask: runs 200 ms, ignoring cancel requests. */
export class SlowTask {
  static TASK_TIMEOUT = 200;
  exited = false;
  run = async (): Promise<void> => {
    const exitAt = now() + SlowTask.TASK_TIMEOUT;
    while (true) {
      const toSleep = exitAt - now();
      if (toSleep <= 0) break;
      try {
        await sleep(toSleep);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
    }
    this.exited = true;
  };
}
