/**
 * `startUnixServer`: a Unix socket server whose connections are streams.
 *
 * @module
 */

import { getRunningLoop } from "../loop/mod.ts";
import { runInScope } from "../task/scope_future.ts";
import { type ConnectionHandler, Server } from "./server.ts";

/** Options for {@linkcode startUnixServer}. */
export interface StartUnixServerOptions {
  /** The socket's path. */
  path: string;
  /**
   * The readers' buffer limit in bytes.
   *
   * @default {65536}
   */
  limit?: number;
  /**
   * How long to stop accepting, in milliseconds, after accepting failed for
   * want of file descriptors or memory (`EMFILE`, `ENFILE`, `ENOBUFS`,
   * `ENOMEM`); each pause is reported once, as asyncio does.
   *
   * @default {1000}
   */
  acceptPauseMs?: number;
  /**
   * Remove the socket file once the server is closed (as Python 3.13's
   * `cleanup_socket`).
   *
   * @default {true}
   */
  cleanup?: boolean;
}

/**
 * Starts a Unix socket server, as asyncio's `start_unix_server`: each
 * connection runs `handler(reader, writer)` in its own task. Since Deno
 * 2.9, Unix sockets need `--allow-net=unix:<absolute path>` (an exact
 * path) besides read and write access to it.
 *
 * A socket file already at `path` is removed first, as CPython's
 * `create_unix_server()` does: a server that was killed (SIGKILL, OOM, a
 * power cut) leaves its file behind, and its successor must be able to start.
 * Like CPython, it does not check that no live server listens there. Any
 * other kind of file is left alone.
 *
 * **Cancellation**: as `startServer`: listening does not wait, and the
 * promise is a library future that is done at once, so `waitFor()` and
 * `gather()` hand the server over. Errors reject it.
 *
 * @param handler The connection handler.
 * @param options The path, limit, cleanup.
 * @returns The serving server.
 * @throws {Deno.errors.AddrInUse} If something other than a socket (a
 * regular file, a directory, a symbolic link) exists at the path.
 * @throws {RangeError} If `acceptPauseMs` is negative or not finite.
 *
 * @example Serve on a socket file
 * ```ts
 * import { startUnixServer } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * // Needs --allow-net=unix:/tmp/aio-test-io-4.sock (and read, write).
 * const path = "/tmp/aio-test-io-4.sock";
 * await Deno.remove(path).catch(() => {});
 * await run(async () => {
 *   await using server = await startUnixServer(() => {}, { path });
 *   assert.equal(server.addrs[0]!.transport, "unix");
 * });
 * ```
 */
export function startUnixServer(
  handler: ConnectionHandler,
  options: StartUnixServerOptions,
): Promise<Server> {
  return runInScope(() => listen(handler, options), "startUnixServer");
}

function listen(
  handler: ConnectionHandler,
  options: StartUnixServerOptions,
): Server {
  const loop = getRunningLoop();
  removeStaleSocket(options.path);
  const listener = Deno.listen({ transport: "unix", path: options.path });
  try {
    return new Server(listener, handler, {
      loop,
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.acceptPauseMs !== undefined
        ? { acceptPauseMs: options.acceptPauseMs }
        : {}),
      ...(options.cleanup !== false ? { cleanupPath: options.path } : {}),
    });
  } catch (error) {
    // A bad option: do not leave the socket open.
    listener.close();
    if (options.cleanup !== false) {
      try {
        Deno.removeSync(options.path);
      } catch {
        // Already gone.
      }
    }
    throw error;
  }
}

/** Removes a socket file left at `path`; refuses any other file. */
function removeStaleSocket(path: string): void {
  let info: Deno.FileInfo;
  try {
    // lstat: a symbolic link is not followed, so its target is never removed.
    info = Deno.lstatSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  // null: the platform cannot tell (Windows); binding decides.
  if (info.isSocket === null) return;
  if (!info.isSocket) {
    throw new Deno.errors.AddrInUse(
      `Cannot start a Unix server on ${path}: the path exists and is not a socket`,
    );
  }
  Deno.removeSync(path);
}
