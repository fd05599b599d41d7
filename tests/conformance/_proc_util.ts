/**
 * Helpers for the ports of CPython's
 * `Lib/test/test_asyncio/test_subprocess.py` (and the subprocess cases of
 * `test_events.py`) to aio (`proc_*_test.ts`): the Python children those
 * tests run, a bounded real-clock `run()`, and byte/text conversions.
 *
 * The virtual clock cannot drive real processes, so these run on the real
 * clock; every test is bounded by `prun()`'s deadline instead, and waits
 * on events (a line from the child, its exit), never on a fixed sleep.
 *
 * @module
 */

import { run, timeout } from "@aio/asyncio/task";

/** `sys.executable`: the system Python (no pyenv shim in between). */
export const PY: string = (() => {
  try {
    Deno.statSync("/usr/bin/python3");
    return "/usr/bin/python3";
  } catch {
    return "python3";
  }
})();

/** CPython's `PROGRAM_BLOCKED`. */
export const PROGRAM_BLOCKED: [string, string[]] = [
  PY,
  ["-c", "import time; time.sleep(3600)"],
];

/** CPython's `PROGRAM_CAT`. */
export const PROGRAM_CAT: [string, string[]] = [
  PY,
  [
    "-c",
    "import sys; data = sys.stdin.buffer.read(); sys.stdout.buffer.write(data)",
  ],
];

/** CPython's `support.PIPE_MAX_SIZE` (4 MiB + 1). */
export const PIPE_MAX_SIZE = 4 * 1024 * 1024 + 1;

/** The Linux signal numbers the tests compare `returncode` with. */
export const SIG = { SIGHUP: 1, SIGKILL: 9, SIGTERM: 15 } as const;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `b'...'`: text as UTF-8 bytes. */
export function b(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** Bytes as text (`null` stays `null`), to compare with `assert.equal`. */
export function str(bytes: Uint8Array): string;
export function str(bytes: Uint8Array | null): string | null;
export function str(bytes: Uint8Array | null): string | null {
  return bytes === null ? null : decoder.decode(bytes);
}

/**
 * `loop.run_until_complete(asyncio.wait_for(main(), LONG_TIMEOUT))` on the
 * real clock, without a SIGINT listener: a test that hangs fails at the
 * deadline (its `await using` children are then killed and reaped).
 */
export function prun<T>(main: () => Promise<T>, ms = 30_000): Promise<T> {
  return run(() => timeout(ms, () => main()), { handleSigint: false });
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
