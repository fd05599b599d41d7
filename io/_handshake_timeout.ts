/**
 * Private helpers of the io module: the TLS handshake time limit shared by
 * the server (`StartServerOptions.tls`, `ServerOptions`) and the client
 * (`openConnection({ tls })`, `writer.startTls()`), asyncio's
 * `ssl_handshake_timeout`.
 */

import type { EventLoop } from "../loop/mod.ts";
import { describeArgument } from "../loop/describe_value.ts";
import { TimeoutError } from "../task/errors.ts";

/** asyncio's `ssl_handshake_timeout` default, 60 s. */
export const HANDSHAKE_TIMEOUT_MS = 60_000;

/**
 * Checks a `handshakeTimeoutMs` option: the limit in milliseconds, or
 * `null` for none (`null` or `Infinity`); `undefined` is the default.
 * `action` completes `Cannot ...` (`"call startServer()"`).
 */
export function checkHandshakeTimeout(
  value: unknown,
  action: string,
): number | null {
  if (value === undefined) return HANDSHAKE_TIMEOUT_MS;
  if (value === null || value === Infinity) return null;
  if (typeof value !== "number") {
    throw new TypeError(
      `Cannot ${action}: handshakeTimeoutMs must be a number of milliseconds, null or Infinity, got ${
        describeArgument(value)
      }`,
    );
  }
  if (!(value > 0)) {
    throw new RangeError(
      `Cannot ${action}: handshakeTimeoutMs must be > 0 (null or Infinity for no limit), got ${
        describeArgument(value)
      }`,
    );
  }
  return value;
}

/** The error of a handshake that ran out of time. */
export function handshakeTimeoutError(ms: number): TimeoutError {
  return new TimeoutError(`TLS handshake took longer than ${ms} ms`);
}

/** A client handshake's deadline, as a signal; `cancel()` once it ended. */
export interface HandshakeDeadline {
  /** Aborts with a `TimeoutError` at the deadline, or with `signal`. */
  readonly signal: AbortSignal | undefined;
  /** Cancels the timer. */
  cancel(): void;
}

/**
 * A signal that aborts with a `TimeoutError` `ms` from now on `loop`'s
 * clock (or with the caller's `signal`, whichever comes first). With no
 * limit (`null`), just the caller's signal.
 */
export function handshakeDeadline(
  ms: number | null,
  signal: AbortSignal | undefined,
  loop: EventLoop,
): HandshakeDeadline {
  if (ms === null) return { signal, cancel: () => {} };
  const controller = new AbortController();
  const timer = loop.callLater(
    ms,
    () => controller.abort(handshakeTimeoutError(ms)),
  );
  if (signal === undefined) {
    return { signal: controller.signal, cancel: () => timer.cancel() };
  }
  // The caller's signal is forwarded by a listener removed at the end, not
  // joined with AbortSignal.any(): Deno keeps every signal any() makes in
  // its sources until they abort, so a long-lived shutdown signal would
  // keep one per handshake.
  const forward = (): void => controller.abort(signal.reason);
  if (signal.aborted) forward();
  else signal.addEventListener("abort", forward, { once: true });
  return {
    signal: controller.signal,
    cancel: () => {
      timer.cancel();
      signal.removeEventListener("abort", forward);
    },
  };
}
