/**
 * `startServer`: a TCP (or TLS) server whose connections are streams.
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
import { hostCall } from "./_wait.ts";
import { checkHandshakeTimeout } from "./_handshake_timeout.ts";

/** TLS settings of a server. */
export interface TlsServerOptions {
  /** The certificate chain, PEM. */
  cert: string;
  /** The private key, PEM. */
  key: string;
  /**
   * ALPN protocols to accept, in the server's order of preference; the one
   * agreed with a client is its writer's `alpnProtocol`. When both ends list protocols and none is common, the handshake fails
   * (rustls follows RFC 7301: a fatal `no_application_protocol` alert);
   * asyncio's OpenSSL connects with none.
   *
   * @default {undefined}
   */
  alpnProtocols?: string[];
  /**
   * How long a client may take over its TLS handshake, in milliseconds
   * (asyncio's `ssl_handshake_timeout`, 60 s by default); `null` or
   * `Infinity` for no limit. A client that has not finished it by then
   * (one that connects and never sends a ClientHello, a slow-loris) is
   * closed as a failed handshake is: its handler never runs, it no longer
   * counts in `connectionCount`, and it is reported only in debug mode.
   * The timer runs on the loop's clock, and stops when the handshake ends.
   *
   * Deno 2.9 limit: the socket itself ends only once the client sends
   * something or hangs up (see {@linkcode StartServerOptions.tls}).
   *
   * The limit runs on the loop's clock: on a `VirtualClock`, where host
   * work does not hold time back, it expires as soon as the loop is idle,
   * so a test there passes `null`.
   *
   * @default {60000}
   *
   * @example Give clients 10 s to finish their handshake
   * ```ts
   * import { openConnection, startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const dir = new URL("./testdata/", import.meta.url);
   * const cert = Deno.readTextFileSync(new URL("cert.pem", dir));
   * const key = Deno.readTextFileSync(new URL("key.pem", dir));
   * const reply = await run(async () => {
   *   await using server = await startServer(async (_r, w) => {
   *     w.write("hello\n");
   *   }, { port: 0, tls: { cert, key, handshakeTimeoutMs: 10_000 } });
   *   const [r, w] = await openConnection({
   *     port: server.port,
   *     tls: { hostname: "localhost", caCerts: [cert] },
   *   });
   *   const line = new TextDecoder().decode(await r.readLine());
   *   await w[Symbol.asyncDispose]();
   *   return line;
   * });
   * assert.equal(reply, "hello\n");
   * ```
   */
  handshakeTimeoutMs?: number | null;
}

/** Options for {@linkcode startServer}. */
export interface StartServerOptions {
  /**
   * The address to listen on. Loopback by default (Deno's and asyncio's
   * default is every interface): pass `"0.0.0.0"` to serve the network.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /** The port; `0` picks a free one (see `server.port`). */
  port: number;
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
   * Serve TLS with this certificate and key.
   *
   * The handler runs once the connection's handshake succeeded, as in
   * asyncio (`writer.alpnProtocol` then tells the protocol agreed); a
   * client that fails it or hangs up first (a health check's
   * connect-and-close, plain text) never reaches the handler: its
   * connection is closed, and reported only in debug mode. A client that
   * hangs up without a TLS `close_notify` alert ends its stream as EOF
   * once its bytes are read, as in asyncio (Deno reports an
   * `UnexpectedEof`).
   *
   * A handshake not finished within `tls.handshakeTimeoutMs` (60 s by
   * default, as asyncio's `ssl_handshake_timeout`) is given up: the
   * connection is closed as a failed one is.
   *
   * Deno 2.9 limit: a connection closed before its TLS handshake finished
   * (its time limit, `closeClients()`, `abortClients()`) keeps its socket
   * until the client sends something or hangs up, since Deno's handshake
   * cannot be stopped. A client that connects and never sends a
   * ClientHello so holds a descriptor after the server let it go (asyncio
   * closes the socket). Bound what silent clients can take at the network
   * level (a connection limit, a TLS-terminating proxy) where it matters.
   *
   * @default {undefined}
   */
  tls?: TlsServerOptions;
}

/**
 * Starts a TCP server, as asyncio's `start_server`: each connection runs
 * `handler(reader, writer)` in its own task. Must be called inside a running
 * loop, which runs the handlers.
 *
 * A plain TCP connection can be half-closed both ways: a client that shuts
 * its write side ends the handler's reads (EOF) while the handler can
 * still write its answer, and `writer.writeEof()` shuts the handler's side
 * the same way. Over TLS, `canWriteEof()` is false: the handler cannot
 * half-close its side.
 *
 * **Cancellation**: listening does not wait. The promise returned is a
 * library future that is done at once, so `waitFor(startServer(...), ms)`
 * and `gather()` hand the server over rather than leaving it listening for
 * nobody. Errors (a port in use, a bad option) reject it.
 *
 * @param handler The connection handler.
 * @param options Address, port, limit, TLS.
 * @returns The serving server.
 * @throws {Deno.errors.AddrInUse} If the port is taken.
 * @throws {RangeError} If `acceptPauseMs` is negative or not finite, or
 * `tls.handshakeTimeoutMs` is not > 0.
 * @throws {TypeError} If `tls.handshakeTimeoutMs` is not a number or
 * `null`.
 *
 * @example An upper-casing server
 * ```ts
 * import { openConnection, startServer } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const got = await run(async () => {
 *   await using server = await startServer(async (r, w) => {
 *     for await (const line of r) {
 *       w.write(new TextDecoder().decode(line).toUpperCase());
 *     }
 *   }, { port: 0 });
 *   const [r, w] = await openConnection({ port: server.port });
 *   w.write("abc\n");
 *   const line = await r.readLine();
 *   await w[Symbol.asyncDispose]();
 *   return new TextDecoder().decode(line);
 * });
 * assert.equal(got, "ABC\n");
 * ```
 */
export function startServer(
  handler: ConnectionHandler,
  options: StartServerOptions,
): Promise<Server> {
  return runInScope(() => listen(handler, options), "startServer");
}

function listen(
  handler: ConnectionHandler,
  options: StartServerOptions,
): Server {
  checkServerOptions(handler, options.limit, "call startServer()");
  const loop = getRunningLoop();
  const hostname = options.hostname ?? "127.0.0.1";
  const tls = options.tls;
  const handshakeTimeoutMs = tls === undefined
    ? undefined
    : checkHandshakeTimeout(tls.handshakeTimeoutMs, "call startServer()");
  const listener: Deno.Listener = hostCall(() =>
    tls === undefined
      ? Deno.listen({ hostname, port: options.port })
      : Deno.listenTls({
        hostname,
        port: options.port,
        cert: tls.cert,
        key: tls.key,
        ...(tls.alpnProtocols !== undefined
          ? { alpnProtocols: tls.alpnProtocols }
          : {}),
      })
  );
  try {
    return new Server(listener, handler, {
      loop,
      halfClose: tls === undefined,
      ...(handshakeTimeoutMs !== undefined ? { handshakeTimeoutMs } : {}),
      ...(options.limit !== undefined ? { limit: options.limit } : {}),
      ...(options.acceptPauseMs !== undefined
        ? { acceptPauseMs: options.acceptPauseMs }
        : {}),
    });
  } catch (error) {
    // A bad option: do not leave the socket open.
    listener.close();
    throw error;
  }
}
