/**
 * Private helpers of the io module: waiting on a library future with an
 * abort signal, and turning a host promise into a cancellable wait.
 */

import { throwIfAborted } from "../loop/signal_options.ts";
import { type EventLoop, getRunningLoop } from "../loop/mod.ts";
import { checkpoint } from "../loop/cancel_scope.ts";
import { Future } from "../loop/future.ts";
import { describeArgument } from "../loop/describe_value.ts";

/**
 * What to await for `future` (a fresh waiter owned by the caller): the
 * future itself, or with a `signal`, one that aborting it completes with
 * `signal.reason` (the listener is removed when the wait settles). Not an
 * async function: a pending wait is one frame less per idle connection.
 */
export function waitOn<T>(
  future: Future<T>,
  signal: AbortSignal | undefined,
): PromiseLike<T> {
  return signal === undefined ? future : future.abortOn(signal);
}

/**
 * Waits for a host promise through a library future, so the waiting task's
 * cancellation (or `signal`) reaches the wait. If the wait ends first, the
 * host operation still runs to its end and `late` receives its result (to
 * close a connection nobody will use, for example).
 */
export function hostWait<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  late?: (value: T) => void,
  loop: EventLoop = getRunningLoop(),
): PromiseLike<T> {
  const future = new Future<T>(loop);
  promise.then(
    (value) => {
      if (future.done() || loop.isClosed()) late?.(value);
      else future.setResult(value);
    },
    (error) => {
      if (!future.done() && !loop.isClosed()) {
        // A caller out of descriptors gets an error it can log: the stack
        // of a host error is one frame inside Deno anyway.
        future.setException(
          isResourceError(error) ? withoutStack(error) : error,
        );
      }
    },
  );
  return waitOn(future, signal);
}

/**
 * Waits for a host promise of a resource (a connection, a file) as
 * {@linkcode hostWait} does, and closes the resource if nobody will take
 * it: when it comes after the wait ended (cancelled, or `signal` aborted),
 * or when a cancellation reached the waiting code after it came, before the
 * code resumed. That cancellation is thrown here, as at a wait started now:
 * asyncio's `open_connection()` cancelled as its connect completes closes
 * the socket too, and a caller that gave up never gets the resource.
 */
export async function hostOpen<T>(
  promise: Promise<T>,
  signal: AbortSignal | undefined,
  close: (value: T) => void,
): Promise<T> {
  const value = await hostWait(promise, signal, close);
  try {
    throwIfAborted(signal);
    checkpoint();
  } catch (error) {
    close(value);
    throw error;
  }
  return value;
}

/**
 * Calls a synchronous host function that opens a descriptor
 * (`Deno.listen()`, `Deno.listenDatagram()`, `Deno.Command#spawn()`): a
 * host error for want of descriptors is thrown without its stack, as
 * {@linkcode hostWait} rejects with one.
 */
export function hostCall<T>(open: () => T): T {
  try {
    return open();
  } catch (error) {
    throw isResourceError(error) ? withoutStack(error) : error;
  }
}

/** Host errors for want of descriptors or memory. */
const RESOURCE_CODES = new Set(["EMFILE", "ENFILE", "ENOBUFS", "ENOMEM"]);

/** Whether `error` is a host error for want of descriptors or memory. */
export function isResourceError(error: unknown): boolean {
  try {
    return RESOURCE_CODES.has(
      (error as { code?: unknown } | null)?.code as string,
    );
  } catch {
    // A hostile `code` getter.
    return false;
  }
}

/**
 * The error, its stack replaced by `Name: message` before anything formats
 * it. For host errors out of descriptors: formatting a stack, Deno 2.9
 * maps its frames through source maps, and can meet its stack probe, which
 * reads `/proc/self/maps`; with no descriptor free it panics, and the whole
 * process dies (tests/faults/emfile_open_test.ts).
 */
export function withoutStack(error: unknown): unknown {
  try {
    if (error instanceof Error) {
      Object.defineProperty(error, "stack", {
        value: `${error.name}: ${error.message}`,
        configurable: true,
        writable: true,
      });
    }
  } catch {
    // A frozen error or a hostile getter: reported as it is.
  }
  return error;
}

/** Concatenates byte arrays. */
export function concat(chunks: readonly Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let size = 0;
  for (const c of chunks) size += c.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The UTF-8 encoder shared by the module. */
export const encoder: TextEncoder = new TextEncoder();

/**
 * Checks what is to be written or sent: bytes or text. `action` completes
 * the message, `Cannot <action>: ...` (`"call send()"`, `"write"`).
 */
export function checkBytesOrText(
  data: unknown,
  action: string,
): asserts data is Uint8Array | string {
  if (typeof data !== "string" && !(data instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot ${action}: data must be a Uint8Array or a string, got ${
        describeArgument(data)
      }`,
    );
  }
}
