/**
 * `Server`: what `startServer` and `startUnixServer` return. It accepts
 * connections and runs the handler for each one in its own task.
 *
 * @module
 */

import { throwIfAborted } from "../loop/signal_options.ts";
import type { SignalOptions } from "../loop/signal_options.ts";
import { type EventLoop, getRunningLoop } from "../loop/mod.ts";
import { onClose } from "../loop/event_loop.ts";
import { Future } from "../loop/future.ts";
import { CancelledError } from "../loop/errors.ts";
import { currentTask, Task } from "../task/task.ts";
import { closeQuietly, connectionStreams, setNoDelay } from "./_socket.ts";
import { isResourceError, waitOn, withoutStack } from "./_wait.ts";
import {
  type FileIdentity,
  fileIdentity,
  keepAcrossDrop,
  markClosing,
  removeIfSame,
  restoreAfterDrop,
} from "./_unix_path.ts";
import { checkLimit, type StreamReader } from "./stream_reader.ts";
import type { StreamWriter } from "./stream_writer.ts";
import { describeArgument, describeValue } from "../loop/describe_value.ts";
import type { TimerHandle } from "../loop/handle.ts";
import {
  checkHandshakeTimeout,
  handshakeTimeoutError,
} from "./_handshake_timeout.ts";

/**
 * Checks what `startServer()` and `startUnixServer()` are given before they
 * listen: a bad handler or limit fails the call, not each connection (whose
 * client would wait for an answer that never comes).
 */
export function checkServerOptions(
  handler: unknown,
  limit: unknown,
  action: string,
): void {
  if (typeof handler !== "function") {
    throw new TypeError(
      `Cannot ${action}: handler must be a function, got ${
        describeArgument(handler)
      }`,
    );
  }
  checkLimit(limit, action);
}

/**
 * A connection handler: called once per connection, in its own task, with
 * the connection's reader and writer.
 */
export type ConnectionHandler = (
  reader: StreamReader,
  writer: StreamWriter,
) => Promise<void> | void;

/** Options for {@linkcode Server}. */
export interface ServerOptions {
  /**
   * The readers' buffer limit in bytes.
   *
   * @default {65536}
   */
  limit?: number;
  /**
   * Whether connections can half-close (`writeEof`); `false` for TLS.
   *
   * @default {true}
   */
  halfClose?: boolean;
  /**
   * A file to remove once the server is closed (a Unix socket's path).
   *
   * The file's identity (device and inode, from `Deno.lstat`) is recorded
   * when the server is created, and the path is removed at close only if
   * it still names that same file, as CPython 3.13's `cleanup_socket`: a
   * server that took the path over meanwhile (a restart, a reload) keeps
   * its socket file. Nothing is removed if the path did not exist when the
   * server was created. Where the platform reports no inode (`ino` is
   * `null`), the path is removed without the check.
   *
   * @default {undefined}
   */
  cleanupPath?: string;
  /**
   * How long to stop accepting, in milliseconds, after accepting failed for
   * want of file descriptors or memory (`EMFILE`, `ENFILE`, `ENOBUFS`,
   * `ENOMEM`) or for a reason not known to be the peer's. Each pause is
   * reported once through the loop's exception handler; pending
   * connections wait in the listen backlog meanwhile, as in asyncio.
   *
   * @default {1000}
   */
  acceptPauseMs?: number;
  /**
   * How long a TLS connection may take over its handshake, in
   * milliseconds (asyncio's `ssl_handshake_timeout`): a client that has not
   * finished it by then (one that connects and never sends a ClientHello)
   * is closed as a failed handshake is, reported only in debug mode, and
   * its handler never runs. `null` or `Infinity` for no limit. Ignored
   * for a listener that is not TLS. See `StartServerOptions.tls` for what
   * Deno 2.9 does with the socket.
   *
   * The limit runs on the loop's clock: on a `VirtualClock`, where host
   * work does not hold time back, it expires as soon as the loop is idle,
   * so a test there passes `null`.
   *
   * @default {60000}
   */
  handshakeTimeoutMs?: number | null;
  /**
   * The loop that runs the handlers.
   *
   * @default {getRunningLoop()}
   */
  loop?: EventLoop;
}

/**
 * A listening server. It serves from the start (asyncio's
 * `start_serving=True`): each accepted connection gets a reader and a
 * writer, and the handler runs in its own task.
 *
 * - On a TLS listener, the handler runs once the connection's TLS
 *   handshake succeeded, as in asyncio: a client that fails it or hangs up
 *   first (a load balancer's connect-and-close health check, plain text on
 *   the TLS port, a reset) never runs the handler; its connection is
 *   closed, and reported only in debug mode. Each handshake runs on its
 *   own: a slow one does not hold up accepting the others. One not done
 *   within `handshakeTimeoutMs` (60 s, asyncio's `ssl_handshake_timeout`)
 *   is given up the same way: a client that connects and never sends a
 *   ClientHello does not stay counted.
 * - A handler that throws is reported through the loop's exception handler
 *   (`"Unhandled exception in client connected handler"`), and only its own
 *   connection is closed, whatever it threw (`undefined`, a symbol, an
 *   object that cannot become a string).
 * - A peer that resets before its connection is accepted is not an error
 *   of the server: it is skipped, and reported only in debug mode. When
 *   accepting fails for want of descriptors or memory, the server stops
 *   accepting for `acceptPauseMs` (one report per pause) instead of
 *   spinning, as asyncio does.
 * - When the handler returns (or throws), its connection is closed after
 *   the buffered bytes are sent. This differs from asyncio, which leaves the
 *   transport open: keep the handler running for as long as the connection
 *   is used (a chat room's handler loops over its reader).
 * - `close()` stops accepting; connections go on until their handlers end
 *   or `closeClients()`/`abortClients()` closes them; `waitClosed()` waits
 *   for both (as Python 3.12+). Connections still in their TLS handshake
 *   count as open: `closeClients()` and `abortClients()` close them.
 * - When its loop closes with the server still open (`run()` returned
 *   without closing it), the server closes as `close()` would: it stops
 *   listening, so the program can end and new clients are refused (asyncio
 *   leaves the socket to the process's exit). Connections still in their
 *   TLS handshake are closed too: no handler can run for them any more.
 *
 * @example Serve, then close with `await using`
 * ```ts
 * import { openConnection, startServer } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const got = await run(async () => {
 *   await using server = await startServer(async (_r, w) => {
 *     w.write("welcome\n");
 *   }, { port: 0 });
 *   const [r, w] = await openConnection({ port: server.port });
 *   const line = await r.readLine();
 *   await w[Symbol.asyncDispose]();
 *   return new TextDecoder().decode(line);
 * });
 * assert.equal(got, "welcome\n");
 * ```
 */
export class Server implements AsyncDisposable {
  readonly #listener: Deno.Listener;
  readonly #handler: ConnectionHandler;
  readonly #limit: number | undefined;
  readonly #halfClose: boolean;
  readonly #cleanupPath: string | undefined;
  /** The identity of the file at `#cleanupPath` when the server was made. */
  readonly #cleanupFile: FileIdentity | null;
  /** A Unix listener's socket path (Deno removes it when dropping it). */
  readonly #socketPath: string | null;
  /** The identity of the file at `#socketPath` when the server was made. */
  readonly #socketFile: FileIdentity | null;
  /** The file at `#socketPath` kept across the listener's drop. */
  #spare: string | null = null;
  /** Reports the listener dropped to servers starting on its path. */
  #dropped: (() => void) | null = null;
  readonly #loop: EventLoop;
  readonly #addrs: Deno.Addr[];
  readonly #acceptPauseMs: number;
  /** The writers of the open connections. */
  readonly #conns = new Set<StreamWriter>();
  /** The writer of each running handler's connection, by its task. */
  readonly #handlers = new Map<Task<void>, StreamWriter>();
  /** A TLS connection's time limit for its handshake; `null`: none. */
  readonly #handshakeTimeoutMs: number | null;
  /**
   * TLS connections in their handshake, each with whether it was closed
   * (`closeClients()`, its time limit) and its time limit's timer: they
   * leave once the handshake settles.
   */
  readonly #handshaking = new Map<Deno.Conn, Handshake>();
  /** Ends an accept pause early (on `close()`). */
  #endPause: (() => void) | null = null;
  #closing = false;
  #acceptDone = false;
  #closed = false;
  #closedWaiters: Future<void>[] = [];

  /**
   * Wraps a listener and starts accepting. `startServer` and
   * `startUnixServer` are the usual way to get one.
   *
   * @param listener A Deno listener (TCP, TLS or Unix).
   * @param handler The connection handler.
   * @param options Limit, half-close, accept pause, TLS handshake time
   * limit, loop.
   * @throws {RangeError} If `acceptPauseMs` is negative or not finite, or
   * `handshakeTimeoutMs` is not > 0.
   * @throws {TypeError} If `handshakeTimeoutMs` is not a number or `null`.
   * @throws {Error} If the loop is closed.
   *
   * @example Wrap a listener
   * ```ts
   * import { Server } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   *   await using server = new Server(listener, () => {});
   *   assert.equal(server.isServing(), true);
   * });
   * ```
   */
  constructor(
    listener: Deno.Listener,
    handler: ConnectionHandler,
    options?: ServerOptions,
  ) {
    checkServerOptions(handler, options?.limit, "create Server");
    this.#listener = listener;
    this.#handler = handler;
    this.#limit = options?.limit;
    this.#halfClose = options?.halfClose ?? true;
    this.#cleanupPath = options?.cleanupPath;
    this.#cleanupFile = this.#cleanupPath === undefined
      ? null
      : fileIdentity(this.#cleanupPath);
    const addr = listener.addr;
    this.#socketPath = addr.transport === "unix" && addr.path !== "" &&
        !addr.path.startsWith("\0")
      ? addr.path
      : null;
    this.#socketFile = this.#socketPath === null
      ? null
      : this.#socketPath === this.#cleanupPath
      ? this.#cleanupFile
      : fileIdentity(this.#socketPath);
    const pause = options?.acceptPauseMs ?? 1000;
    if (typeof pause !== "number" || !(pause >= 0) || !Number.isFinite(pause)) {
      throw new RangeError(
        `Cannot create Server: acceptPauseMs must be a finite number >= 0, got ${
          describeArgument(pause)
        }`,
      );
    }
    this.#acceptPauseMs = pause;
    this.#handshakeTimeoutMs = checkHandshakeTimeout(
      options?.handshakeTimeoutMs,
      "create Server",
    );
    const loop = options?.loop ?? getRunningLoop();
    if (loop.isClosed()) {
      throw new Error("Cannot create Server: event loop is closed");
    }
    this.#loop = loop;
    this.#addrs = [listener.addr];
    closersOf(loop).add(this.#loopClosed);
    this.#acceptLoop();
  }

  /**
   * The addresses the server listens on.
   *
   * @example One address
   * ```ts
   * import { startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   await using server = await startServer(() => {}, { port: 0 });
   *   assert.equal(server.addrs.length, 1);
   *   assert.equal((server.addrs[0] as Deno.NetAddr).hostname, "127.0.0.1");
   * });
   * ```
   */
  get addrs(): readonly Deno.Addr[] {
    return this.#addrs;
  }

  /**
   * The TCP port of the first address (handy with `port: 0`); `0` for a
   * Unix socket.
   *
   * @example A port picked by the system
   * ```ts
   * import { startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   await using server = await startServer(() => {}, { port: 0 });
   *   assert.ok(server.port > 0);
   * });
   * ```
   */
  get port(): number {
    const addr = this.#addrs[0];
    return addr !== undefined && "port" in addr ? addr.port : 0;
  }

  /**
   * How many connections are open.
   *
   * @example None yet
   * ```ts
   * import { startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   await using server = await startServer(() => {}, { port: 0 });
   *   assert.equal(server.connectionCount, 0);
   * });
   * ```
   */
  get connectionCount(): number {
    return this.#conns.size + this.#handshaking.size;
  }

  /**
   * A short description for reports: `Server(127.0.0.1:8080)`.
   *
   * @returns The description.
   *
   * @example Describe a server
   * ```ts
   * import { startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   await using server = await startServer(() => {}, { port: 0 });
   *   assert.equal(String(server), `Server(127.0.0.1:${server.port})`);
   * });
   * ```
   */
  toString(): string {
    const addr = this.#addrs[0];
    const where = addr === undefined
      ? "?"
      : "hostname" in addr
      ? `${addr.hostname}:${addr.port}`
      : "path" in addr
      ? addr.path
      : addr.transport;
    return `Server(${where})`;
  }

  /**
   * Whether the server accepts connections: until `close()`, or until its
   * loop closes.
   *
   * @returns `true` while serving.
   *
   * @example After close
   * ```ts
   * import { startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const server = await startServer(() => {}, { port: 0 });
   *   server.close();
   *   assert.equal(server.isServing(), false);
   *   await server.waitClosed();
   * });
   * ```
   */
  isServing(): boolean {
    return !this.#closing;
  }

  /**
   * Stops accepting connections and closes the listening socket. Open
   * connections go on (those in their TLS handshake too: their handlers
   * run once it is done). Idempotent. A server still open when its loop
   * closes is closed then.
   *
   * @example Close twice
   * ```ts
   * import { startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const server = await startServer(() => {}, { port: 0 });
   *   server.close();
   *   server.close();
   *   await server.waitClosed();
   *   assert.equal(server.isServing(), false);
   * });
   * ```
   */
  close(): void {
    if (this.#closing) return;
    this.#closing = true;
    closers.get(this.#loop)?.delete(this.#loopClosed);
    const path = this.#socketPath;
    if (path !== null) {
      // Deno removes the path when it drops the listener: keep a file that
      // must stay (a newcomer's, or ours without cleanup) under a second
      // name until then, and make a server starting on the path wait.
      this.#spare = keepAcrossDrop(
        path,
        this.#socketFile,
        this.#cleanupPath === path,
      );
      this.#dropped = markClosing(path);
    }
    try {
      this.#listener.close();
    } catch {
      // Already closed.
    }
    // With no accept pending, the listener is dropped already.
    if (this.#acceptDone) this.#afterDrop();
    this.#endPause?.();
  }

  /**
   * The loop closed: nothing can run on it any more. Stop listening, and
   * end the connections whose handler was still to come.
   */
  readonly #loopClosed = (): void => {
    this.close();
    this.#dropHandshakes();
  };

  /** Closes the TLS connections in their handshake (they leave as it fails). */
  #dropHandshakes(): void {
    for (const [conn, handshake] of this.#handshaking) {
      if (handshake.dropped) continue;
      handshake.dropped = true;
      handshake.timer?.cancel();
      handshake.timer = null;
      closeQuietly(conn);
    }
  }

  /** Once the listener is dropped: puts back what must stay at its path. */
  #afterDrop(): void {
    if (this.#socketPath !== null) {
      restoreAfterDrop(this.#socketPath, this.#spare);
    }
    this.#spare = null;
    this.#dropped?.();
    this.#dropped = null;
  }

  /**
   * Closes every open connection, after sending what each has buffered.
   * A handler still running then finds its writer closing: its next
   * `write()` throws an `Error` (the writer is closing), while a `drain()`
   * waiting rejects with `Deno.errors.ConnectionReset` (after
   * `abortClients()` too): a handler that loops on writes catches both, or
   * checks `writer.isClosing()`. To let handlers finish their answers first, wait for
   * them (`await waitFor(server.waitClosed(), ms)` after `close()`), then
   * close the clients left.
   *
   * @example Close clients
   * ```ts
   * import { openConnection, startServer } from "@aio/asyncio/io";
   * import { Event } from "@aio/asyncio/sync";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const eof = await run(async () => {
   *   const connected = new Event();
   *   await using server = await startServer(async (r) => {
   *     connected.set();
   *     await r.read();
   *   }, { port: 0 });
   *   const [r, w] = await openConnection({ port: server.port });
   *   w.write("x");
   *   await connected.wait();
   *   server.close();
   *   server.closeClients();
   *   const data = await r.read();
   *   await w[Symbol.asyncDispose]();
   *   return data.length;
   * });
   * assert.equal(eof, 0);
   * ```
   */
  closeClients(): void {
    for (const w of this.#conns) w.close();
    this.#dropHandshakes();
  }

  /**
   * Closes every open connection now, dropping what is buffered (for peers
   * that stopped reading).
   *
   * On a TLS server, a connection whose handshake has not finished is
   * closed here too (its handler never runs, `connectionCount` drops), but
   * Deno keeps its socket until the client sends something or hangs up: see
   * `StartServerOptions.tls`.
   *
   * @example Abort clients
   * ```ts
   * import { startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   await using server = await startServer(() => {}, { port: 0 });
   *   server.abortClients();
   *   assert.equal(server.connectionCount, 0);
   * });
   * ```
   */
  abortClients(): void {
    for (const w of this.#conns) w.abort();
    this.#dropHandshakes();
  }

  /**
   * Waits until the server is closed: `close()` was called, the listener
   * stopped, and every connection is closed.
   *
   * **Cancellation**: cancelling the waiting task (or aborting `signal`)
   * ends the wait only. A pre-aborted signal rejects at once.
   *
   * @param options An abort signal.
   *
   * @example Close and wait
   * ```ts
   * import { startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const server = await startServer(() => {}, { port: 0 });
   *   server.close();
   *   await server.waitClosed();
   *   assert.equal(server.connectionCount, 0);
   * });
   * ```
   */
  async waitClosed(options?: SignalOptions): Promise<void> {
    const signal = options?.signal;
    throwIfAborted(signal);
    if (this.#closed) return;
    const waiter = new Future<void>(getRunningLoop());
    this.#closedWaiters.push(waiter);
    try {
      await waitOn(waiter, signal);
    } finally {
      const i = this.#closedWaiters.indexOf(waiter);
      if (i !== -1) this.#closedWaiters.splice(i, 1);
    }
  }

  /**
   * Serves until the server is closed (by `close()` elsewhere) and every
   * connection ended.
   *
   * **Cancellation**: cancelling the waiting task (or aborting `signal`)
   * closes the server and its connections (`close()` and
   * `closeClients()`), then throws `CancelledError` (or `signal.reason`),
   * as asyncio's `serve_forever()`.
   *
   * @param options An abort signal.
   *
   * @example Stop serving with a signal
   * ```ts
   * import { startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const server = await startServer(() => {}, { port: 0 });
   *   const stop = new AbortController();
   *   queueMicrotask(() => stop.abort(new Error("enough")));
   *   await assert.rejects(server.serveForever({ signal: stop.signal }), /enough/);
   *   await server.waitClosed();
   *   assert.equal(server.isServing(), false);
   * });
   * ```
   */
  async serveForever(options?: SignalOptions): Promise<void> {
    try {
      await this.waitClosed(options);
    } catch (error) {
      this.close();
      this.closeClients();
      throw error;
    }
  }

  /**
   * `close()`, `closeClients()`, then `waitClosed()`: `await using server`.
   * `closeClients()` sends what each connection has buffered first, and
   * waits for handlers to end: a handler blocked on `drain()` to a peer that
   * stopped reading keeps the disposal waiting. Call `abortClients()`
   * before leaving the block when peers may be stuck (or leave it by a
   * cancellation, which ends the wait).
   *
   * **Cancellation**: as `waitClosed()`.
   *
   * @example Dispose
   * ```ts
   * import { startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const server = await run(async () => {
   *   await using server = await startServer(() => {}, { port: 0 });
   *   return server;
   * });
   * assert.equal(server.isServing(), false);
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    this.closeClients();
    await this.waitClosed();
  }

  async #acceptLoop(): Promise<void> {
    try {
      for (;;) {
        let conn: Deno.Conn;
        try {
          conn = await this.#listener.accept();
        } catch (error) {
          if (this.#closing || isListenerGone(error)) break;
          if (isPeerError(error)) {
            // The peer reset or aborted before its connection was accepted:
            // nothing the server did, and a flood of them must not flood
            // the log (asyncio skips them too).
            if (this.#loop.getDebug()) {
              this.#report(
                "Skipped a connection that failed before accept",
                error,
              );
            }
            continue;
          }
          const pause = this.#acceptPauseMs;
          const outOfResources = isResourceError(error);
          this.#report(
            outOfResources
              ? `Out of system resources accepting a connection: pausing accepts for ${pause} ms`
              : `Error accepting a connection: pausing accepts for ${pause} ms`,
            // Without its stack: Deno may need a free descriptor to format
            // a stack, and panics (the whole process dies) without one.
            outOfResources ? withoutStack(error) : error,
          );
          if (!await this.#pause(pause)) break;
          continue;
        }
        if (this.#closing || this.#loop.isClosed()) {
          conn.close();
          continue;
        }
        try {
          if (isTls(conn)) this.#handshake(conn);
          else this.#serve(conn, null);
        } catch (error) {
          // A connection that cannot be set up is closed, and the server
          // goes on accepting.
          try {
            conn.close();
          } catch {
            // Already closed.
          }
          this.#loop.callExceptionHandler({
            message: `Cannot serve a connection of ${describeValue(this)}`,
            exception: error,
          });
        }
      }
    } finally {
      this.#acceptDone = true;
      // The last accept has settled: a closed listener is dropped now.
      if (this.#closing) this.#afterDrop();
      if (this.#cleanupPath !== undefined) {
        removeIfSame(this.#cleanupPath, this.#cleanupFile);
      }
      this.#checkClosed();
    }
  }

  /**
   * Waits `ms` on the loop's clock (or until `close()`); `false` if the
   * server is closing or the loop is gone.
   */
  async #pause(ms: number): Promise<boolean> {
    const loop = this.#loop;
    if (this.#closing || loop.isClosed()) return false;
    const { promise, resolve } = Promise.withResolvers<void>();
    const timer = loop.callLater(ms, resolve);
    this.#endPause = () => {
      timer.cancel();
      resolve();
    };
    await promise;
    this.#endPause = null;
    return !this.#closing && !loop.isClosed();
  }

  /**
   * Runs a TLS connection's handshake, then serves it (asyncio's order: the
   * handler meets a peer known to speak TLS). Not awaited: a client slow
   * to answer holds up nobody else.
   */
  #handshake(conn: Deno.TlsConn): void {
    setNoDelay(conn);
    // Heard before anything else here can throw: a handshake is never left
    // rejecting unhandled. Its handlers run later, once it is registered.
    conn.handshake().then(
      (info) => this.#handshakeDone(conn, info.alpnProtocol),
      (error) => this.#handshakeFailed(conn, error),
    );
    const handshake: Handshake = { dropped: false, timer: null };
    this.#handshaking.set(conn, handshake);
    const ms = this.#handshakeTimeoutMs;
    if (ms !== null) {
      handshake.timer = this.#loop.callLater(
        ms,
        () => this.#handshakeTimedOut(conn, handshake, ms),
      );
    }
  }

  /**
   * A handshake outlived `handshakeTimeoutMs`: the connection is closed as
   * a failed one is (reported in debug mode only, as asyncio does), and
   * leaves `#handshaking` as its handshake settles (Deno rejects it with
   * `Interrupted` at the close).
   */
  #handshakeTimedOut(
    conn: Deno.TlsConn,
    handshake: Handshake,
    ms: number,
  ): void {
    handshake.timer = null;
    if (handshake.dropped) return;
    handshake.dropped = true;
    closeQuietly(conn);
    if (this.#loop.getDebug()) {
      this.#report("TLS handshake timed out", handshakeTimeoutError(ms));
    }
  }

  /** A handshake settled: it leaves `#handshaking`, its timer stops. */
  #handshakeSettled(conn: Deno.TlsConn): boolean | undefined {
    const handshake = this.#handshaking.get(conn);
    this.#handshaking.delete(conn);
    handshake?.timer?.cancel();
    return handshake?.dropped;
  }

  #handshakeDone(conn: Deno.TlsConn, alpnProtocol: string | null): void {
    const dropped = this.#handshakeSettled(conn);
    try {
      if (dropped !== false || this.#loop.isClosed()) {
        closeQuietly(conn);
        return;
      }
      try {
        this.#serve(conn, alpnProtocol);
      } catch (error) {
        closeQuietly(conn);
        this.#report(
          `Cannot serve a connection of ${describeValue(this)}`,
          error,
        );
      }
    } finally {
      this.#checkClosed();
    }
  }

  /**
   * A handshake failed (or was ended by `closeClients()`): the client was
   * never served, so nothing is reported but in debug mode, as asyncio
   * logs a failed handshake at debug level only.
   */
  #handshakeFailed(conn: Deno.TlsConn, error: unknown): void {
    const dropped = this.#handshakeSettled(conn);
    closeQuietly(conn);
    if (dropped === false && this.#loop.getDebug()) {
      this.#report("TLS handshake failed", error);
    }
    this.#checkClosed();
  }

  #serve(conn: Deno.Conn, alpnProtocol: string | null): void {
    setNoDelay(conn);
    const [reader, writer] = connectionStreams(conn, {
      limit: this.#limit,
      halfClose: this.#halfClose,
      onClosed: this.#connectionClosed,
      alpnProtocol,
    });
    const task = new Task<void>(
      () => this.#runHandler(reader, writer) as Promise<void>,
      { loop: this.#loop, name: describe(writer.remoteAddr) },
    );
    this.#conns.add(writer);
    this.#handlers.set(task, writer);
    task.addDoneCallback(this.#handlerDone);
  }

  /**
   * Runs the handler and reports what it throws here, so that its task
   * ends normally whatever the value was (a revoked proxy, say, which
   * breaks even `instanceof`); a cancellation goes through.
   */
  #runHandler(reader: StreamReader, writer: StreamWriter): unknown {
    let result: unknown;
    try {
      result = this.#handler(reader, writer);
    } catch (error) {
      this.#handlerFailed(error);
      return undefined;
    }
    return result instanceof Promise
      ? result.then(undefined, this.#handlerFailed)
      : result;
  }

  readonly #handlerFailed = (error: unknown): void => {
    if (isCancellation(error)) throw error;
    // The task's name, not the task: it is still running (it ends normally
    // once this report is made), and would read as "pending".
    this.#report(
      "Unhandled exception in client connected handler",
      error,
      currentTask()?.name,
    );
  };

  /** A handler's task ended: report a failure, then close (always). */
  readonly #handlerDone = (task: Future<void>): void => {
    try {
      if (!task.cancelled()) {
        let failed = false;
        let error: unknown;
        try {
          task.result();
        } catch (e) {
          // Whatever was thrown, `undefined` included.
          failed = true;
          error = e;
        }
        if (failed) {
          this.#report(
            "Unhandled exception in client connected handler",
            error,
            (task as Task<void>).name,
          );
        }
      }
    } finally {
      const writer = this.#handlers.get(task as Task<void>);
      this.#handlers.delete(task as Task<void>);
      writer?.close();
    }
  };

  readonly #connectionClosed = (writer: StreamWriter): void => {
    this.#conns.delete(writer);
    this.#checkClosed();
  };

  /**
   * Reports through the loop's exception handler. It never throws: the
   * close path runs after it, and a handler that cannot print the value
   * must not keep a connection open.
   */
  #report(message: string, exception: unknown, task?: string): void {
    if (this.#loop.isClosed()) return;
    try {
      this.#loop.callExceptionHandler({
        message,
        exception,
        ...(task !== undefined ? { task } : {}),
        server: this,
      });
    } catch {
      try {
        console.error(`${message} (the exception handler failed to report it)`);
      } catch {
        // Nowhere left to report to.
      }
    }
  }

  #checkClosed(): void {
    if (this.#closed || !this.#closing || !this.#acceptDone) return;
    if (this.#conns.size > 0 || this.#handshaking.size > 0) return;
    this.#closed = true;
    for (const f of this.#closedWaiters.splice(0)) {
      if (!f.done() && !f.getLoop().isClosed()) f.setResult();
    }
  }
}

/**
 * The servers left open on each loop, as their `#loopClosed`: closed when
 * the loop closes (one `onClose` listener per loop; a server leaves its
 * set when it closes, so a long-lived loop holds only the open ones).
 */
const closers = new WeakMap<EventLoop, Set<() => void>>();

function closersOf(loop: EventLoop): Set<() => void> {
  let set = closers.get(loop);
  if (set === undefined) {
    set = new Set();
    closers.set(loop, set);
    loop[onClose](closeServers);
  }
  return set;
}

function closeServers(loop: EventLoop): void {
  const set = closers.get(loop);
  closers.delete(loop);
  for (const close of set ?? []) {
    try {
      close();
    } catch (error) {
      loop.callExceptionHandler({
        message: "Exception while closing a server of a closing loop",
        exception: error,
      });
    }
  }
}

/** A TLS connection in its handshake. */
interface Handshake {
  /** Closed by the server (`closeClients()`, its time limit). */
  dropped: boolean;
  /** Its time limit's timer, until the handshake ends or it fires. */
  timer: TimerHandle | null;
}

/** Whether an accepted connection is TLS (a `Deno.TlsListener`'s). */
function isTls(conn: Deno.Conn): conn is Deno.TlsConn {
  return typeof (conn as { handshake?: unknown }).handshake === "function";
}

function isCancellation(error: unknown): boolean {
  try {
    return error instanceof CancelledError;
  } catch {
    // A revoked proxy: no prototype to look at.
    return false;
  }
}

/** Errors of `accept()` that mean the listener is closed. */
function isListenerGone(error: unknown): boolean {
  return error instanceof Deno.errors.BadResource ||
    error instanceof Deno.errors.Interrupted;
}

/** `accept()` errors caused by the peer (a reset before accept, say). */
const PEER_CODES = new Set([
  "ECONNABORTED",
  "ECONNRESET",
  "ENOTCONN",
  "EPROTO",
  "EPERM",
  "ENETDOWN",
  "ENETUNREACH",
  "EHOSTDOWN",
  "EHOSTUNREACH",
  "ENONET",
  "ENOPROTOOPT",
  "EOPNOTSUPP",
]);

function errorCode(error: unknown): unknown {
  try {
    return (error as { code?: unknown } | null)?.code;
  } catch {
    return undefined;
  }
}

function isPeerError(error: unknown): boolean {
  return error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.ConnectionAborted ||
    error instanceof Deno.errors.ConnectionReset ||
    PEER_CODES.has(errorCode(error) as string);
}

/** A handler task's name: `handler <peer>`, one flat string. */
function describe(addr: Deno.Addr | null): string {
  if (addr === null) return "handler ?";
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return ["handler ", addr.hostname, ":", addr.port].join("");
  }
  return ["handler ", "path" in addr ? addr.path : addr.transport].join("");
}
