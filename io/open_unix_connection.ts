/**
 * `openUnixConnection`: connect to a Unix socket server.
 *
 * @module
 */

import { throwIfAborted } from "../loop/signal_options.ts";
import { runInScope } from "../task/scope_future.ts";
import { connectionStreams } from "./_socket.ts";
import { hostOpen } from "./_wait.ts";
import { checkLimit, type StreamReader } from "./stream_reader.ts";
import type { StreamWriter } from "./stream_writer.ts";

/** Options for {@linkcode openUnixConnection}. */
export interface OpenUnixConnectionOptions {
  /**
   * The reader's buffer limit in bytes.
   *
   * @default {65536}
   */
  limit?: number;
  /** Aborting it ends the connect with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Connects to the Unix socket at `path` and returns `[reader, writer]`, as
 * asyncio's `open_unix_connection`. Since Deno 2.9 this needs
 * `--allow-net=unix:<absolute path>` (an exact path) besides read and write
 * access to it.
 *
 * **Cancellation**: as `openConnection`: the promise is a library future
 * that cancelling the task, a deadline, `waitFor()` or `gather()` ends at
 * once with `CancelledError`; a connection established afterwards is
 * closed, and so is one that comes as the cancellation does.
 *
 * @param path The socket's path.
 * @param options Limit and signal.
 * @returns The reader and the writer.
 * @throws {Deno.errors.NotFound} If no socket is there.
 *
 * @example Echo over a Unix socket
 * ```ts
 * import { openUnixConnection, startUnixServer } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * // Needs --allow-net=unix:/tmp/aio-test-io-3.sock (and read, write).
 * const path = "/tmp/aio-test-io-3.sock";
 * await Deno.remove(path).catch(() => {});
 * const got = await run(async () => {
 *   await using _server = await startUnixServer(async (r, w) => {
 *     w.write(await r.readLine());
 *   }, { path });
 *   const [reader, writer] = await openUnixConnection(path);
 *   writer.write("hi\n");
 *   const line = new TextDecoder().decode(await reader.readLine());
 *   await writer[Symbol.asyncDispose]();
 *   return line;
 * });
 * assert.equal(got, "hi\n");
 * ```
 */
export function openUnixConnection(
  path: string,
  options?: OpenUnixConnectionOptions,
): Promise<[StreamReader, StreamWriter]> {
  return runInScope(() => connect(path, options), "openUnixConnection");
}

async function connect(
  path: string,
  options?: OpenUnixConnectionOptions,
): Promise<[StreamReader, StreamWriter]> {
  checkLimit(options?.limit, "call openUnixConnection()");
  const signal = options?.signal;
  throwIfAborted(signal);
  const conn = await hostOpen(
    Deno.connect({ transport: "unix", path }),
    signal,
    close,
  );
  return connectionStreams(conn, { limit: options?.limit });
}

function close(conn: Deno.Conn): void {
  conn.close();
}
