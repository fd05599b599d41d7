/**
 * `startUnixServer`: a Unix socket server whose connections are streams.
 *
 * @module
 */

import { getRunningLoop } from "../loop/mod.ts";
import { runInScope } from "../task/scope_future.ts";
import {
  checkServerOptions,
  type ConnectionHandler,
  Server,
} from "./server.ts";
import { closingAt } from "./_unix_path.ts";
import { hostCall, hostWait } from "./_wait.ts";
import { describeArgument } from "../loop/describe_value.ts";

/** Options for {@linkcode startUnixServer}. */
export interface StartUnixServerOptions {
  /**
   * The socket's path. On Linux, a name that starts with a NUL byte
   * (`"\0name"`) is an abstract socket: no file, gone with the last socket
   * that uses it.
   */
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
   * `cleanup_socket`): only if the path still names the file this server
   * bound (same device and inode), so a server that took the path over
   * meanwhile keeps its file. With `false`, the file stays after the close
   * (Deno removes a Unix listener's path when it closes it; the server
   * keeps the file through a hard link beside it, which needs write access
   * to the directory: without it, the file goes).
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
 * other kind of file is left alone. A Linux abstract name (starting with
 * `"\0"`) has no file: there is nothing to remove, before or after, as in
 * CPython (Deno grants one only with `--allow-net` for every host).
 *
 * Taking a path over from a live server (a restart, a reload) is safe: the
 * old server, closing, removes the path only if it still names its own
 * socket file (CPython 3.13 compares the inode the same way), and leaves
 * the newcomer's. Deno removes a Unix listener's path whenever it closes
 * the listener, so the old server keeps the newcomer's file through a hard
 * link beside it (write access to the directory) and puts it back once its
 * listener is gone; a client connecting in that instant may find no file.
 * A server of this process still closing at `path` is waited for before
 * binding, so its listener's end cannot take the new file.
 *
 * **Cancellation**: as `startServer`: listening does not wait, except for
 * a server of this process closing at the same path (until its listener is
 * gone, a tick); cancelling that wait rejects the promise with the
 * cancellation and starts nothing. Once listening, the promise is a
 * library future that is done at once, so `waitFor()` and `gather()` hand
 * the server over. Errors reject it.
 *
 * @param handler The connection handler.
 * @param options The path, limit, cleanup.
 * @returns The serving server.
 * @throws {Deno.errors.AddrInUse} If something other than a socket (a
 * regular file, a directory, a symbolic link) exists at the path.
 * @throws {RangeError} If `acceptPauseMs` is negative or not finite.
 * @throws {TypeError} If `path` is not a string.
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
): Server | Promise<Server> {
  checkServerOptions(handler, options.limit, "call startUnixServer()");
  if (typeof options.path !== "string") {
    throw new TypeError(
      `Cannot call startUnixServer(): path must be a string, got ${
        describeArgument(options.path)
      }`,
    );
  }
  const loop = getRunningLoop();
  // A server of this process closing on the path: Deno removes the path
  // when it drops that listener, so bind only after it has. (Otherwise at
  // once: the future is done when this returns.)
  const dropped = closingAt(options.path);
  if (dropped !== null) {
    return (async () => {
      await hostWait(dropped, undefined);
      return listen(handler, options);
    })();
  }
  // A Linux abstract name: no file to look at or remove (`lstat` refuses
  // the NUL byte).
  const file = !options.path.startsWith("\0");
  if (file) removeStaleSocket(options.path);
  const listener = hostCall(() =>
    Deno.listen({ transport: "unix", path: options.path })
  );
  const cleanup = file && options.cleanup !== false;
  try {
    return new Server(listener, handler, {
      loop,
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.acceptPauseMs !== undefined
        ? { acceptPauseMs: options.acceptPauseMs }
        : {}),
      ...(cleanup ? { cleanupPath: options.path } : {}),
    });
  } catch (error) {
    // A bad option: do not leave the socket open.
    listener.close();
    if (cleanup) {
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
