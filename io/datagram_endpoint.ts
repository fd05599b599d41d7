/**
 * `DatagramEndpoint`: a UDP socket with awaitable `send()` and `recv()`,
 * what `createDatagramEndpoint` returns.
 *
 * @module
 */

import { throwIfAborted } from "../loop/signal_options.ts";
import type { SignalOptions } from "../loop/signal_options.ts";
import { type Operation, runOperation } from "../task/operation.ts";
import { runInScope } from "../task/scope_future.ts";
import { getRunningLoop } from "../loop/mod.ts";
import { Future } from "../loop/future.ts";
import {
  addressKey,
  checkAddress,
  IPV6_LOOPBACK,
  isIpLiteral,
} from "./_net.ts";
import { checkBytesOrText, encoder, hostWait, waitOn } from "./_wait.ts";

/** A datagram received, and who sent it. */
export interface Datagram {
  /** The bytes (a copy the endpoint never touches again). */
  data: Uint8Array<ArrayBuffer>;
  /** The sender's address. */
  addr: Deno.NetAddr;
}

/** Where to send a datagram. */
export interface DatagramAddress {
  /** The host: an IP address or a name. */
  hostname: string;
  /** The UDP port. */
  port: number;
}

/** Options for {@linkcode DatagramEndpoint}. */
export interface DatagramEndpointOptions {
  /**
   * The peer of a "connected" endpoint: `send()` without an address goes
   * there, and datagrams from anyone else are dropped (as a connected
   * socket's would be by the kernel; by port only when `hostname` is a name
   * rather than an IP address). An IP address is compared as an address,
   * however it is spelled (`::1` is `0:0:0:0:0:0:0:1` and `[::1]`;
   * `127.000.000.001` is `127.0.0.1`, a leading 0 making a part octal as
   * for the system resolver).
   *
   * @default {undefined}
   */
  remoteAddr?: DatagramAddress;
}

/** The largest UDP payload, and so the size of the receive buffer. */
const MAX_DATAGRAM = 65_535;

/**
 * A UDP endpoint without a protocol object: `send()` a datagram, `await
 * recv()` the next one, or iterate over them with `for await`. It wraps a
 * `Deno.DatagramConn`; see `createDatagramEndpoint`.
 *
 * The socket is read only while a `recv()` waits, so datagrams nobody asks
 * for wait in the kernel's buffer (which drops them when full, as UDP
 * does), not in memory.
 *
 * @example Send to yourself
 * ```ts
 * // Needs --unstable-net (Deno 2.9).
 * import { createDatagramEndpoint } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const got = await run(async () => {
 *   await using ep = await createDatagramEndpoint();
 *   await ep.send("ping", ep.localAddr);
 *   const { data, addr } = await ep.recv();
 *   return [new TextDecoder().decode(data), addr.port === ep.localAddr.port];
 * });
 * assert.deepEqual(got, ["ping", true]);
 * ```
 */
export class DatagramEndpoint
  implements AsyncDisposable, AsyncIterable<Datagram> {
  readonly #conn: Deno.DatagramConn;
  readonly #remote: DatagramAddress | null;
  readonly #buffer = new Uint8Array(MAX_DATAGRAM);
  /** Datagrams that came in for a `recv()` that gave up meanwhile. */
  readonly #received: Datagram[] = [];
  /** Waiting `recv()`s, first come first served. */
  readonly #waiters: Future<Datagram>[] = [];
  /** The socket read in flight, if any. */
  #receiving: Promise<void> | null = null;
  /**
   * The last host send still in flight: the next waits for it, so that
   * datagrams leave in the order of the calls (Deno resolves each send's
   * address on its own, and concurrent sends overtook each other).
   */
  #sending: Promise<void> | null = null;
  /** close() with sends in flight: the socket closes once they left. */
  #closing: Promise<void> | null = null;
  #closed = false;

  /**
   * Wraps a UDP `Deno.DatagramConn` (`createDatagramEndpoint` makes one).
   *
   * @param conn A datagram connection (`Deno.listenDatagram`, UDP).
   * @param options The peer, for a connected endpoint.
   * @throws {TypeError} If `remoteAddr` is not `{ hostname, port }` with a
   * string hostname and a numeric port.
   * @throws {RangeError} If the port of `remoteAddr` is not an integer from
   * 0 to 65535.
   *
   * @example Wrap a Deno datagram connection
   * ```ts
   * // Needs --unstable-net (Deno 2.9).
   * import { DatagramEndpoint } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const conn = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
   *   await using ep = new DatagramEndpoint(conn);
   *   assert.equal(ep.localAddr.hostname, "127.0.0.1");
   * });
   * ```
   */
  constructor(conn: Deno.DatagramConn, options?: DatagramEndpointOptions) {
    const remote = options?.remoteAddr;
    if (remote !== undefined) {
      checkAddress(remote, "remoteAddr", "create DatagramEndpoint");
    }
    this.#conn = conn;
    this.#remote = options?.remoteAddr ?? null;
  }

  /**
   * The local address.
   *
   * @example A port picked by the system
   * ```ts
   * // Needs --unstable-net (Deno 2.9).
   * import { createDatagramEndpoint } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   await using ep = await createDatagramEndpoint();
   *   assert.ok(ep.localAddr.port > 0);
   * });
   * ```
   */
  get localAddr(): Deno.NetAddr {
    return this.#conn.addr as Deno.NetAddr;
  }

  /**
   * The peer of a connected endpoint, else `null`.
   *
   * @example Not connected
   * ```ts
   * // Needs --unstable-net (Deno 2.9).
   * import { createDatagramEndpoint } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   await using ep = await createDatagramEndpoint();
   *   assert.equal(ep.remoteAddr, null);
   * });
   * ```
   */
  get remoteAddr(): DatagramAddress | null {
    return this.#remote;
  }

  /**
   * Sends one datagram (a string is encoded as UTF-8; bytes are copied) to
   * `addr`, or to the endpoint's `remoteAddr`. Resolves once the system
   * took it; as with any UDP, that does not mean it arrived. Datagrams of
   * calls not awaited one by one leave in the order of the calls, as
   * asyncio's `sendto()` queues them.
   *
   * **Cancellation**: cancelling the waiting task (or aborting `signal`)
   * ends the wait with `CancelledError` (or `signal.reason`); the datagram
   * may still go out, as a system call cannot be taken back. A pre-aborted
   * signal rejects at once and sends nothing.
   *
   * @param data The payload, at most 65,507 bytes over IPv4.
   * @param addr Where to; optional on a connected endpoint.
   * @param options An abort signal.
   * @throws {TypeError} If there is no address to send to, if `data` is
   * neither a Uint8Array nor a string, or if `addr` is not
   * `{ hostname, port }` with a string hostname and a numeric port.
   * @throws {RangeError} If the port is not an integer from 0 to 65535
   * (nothing is sent), or a connected endpoint is given another address.
   * @throws {Error} If the endpoint is closed.
   * @throws {Error} The system's error: "Message too long" for a payload
   * over the limit, for one.
   *
   * @example Reply to the sender
   * ```ts
   * // Needs --unstable-net (Deno 2.9).
   * import { createDatagramEndpoint } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const reply = await run(async () => {
   *   await using server = await createDatagramEndpoint();
   *   await using client = await createDatagramEndpoint({ remoteAddr: server.localAddr });
   *   await client.send("hi");
   *   const { data, addr } = await server.recv();
   *   await server.send(data, addr);
   *   return new TextDecoder().decode((await client.recv()).data);
   * });
   * assert.equal(reply, "hi");
   * ```
   */
  async send(
    data: Uint8Array | string,
    addr?: DatagramAddress,
    options?: SignalOptions,
  ): Promise<void> {
    const signal = options?.signal;
    throwIfAborted(signal);
    if (this.#closed) {
      throw new Error("Cannot call send(): DatagramEndpoint is closed");
    }
    checkBytesOrText(data, "call send()");
    if (addr !== undefined) checkAddress(addr, "addr", "call send()");
    const remote = this.#remote;
    if (addr !== undefined && remote !== null && !sameAddr(remote, addr)) {
      throw new RangeError(
        `Cannot send to ${addr.hostname}:${addr.port}: the endpoint is connected to ${remote.hostname}:${remote.port}; leave the address out`,
      );
    }
    const to = addr ?? remote;
    if (to === null) {
      throw new TypeError(
        "Cannot call send() without an address: pass one, or create the endpoint with remoteAddr",
      );
    }
    // A copy by the base class: a subclass's slice() may be a view (a Node
    // Buffer's is), and the caller may reuse its bytes once this returns.
    const bytes = typeof data === "string"
      ? encoder.encode(data)
      : new Uint8Array(data);
    const conn = this.#conn;
    const start = () =>
      conn.send(bytes, {
        transport: "udp",
        hostname: to.hostname,
        port: to.port,
      });
    const prior = this.#sending;
    const sent = prior === null ? start() : prior.then(start);
    const done = sent.then(ignore, ignore);
    this.#sending = done;
    done.then(() => {
      if (this.#sending === done) this.#sending = null;
    });
    await hostWait(sent, signal);
  }

  /**
   * Waits for the next datagram. Several tasks may wait; each datagram goes
   * to one of them, first come first served.
   *
   * **Cancellation**: cancelling the waiting task (or aborting `signal`)
   * ends the wait with `CancelledError` (or `signal.reason`) and gives up
   * its place in line; no datagram is lost: one that arrives for it goes to
   * the next `recv()`. A pre-aborted signal rejects at once.
   *
   * @param options An abort signal.
   * @returns The datagram and its sender.
   * @throws {Error} If the endpoint is closed (before or while waiting),
   * once the datagrams already received were taken.
   * @throws {unknown} An error of the socket.
   *
   * @example Wait with a deadline
   * ```ts
   * // Needs --unstable-net (Deno 2.9).
   * import { createDatagramEndpoint } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   await using ep = await createDatagramEndpoint();
   *   const signal = AbortSignal.abort(new Error("too late"));
   *   await assert.rejects(ep.recv({ signal }), /too late/);
   * });
   * ```
   */
  recv(options?: SignalOptions): Promise<Datagram> {
    return runOperation((op) => this.#recv(options, op));
  }

  async #recv(
    options: SignalOptions | undefined,
    op: Operation,
  ): Promise<Datagram> {
    const signal = options?.signal;
    throwIfAborted(signal);
    const ready = this.#received.shift();
    if (ready !== undefined) return ready;
    if (this.#closed) throw closedError();
    const waiter = new Future<Datagram>(getRunningLoop());
    this.#waiters.push(waiter);
    this.#receiveMore();
    try {
      return await (op.current = waitOn(waiter, signal));
    } finally {
      op.current = null;
      const i = this.#waiters.indexOf(waiter);
      if (i !== -1) this.#waiters.splice(i, 1);
    }
  }

  /**
   * Iterates over the datagrams as they come, until the endpoint is
   * closed.
   *
   * **Cancellation**: as `recv()`.
   *
   * @returns An async iterator of datagrams.
   *
   * @example Serve until closed
   * ```ts
   * // Needs --unstable-net (Deno 2.9).
   * import { createDatagramEndpoint } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const seen = await run(async () => {
   *   await using ep = await createDatagramEndpoint();
   *   for (const word of ["a", "b", "stop"]) await ep.send(word, ep.localAddr);
   *   const seen: string[] = [];
   *   for await (const { data } of ep) {
   *     const word = new TextDecoder().decode(data);
   *     if (word === "stop") ep.close();
   *     else seen.push(word);
   *   }
   *   return seen;
   * });
   * assert.deepEqual(seen, ["a", "b"]);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<Datagram> {
    return {
      next: async (): Promise<IteratorResult<Datagram>> => {
        if (this.#closed && this.#received.length === 0) {
          return { value: undefined, done: true };
        }
        try {
          return { value: await this.recv(), done: false };
        } catch (error) {
          if (this.#closed && this.#received.length === 0) {
            return { value: undefined, done: true };
          }
          throw error;
        }
      },
    };
  }

  /**
   * Whether `close()` was called.
   *
   * @returns `true` once closing.
   *
   * @example After close
   * ```ts
   * // Needs --unstable-net (Deno 2.9).
   * import { createDatagramEndpoint } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const ep = await createDatagramEndpoint();
   *   ep.close();
   *   assert.equal(ep.isClosing(), true);
   *   await ep.waitClosed();
   * });
   * ```
   */
  isClosing(): boolean {
    return this.#closed;
  }

  /**
   * Closes the socket, once the datagrams of `send()`s already called
   * have left. Waiting `recv()`s reject; datagrams already received can
   * still be taken. Idempotent; does not wait (see `waitClosed()`).
   *
   * @example Close twice
   * ```ts
   * // Needs --unstable-net (Deno 2.9).
   * import { createDatagramEndpoint } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const ep = await createDatagramEndpoint();
   *   const waiting = ep.recv();
   *   ep.close();
   *   ep.close();
   *   await assert.rejects(waiting, /closed/);
   *   await ep.waitClosed();
   * });
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const sending = this.#sending;
    if (sending === null) this.#closeConn();
    // Datagrams sent before close() still leave, as asyncio's close()
    // flushes its buffer first.
    else this.#closing = sending.then(() => this.#closeConn());
    // Now, even with a socket read in flight (its datagram, if one comes,
    // is kept for a later recv()).
    this.#failWaiters(closedError());
  }

  #closeConn(): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }

  /**
   * Waits until the socket is closed and its last read has ended.
   *
   * **Cancellation**: cancelling the waiting task (or aborting `signal`)
   * ends the wait only. A pre-aborted signal rejects at once.
   *
   * @param options An abort signal.
   *
   * @example Close and wait
   * ```ts
   * // Needs --unstable-net (Deno 2.9).
   * import { createDatagramEndpoint } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const ep = await createDatagramEndpoint();
   *   ep.close();
   *   await ep.waitClosed();
   *   assert.equal(ep.isClosing(), true);
   * });
   * ```
   */
  waitClosed(options?: SignalOptions): Promise<void> {
    return runInScope(
      () => this.#waitClosed(options),
      "DatagramEndpoint.waitClosed",
    );
  }

  async #waitClosed(options?: SignalOptions): Promise<void> {
    const signal = options?.signal;
    throwIfAborted(signal);
    const closing = this.#closing;
    if (closing !== null) await hostWait(closing, signal);
    const receiving = this.#receiving;
    if (receiving !== null) await hostWait(receiving, signal);
  }

  /**
   * `close()`, then `waitClosed()`: `await using ep = ...`.
   *
   * **Cancellation**: as `waitClosed()`.
   *
   * @example Dispose
   * ```ts
   * // Needs --unstable-net (Deno 2.9).
   * import { createDatagramEndpoint } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const ep = await run(async () => {
   *   await using ep = await createDatagramEndpoint();
   *   return ep;
   * });
   * assert.equal(ep.isClosing(), true);
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.#waitClosed();
  }

  /** Reads the socket if a `recv()` waits and no read is in flight. */
  #receiveMore(): void {
    if (this.#receiving !== null || this.#closed) return;
    if (!this.#waiters.some((w) => !w.done())) return;
    this.#receiving = this.#conn.receive(this.#buffer).then(
      ([data, addr]) => {
        this.#receiving = null;
        this.#deliver(data, addr as Deno.NetAddr);
        // Closed meanwhile (the socket waits for sends to leave): the
        // other waiting recv()s get nothing more.
        if (this.#closed) this.#failWaiters(closedError());
        else this.#receiveMore();
      },
      (error) => {
        this.#receiving = null;
        if (this.#closed) {
          this.#failWaiters(closedError());
          return;
        }
        const waiter = this.#nextWaiter();
        if (waiter !== undefined) waiter.setException(error);
        this.#receiveMore();
      },
    );
  }

  #deliver(data: Uint8Array, addr: Deno.NetAddr): void {
    const remote = this.#remote;
    if (remote !== null && !sameAddr(remote, addr)) return;
    // The buffer is read into again: hand out a copy.
    const datagram: Datagram = { data: data.slice(), addr };
    const waiter = this.#nextWaiter();
    if (waiter !== undefined) waiter.setResult(datagram);
    else this.#received.push(datagram);
  }

  /** The first waiter still waiting (taken out of the line), if any. */
  #nextWaiter(): Future<Datagram> | undefined {
    for (;;) {
      const waiter = this.#waiters.shift();
      if (waiter === undefined) return undefined;
      if (!waiter.done() && !waiter.getLoop().isClosed()) return waiter;
    }
  }

  #failWaiters(error: Error): void {
    for (const waiter of this.#waiters.splice(0)) {
      if (!waiter.done() && !waiter.getLoop().isClosed()) {
        waiter.setException(error);
      }
    }
  }
}

function ignore(): void {}

function closedError(): Error {
  return new Error("Cannot receive: DatagramEndpoint is closed");
}

/**
 * Whether `addr` is `remote` (by port alone if `remote` names a host). The
 * addresses are compared, not their spellings: Deno reports `::1` for a
 * peer the caller may have named `0:0:0:0:0:0:0:1`, as a kernel's
 * `connect()` would.
 */
function sameAddr(remote: DatagramAddress, addr: DatagramAddress): boolean {
  if (remote.port !== addr.port) return false;
  const host = remote.hostname;
  if (host === addr.hostname) return true;
  if (host === "localhost") {
    const key = addressKey(addr.hostname);
    return key === "127.0.0.1" || key === IPV6_LOOPBACK;
  }
  if (!isIpLiteral(host)) return true;
  const key = addressKey(host);
  return key !== null && key === addressKey(addr.hostname);
}
