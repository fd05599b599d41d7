/**
 * Helpers for the ports of CPython's event loop, future and runner tests
 * (test_base_events.py, test_events.py, test_futures.py, test_runners.py).
 *
 * Times: CPython's seconds become milliseconds (0.1 s is 100 ms), as
 * `EventLoop.time()` documents ("The loop's current time in milliseconds").
 * Every loop runs on a `VirtualClock`.
 *
 * @module
 */
import {
  EventLoop,
  type EventLoopOptions,
  type ExceptionContext,
  VirtualClock,
} from "../../loop/mod.ts";

/** A fresh loop on a virtual clock (CPython's `new_test_loop()`). */
export function vloop(options?: EventLoopOptions): EventLoop {
  return new EventLoop({ clock: new VirtualClock(), ...options });
}

/** `test_utils.run_briefly(loop)`: one tick (`stop(); run_forever()`). */
export async function runBriefly(loop: EventLoop): Promise<void> {
  loop.stop();
  await loop.runForever();
}

/** A loop exception handler that records every context it gets. */
export function collect(loop: EventLoop): ExceptionContext[] {
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => seen.push(ctx));
  return seen;
}

/**
 * Runs `fn` with `console[method]` replaced by a recorder (CPython's
 * `mock.patch('asyncio.base_events.logger')`); returns the lines.
 */
export async function captureConsole(
  method: "error" | "warn",
  fn: () => unknown,
): Promise<string[]> {
  const lines: string[] = [];
  const original = console[method];
  console[method] = (...a: unknown[]) => {
    lines.push(a.map(String).join(" "));
  };
  try {
    await fn();
  } finally {
    console[method] = original;
  }
  return lines;
}

/** Stands for Python's `ZeroDivisionError` (`1 / 0`). */
export class ZeroDivisionError extends Error {
  override name = "ZeroDivisionError";
}
/** Stands for Python's `RuntimeError`. */
export class RuntimeError extends Error {
  override name = "RuntimeError";
}
/** Stands for Python's `ValueError`. */
export class ValueError extends Error {
  override name = "ValueError";
}

/** `1 / 0`. */
export function divZero(): never {
  throw new ZeroDivisionError("division by zero");
}
