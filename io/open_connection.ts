/**
 * `openConnection`: connect to a TCP (or TLS) server and get a reader and a
 * writer.
 *
 * @module
 */

import { throwIfAborted } from "../loop/signal_options.ts";
import { checkpoint } from "../loop/cancel_scope.ts";
import { getRunningLoop } from "../loop/mod.ts";
import { runInScope } from "../task/scope_future.ts";
import { closeQuietly, connectionStreams, setNoDelay } from "./_socket.ts";
import { hostOpen, hostWait } from "./_wait.ts";
import {
  checkHandshakeTimeout,
  handshakeDeadline,
} from "./_handshake_timeout.ts";
import { checkLimit, type StreamReader } from "./stream_reader.ts";
import type { StreamWriter } from "./stream_writer.ts";

/** TLS settings of a client connection. */
export interface TlsClientOptions {
  /**
   * Extra PEM root certificates to trust (a self-signed test certificate,
   * for example).
   *
   * @default {undefined}
   */
  caCerts?: string[];
  /**
   * The name the server's certificate must match, also sent as SNI
   * (asyncio's `server_hostname`). It is not where the connection goes:
   * that is the `hostname` of the connection options, so a server reached
   * by its address (or through a tunnel) can be checked against its name.
   *
   * @default {the connection's hostname}
   */
  hostname?: string;
  /**
   * ALPN protocols to offer; the one the server chose is the writer's
   * `alpnProtocol`. When both ends list protocols and none is common, the handshake fails
   * (rustls follows RFC 7301: a fatal `no_application_protocol` alert);
   * asyncio's OpenSSL connects with none.
   *
   * @default {undefined}
   */
  alpnProtocols?: string[];
  /**
   * How long the TLS handshake may take, in milliseconds, from the end of
   * the TCP connect (asyncio's `ssl_handshake_timeout`); `null` or
   * `Infinity` for no limit. A handshake not done by then fails
   * `openConnection()` with a `TimeoutError`, and the connection is
   * closed (Deno 2.9 keeps the socket itself until the server answers or
   * hangs up: see {@linkcode openConnection}).
   *
   * The limit runs on the loop's clock: on a `VirtualClock`, where host
   * work does not hold time back, it expires as soon as the loop is idle,
   * so a test there passes `null`.
   *
   * @default {60000}
   *
   * @example Allow 10 s for the handshake
   * ```ts
   * import { openConnection, startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const dir = new URL("./testdata/", import.meta.url);
   * const cert = Deno.readTextFileSync(new URL("cert.pem", dir));
   * const key = Deno.readTextFileSync(new URL("key.pem", dir));
   * const alpn = await run(async () => {
   *   await using server = await startServer(() => {}, {
   *     port: 0,
   *     tls: { cert, key },
   *   });
   *   const [, w] = await openConnection({
   *     port: server.port,
   *     tls: { hostname: "localhost", caCerts: [cert], handshakeTimeoutMs: 10_000 },
   *   });
   *   await w[Symbol.asyncDispose]();
   *   return w.alpnProtocol;
   * });
   * assert.equal(alpn, null);
   * ```
   */
  handshakeTimeoutMs?: number | null;
}

/** Options for {@linkcode openConnection}. */
export interface OpenConnectionOptions {
  /**
   * The host to connect to.
   *
   * @default {"127.0.0.1"}
   */
  hostname?: string;
  /** The port. */
  port: number;
  /**
   * The reader's buffer limit in bytes.
   *
   * @default {65536}
   */
  limit?: number;
  /**
   * `true` (or TLS settings) to connect over TLS. A server that hangs up
   * without a TLS `close_notify` alert ends the stream as EOF once its
   * bytes are read, as in asyncio (Deno reports an `UnexpectedEof`).
   *
   * @default {false}
   */
  tls?: boolean | TlsClientOptions;
  /** Aborting it ends the connect with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Connects to `hostname:port` and returns `[reader, writer]`, as asyncio's
 * `open_connection`. Close the writer to close the connection.
 *
 * **Cancellation**: the connect runs in a cancel scope of its own and the
 * promise returned is a library future, so cancelling the waiting task,
 * a `timeout()` deadline, or a `waitFor()`/`gather()` that holds the
 * promise ends it at once with `CancelledError` (aborting `signal` ends it
 * with `signal.reason`). Deno cannot abort a connect or a handshake: the
 * connect is abandoned and the connection it makes afterwards is closed,
 * so nothing leaks; a cancellation that comes as the connect completes
 * closes the new connection too, as asyncio does. A pre-aborted signal
 * rejects at once. Deno 2.9 limit: over TLS, a connection cancelled
 * during its handshake keeps its socket until the server answers or hangs
 * up (Deno's handshake cannot be stopped; asyncio closes the socket).
 *
 * Over TLS, the handshake has `tls.handshakeTimeoutMs` (60 s by default, as
 * asyncio's `ssl_handshake_timeout`) to finish, else the connection is
 * closed and the promise rejects with `TimeoutError`.
 *
 * @param options Host, port, limit, TLS, signal.
 * @returns The reader and the writer.
 * @throws {Deno.errors.ConnectionRefused} If nobody listens.
 * @throws {Deno.errors.ConnectionReset} If the peer accepts and resets at
 * once (a server over its backlog or shutting down); other `Deno.errors`
 * for unreachable hosts and failed lookups, as `Deno.connect` throws them.
 * @throws {TimeoutError} If the TLS handshake takes longer than
 * `tls.handshakeTimeoutMs`.
 * @throws {RangeError} If `tls.handshakeTimeoutMs` is not > 0.
 * @throws {TypeError} If `tls.handshakeTimeoutMs` is not a number or
 * `null`.
 *
 * @example Talk to a server
 * ```ts
 * import { openConnection, startServer } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const reply = await run(async () => {
 *   await using server = await startServer(async (r, w) => {
 *     w.write(await r.readLine());
 *   }, { port: 0 });
 *   const [reader, writer] = await openConnection({ port: server.port });
 *   writer.write("ping\n");
 *   const line = new TextDecoder().decode(await reader.readLine());
 *   writer.close();
 *   await writer.waitClosed();
 *   return line;
 * });
 * assert.equal(reply, "ping\n");
 * ```
 */
export function openConnection(
  options: OpenConnectionOptions,
): Promise<[StreamReader, StreamWriter]> {
  return runInScope(() => connect(options), "openConnection");
}

async function connect(
  options: OpenConnectionOptions,
): Promise<[StreamReader, StreamWriter]> {
  checkLimit(options.limit, "call openConnection()");
  const signal = options.signal;
  throwIfAborted(signal);
  const hostname = options.hostname ?? "127.0.0.1";
  const tls = options.tls;
  const t = tls === undefined || tls === false ? null : tls === true ? {} : tls;
  const handshakeTimeoutMs = t === null
    ? null
    : checkHandshakeTimeout(t.handshakeTimeoutMs, "call openConnection()");
  const tcp = await hostOpen(
    Deno.connect({ hostname, port: options.port }),
    signal,
    closeQuietly,
  );
  setNoDelay(tcp);
  if (t === null) {
    return connectionStreams(tcp, { limit: options.limit, halfClose: true });
  }
  // The handshake's time limit ends the waits of the upgrade as the
  // signal does.
  const deadline = handshakeDeadline(
    handshakeTimeoutMs,
    signal,
    getRunningLoop(),
  );
  try {
    return await upgrade(tcp, hostname, t, deadline.signal, options.limit);
  } finally {
    deadline.cancel();
  }
}

/**
 * TCP to `hostname`, then TLS over it: `t.hostname` names the certificate
 * (and SNI) only, as asyncio's `server_hostname`. (`Deno.connectTls()`
 * would connect to the certificate's name.)
 */
async function upgrade(
  tcp: Deno.TcpConn,
  hostname: string,
  t: TlsClientOptions,
  signal: AbortSignal | undefined,
  limit: number | undefined,
): Promise<[StreamReader, StreamWriter]> {
  let conn: Deno.TlsConn;
  let alpnProtocol: string | null;
  try {
    conn = await hostOpen(
      Deno.startTls(tcp, {
        hostname: t.hostname ?? hostname,
        ...(t.caCerts !== undefined ? { caCerts: t.caCerts } : {}),
        ...(t.alpnProtocols !== undefined
          ? { alpnProtocols: t.alpnProtocols }
          : {}),
      }),
      signal,
      closeQuietly,
    );
  } catch (error) {
    // Deno takes the TCP connection only once the upgrade is done.
    closeQuietly(tcp);
    throw error;
  }
  try {
    // Finish the handshake here, so certificate errors surface now.
    ({ alpnProtocol } = await hostWait(conn.handshake(), signal));
    // Cancelled as the handshake completed: nobody takes the connection.
    checkpoint();
  } catch (error) {
    closeQuietly(conn);
    throw error;
  }
  return connectionStreams(conn, { limit, halfClose: false, alpnProtocol });
}
