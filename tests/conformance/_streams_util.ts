/**
 * Helpers for the ports of CPython's `Lib/test/test_asyncio/test_streams.py`
 * to aio (`streams_*_test.ts`).
 *
 * @module
 */

import { run } from "@aio/asyncio/task";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** `b'...'`: text as UTF-8 bytes. */
export function b(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}

/** Bytes as text, to compare with `assert.equal`. */
export function str(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** `run(main)` on the real clock (sockets), without a SIGINT listener. */
export function netRun<T>(main: () => Promise<T>): Promise<T> {
  return run(main, { handleSigint: false });
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

/** Stands for Python's `ValueError`. */
export class ValueError extends Error {
  override name = "ValueError";
}
/** Stands for Python's `RuntimeError`. */
export class RuntimeError extends Error {
  override name = "RuntimeError";
}
/** Stands for Python's `ZeroDivisionError`. */
export class ZeroDivisionError extends Error {
  override name = "ZeroDivisionError";
}

/** What CPython's `test_utils.run_test_server()` answers to any request. */
export const HTTP_RESPONSE = "HTTP/1.0 200 OK\r\n" +
  "Content-type: text/plain\r\n\r\nTest message";

/**
 * CPython's `test_utils.run_test_server()`: a server outside the library
 * (plain Deno sockets, as CPython's runs in a thread) that reads a request
 * up to its blank line, answers {@linkcode HTTP_RESPONSE} and hangs up.
 * `close()` stops it and waits for its connections to end.
 */
export interface TestServer {
  /** The port (TCP) or `0` (Unix). */
  readonly port: number;
  /** The socket path (Unix) or `""`. */
  readonly path: string;
  /** Stops listening, waits for the connections served to end. */
  close(): Promise<void>;
}

function serve(listener: Deno.Listener): Promise<void> {
  const conns: Promise<void>[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.push((async () => {
        const buf = new Uint8Array(1024);
        let got = "";
        try {
          while (!got.includes("\r\n\r\n")) {
            const n = await conn.read(buf);
            if (n === null) break;
            got += decoder.decode(buf.subarray(0, n));
          }
          if (got.includes("\r\n\r\n")) {
            await conn.write(encoder.encode(HTTP_RESPONSE));
          }
        } catch {
          // The client went away: nothing to answer.
        } finally {
          conn.close();
        }
      })());
    }
  })();
  return accepting.then(() => Promise.all(conns)).then(() => {});
}

/** `run_test_server()` on loopback TCP. */
export function runTestServer(): TestServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const done = serve(listener);
  return {
    port: (listener.addr as Deno.NetAddr).port,
    path: "",
    close: async () => {
      listener.close();
      await done;
    },
  };
}

/** `run_test_unix_server()` at `path`. */
export function runTestUnixServer(path: string): TestServer {
  try {
    Deno.removeSync(path);
  } catch {
    // Not there.
  }
  const listener = Deno.listen({ transport: "unix", path });
  const done = serve(listener);
  return {
    port: 0,
    path,
    close: async () => {
      listener.close();
      await done;
      try {
        Deno.removeSync(path);
      } catch {
        // Deno removed it.
      }
    },
  };
}

/**
 * The socket path of a test file's Unix tests (they run one after another;
 * files run in parallel, so one path each). `deno task test` allows
 * exactly these paths.
 */
export function unixPath(file: "net" | "documented"): string {
  return `/tmp/aio-conf-streams-${file}.sock`;
}
