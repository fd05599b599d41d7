/**
 * Private: a Deno connection as a `StreamReader` (fed by a read pump) and a
 * `StreamWriter` (over the connection), like asyncio's transport + protocol.
 *
 * The pump reads only when a read waits for data (pull): never ahead of
 * the reader. A socket read holds its buffer until data arrives, so the
 * size of a read follows the traffic: sixteen times more after each full
 * one, up to `READ_MAX`, and back to `PROBE` bytes after any short one
 * (the peer paused, and may stay quiet for long: the waiting read then
 * holds 256 bytes, whatever the connection carried before). Only a
 * transfer that ends exactly on a full read leaves a `READ_MAX` read
 * waiting: nothing tells that the peer went quiet, and Deno cannot say how
 * many bytes are ready.
 *
 * Why never ahead: Deno can neither cancel a socket read nor upgrade a
 * connection that has one in flight (`startTls()`), and a read started
 * with nobody waiting may wait forever. An earlier pump read ahead while
 * large reads came back full (a bulk transfer); when the clear-text data
 * ended exactly on a full read, its read-ahead was answered by nothing
 * (the peer waited for the ClientHello) and `startTls()` hung waiting for
 * it. Reading ahead bought no measurable throughput (bench/bulk.ts, within
 * the run-to-run noise): the kernel's socket buffer already reads ahead
 * for us, and a waiting read finds the next bytes there. So with nobody
 * waiting no socket read is pending, except the one of a read that was
 * cancelled (Deno cannot take it back): `startTls()` waits for it.
 *
 * A `readInto()` waiting on an empty reader lends its buffer: the socket
 * reads straight into it (the read is as large as that buffer).
 *
 * One object per connection (`Transport`) is the reader's source and the
 * writer's sink, with its methods on the prototype: an idle connection
 * costs a few objects, not a dozen closures.
 */

import {
  attachSource,
  commit,
  failureReported,
  lend,
  type ReaderSource,
  reserve,
  waiting,
  writeFailure,
  writeSome,
} from "./_source.ts";
import { StreamReader } from "./stream_reader.ts";
import {
  type StartTlsOptions,
  StreamWriter,
  type WriteSink,
} from "./stream_writer.ts";

/** Bytes of a read after a short one: what an idle connection holds. */
const PROBE = 256;
/** The largest socket read. */
const READ_MAX = 64 * 1024;

/** What `connectionStreams` needs of a connection. */
export interface ConnLike {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
  closeWrite?(): Promise<void>;
  readonly remoteAddr?: Deno.Addr;
  readonly localAddr?: Deno.Addr;
}

/** Options of {@linkcode connectionStreams}. */
export interface ConnectionStreamsOptions {
  /** The reader's limit. */
  limit?: number | undefined;
  /** Whether the connection can half-close (not TLS). */
  halfClose?: boolean;
  /** Called with the writer once the connection is closed and its pump stopped. */
  onClosed?: (writer: StreamWriter) => void;
  /** The ALPN protocol the connection's TLS handshake agreed. */
  alpnProtocol?: string | null;
}

/**
 * Wraps `conn`: a pump reads it into the reader (pausing above the limit);
 * the writer writes to it. Closing the writer closes the connection; its
 * `waitClosed()` returns once the pump has stopped too.
 */
export function connectionStreams(
  conn: ConnLike,
  options: ConnectionStreamsOptions = {},
): [StreamReader, StreamWriter] {
  const transport = new Transport(conn, options);
  return [transport.reader, transport.writer];
}

/** The reader's source and the writer's sink over one connection. */
class Transport implements ReaderSource, WriteSink {
  readonly reader: StreamReader;
  readonly writer: StreamWriter;
  readonly localAddr: Deno.Addr | null = null;
  readonly remoteAddr: Deno.Addr | null = null;
  /** The ALPN protocol agreed (TLS), else `null`; `startTls()` sets it. */
  alpnProtocol: string | null;
  readonly consumesChunks = true as const;
  /** Half-close, when the connection can (set per instance). */
  closeWrite: (() => Promise<void>) | undefined;
  /** The TLS upgrade, for plain TCP connections (set per instance). */
  startTls: ((options: StartTlsOptions) => Promise<void>) | undefined;
  /** The connection in use: `startTls()` replaces it. */
  #conn: ConnLike;
  readonly #onClosed: ((writer: StreamWriter) => void) | undefined;
  #closed = false;
  /** The writer's owner closed or aborted it: no reading before closing. */
  #closeNow = false;
  /** The reader holds more than its limit. */
  #overLimit = false;
  /** `close()` is reading what the peer sent (`#takeWhatArrived`). */
  #draining = false;
  /** EOF or an error: no more reads. */
  #ended = false;
  /** `startTls()` is taking the connection over: no new reads. */
  #upgrading = false;
  /** The socket read in flight, if any. */
  #reading: Promise<number | null> | null = null;
  /** The size of the next read. */
  #size = PROBE;
  /** The read in flight is into a buffer a `readInto()` lent. */
  #direct = false;
  // The pump is callbacks, not an async loop: a pending read then costs
  // one promise reaction, not a suspended frame (bound functions: no
  // closure context either).
  readonly #onRead: (n: number | null) => void;
  readonly #onFail: (error: unknown) => void;

  constructor(conn: ConnLike, options: ConnectionStreamsOptions) {
    this.#conn = conn;
    this.#onClosed = options.onClosed;
    this.alpnProtocol = options.alpnProtocol ?? null;
    this.#onRead = this.#readDone.bind(this);
    this.#onFail = this.#readFailed.bind(this);
    try {
      this.localAddr = conn.localAddr ?? null;
      this.remoteAddr = conn.remoteAddr ?? null;
    } catch {
      // Some connections have no addresses.
    }
    this.closeWrite =
      options.halfClose !== false && conn.closeWrite !== undefined
        ? this.#closeWrite
        : undefined;
    this.startTls = this.localAddr?.transport === "tcp" &&
        typeof (conn as { handshake?: unknown }).handshake !== "function"
      ? this.#startTls
      : undefined;
    this.reader = new StreamReader({ limit: options.limit });
    this.reader[attachSource](this);
    this.writer = new StreamWriter(this);
  }

  pause(): void {
    // The pump reads only for a waiting read, which wants the bytes however
    // full the buffer is; only the reading of a closing connection
    // (`#drain`) stops.
    this.#overLimit = true;
  }

  resume(): void {
    this.#overLimit = false;
    this.#readMore();
  }

  pull(): void {
    this.#readMore();
  }

  thrown(error: unknown): void {
    // The writer's failure, met by a read: the caller has heard of it.
    if (error === this.writer[writeFailure]) this.writer[failureReported]();
  }

  /** A short write resolves with its count: the writer writes the rest. */
  [writeSome](chunk: Uint8Array): Promise<number> {
    return this.#conn.write(chunk);
  }

  /** `WriteSink`'s own; the writer calls `[writeSome]()` instead. */
  async write(chunk: Uint8Array): Promise<void> {
    for (let at = 0; at < chunk.length;) {
      at += await this.#conn.write(at === 0 ? chunk : chunk.subarray(at));
    }
  }

  closeNow(): void {
    this.#closeNow = true;
    // Ends the drain's socket read (and a pump read it waits for) at once.
    if (this.#draining) this.#closeConn();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#closeNow && peerGone(this.writer[writeFailure])) {
      await this.#takeWhatArrived();
    }
    this.#closeConn();
    // A read in flight fails now; its callback (registered first) ends
    // the reader.
    await this.#reading?.then(ignore, ignore);
    this.#end(undefined, false);
    this.#onClosed?.(this.writer);
  }

  #connClosed = false;

  #closeConn(): void {
    if (this.#connClosed) return;
    this.#connClosed = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }

  /**
   * A write found the peer gone, and the writer closes the connection: what
   * the peer sent before (an answer, then its close) is still in the
   * socket, where a pull-mode pump has not read it yet. It goes to the
   * reader first, as asyncio's transport (which reads whenever the socket
   * is readable) would have put it there, and so does how the socket
   * ended. A peer that closed or reset makes these reads end at once.
   *
   * A peer may also be alive: one that shut down only its reading side
   * (`shutdown(SHUT_RD)`, which makes our writes fail with `EPIPE` on a
   * Unix socket) keeps the connection open as long as it likes, and may
   * still send. Reading then goes on until its end (then EOF), until the
   * writer's owner says it is done (`close()` or `abort()`, `closeNow()`,
   * closes the socket at once; then EOF), or until the reader holds more
   * than its limit: nobody may be reading it, and a peer that keeps sending
   * must not fill the memory; the reader then fails with the write's error
   * once it has handed out what it holds, since more may have been cut.
   * (A server closes a handler's writer when the handler returns, so the
   * handler bounds it too.)
   */
  async #takeWhatArrived(): Promise<void> {
    this.#draining = true;
    try {
      await this.#drain();
    } finally {
      this.#draining = false;
    }
  }

  async #drain(): Promise<void> {
    while (this.#reading !== null) await this.#reading.then(ignore, ignore);
    // Into a buffer of its own, then fed: the reader's storage stays free
    // for a cancelled readInto() to give its bytes back to meanwhile.
    const chunk = new Uint8Array(READ_MAX);
    while (!this.#ended && !this.#closeNow && !this.#overLimit) {
      let n: number | null;
      try {
        n = await this.#conn.read(chunk);
      } catch (error) {
        // Closed by closeNow(): an end, not a failure of the connection.
        if (this.#closeNow) this.#end(undefined, false);
        else this.#end(error, !raggedEof(this.#conn, error));
        return;
      }
      if (n === null) {
        this.#end(undefined, false);
        return;
      }
      try {
        this.reader.feedData(chunk.slice(0, n));
      } catch {
        return; // the reader ended meanwhile: nobody reads any more
      }
    }
    if (this.#overLimit && !this.#ended && !this.#closeNow) {
      // Stopped at the limit, with more perhaps still in the socket: the
      // reader hands out what it holds, then fails as the write did (as
      // asyncio's reader gets the connection's error), not a clean EOF
      // that would pass a cut answer for a whole one.
      this.#end(this.writer[writeFailure], true);
    }
  }

  #closeWrite(): Promise<void> {
    return this.#conn.closeWrite!();
  }

  /** Starts a socket read if one is wanted and none is in flight. */
  #readMore(): void {
    if (
      this.#reading !== null || this.#ended || this.#closed || this.#upgrading
    ) {
      return;
    }
    const reader = this.reader;
    if (!reader[waiting]) return;
    let read: Promise<number | null>;
    try {
      // Straight into the buffer of a waiting readInto(), else into the
      // reader's buffer: no copy either way.
      const into = reader[lend]();
      this.#direct = into !== null;
      read = this.#conn.read(into ?? reader[reserve](this.#size));
    } catch (error) {
      this.#readFailed(error);
      return;
    }
    this.#reading = read;
    read.then(this.#onRead, this.#onFail);
  }

  #readDone(n: number | null): void {
    this.#reading = null;
    if (n === null) {
      this.#end(undefined, false);
      return;
    }
    this.reader[commit](n);
    if (!this.#direct) {
      // (After a direct read the size was the caller's: keep ours.) A
      // short read: the peer paused, and may stay quiet for long, so the
      // next read is small; a stream that goes on is back at READ_MAX
      // after two full reads.
      const size = this.#size;
      this.#size = n === size ? Math.min(size * 16, READ_MAX) : PROBE;
    }
    // Another read waits (a readExactly() not yet satisfied, say).
    this.#readMore();
  }

  #readFailed(error: unknown): void {
    this.#reading = null;
    this.#end(error, !this.#closed && !raggedEof(this.#conn, error));
  }

  /**
   * Ends the reader: EOF, or `error` if `failed`. Once. An end after a
   * write found the connection reset is that reset: the kernel reports it
   * once, to the write, and the socket's reads then end as at EOF, though
   * the peer's stream was cut. (A peer that closed first, with a FIN, makes
   * that write fail with `BrokenPipe`: its stream ended whole.)
   */
  #end(error: unknown, failed: boolean): void {
    const reader = this.reader;
    reader[commit](0);
    if (this.#ended) return;
    this.#ended = true;
    if (!failed) {
      const failure = this.writer[writeFailure];
      if (
        failure instanceof Deno.errors.ConnectionReset ||
        failure instanceof Deno.errors.ConnectionAborted
      ) {
        failed = true;
        error = failure;
      }
    }
    try {
      if (failed) reader.setException(error);
      else reader.feedEof();
    } catch {
      // The loop is gone: nobody is reading any more.
    }
  }

  /** Throws now if the upgrade cannot start; else upgrades. */
  #startTls(options: StartTlsOptions): Promise<void> {
    if (this.reader[waiting]) {
      throw new Error(
        "Cannot call startTls(): a read is waiting for data on this connection; call it between reads",
      );
    }
    if (this.#closed) {
      throw new Error("Cannot call startTls(): connection is closed");
    }
    return this.#upgrade(options);
  }

  async #upgrade(options: StartTlsOptions): Promise<void> {
    this.#upgrading = true;
    try {
      // The socket read of a cancelled read may still be in flight (the
      // pump never reads ahead: see the module doc). It ends when its
      // bytes arrive, which the reader keeps; the caller's cancellation
      // bounds the wait.
      while (this.#reading !== null) await this.#reading.then(ignore, ignore);
      if (this.#closed) {
        throw new Error("Cannot call startTls(): connection is closed");
      }
      const remote = this.remoteAddr;
      const upgraded = await Deno.startTls(this.#conn as Deno.TcpConn, {
        hostname: options.hostname ??
          (remote !== null && "hostname" in remote
            ? remote.hostname
            : "127.0.0.1"),
        ...(options.caCerts !== undefined ? { caCerts: options.caCerts } : {}),
        ...(options.alpnProtocols !== undefined
          ? { alpnProtocols: options.alpnProtocols }
          : {}),
      });
      // Deno took the TCP connection: from now on only `upgraded` exists.
      this.#conn = upgraded;
      this.closeWrite = undefined;
      this.startTls = undefined;
      if (this.#closed) {
        upgraded.close();
        throw new Error("Cannot call startTls(): connection is closed");
      }
      const { alpnProtocol } = await upgraded.handshake();
      this.alpnProtocol = alpnProtocol;
    } finally {
      this.#upgrading = false;
      this.#readMore();
    }
  }
}

function ignore(): void {}

/** Whether a write failed with `error` because the peer closed or reset. */
function peerGone(error: unknown): boolean {
  return error instanceof Deno.errors.BrokenPipe ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted;
}

/**
 * Whether `error`, from a read of `conn`, is a TLS peer's hang-up without a
 * `close_notify` alert after the handshake (a "ragged EOF"): the end of the
 * stream, as asyncio's SSL protocol takes it, not a failure. Deno's rustls
 * reports it as `UnexpectedEof: peer closed connection without sending TLS
 * close_notify`; a hang-up during the handshake is an `UnexpectedEof` too,
 * "unexpected end of file", and stays an error (asyncio fails the handshake).
 * Peers that end this way are common: Python's `ssl` socket shut down or
 * closed without `unwrap()`, HTTP/1.0 bodies delimited by the connection's
 * end, peers that crash (tests/faults/tls_ragged_eof_test.ts).
 */
function raggedEof(conn: ConnLike, error: unknown): boolean {
  return error instanceof Deno.errors.UnexpectedEof &&
    typeof (conn as { handshake?: unknown }).handshake === "function" &&
    error.message.includes("close_notify");
}

/** Closes `conn`, whether or not it is closed already. */
export function closeQuietly(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Already closed (a TCP connection Deno took for TLS, say).
  }
}

/** Turns Nagle's algorithm off on TCP connections (request/response). */
export function setNoDelay(conn: Deno.Conn): void {
  const tcp = conn as Deno.Conn & { setNoDelay?: (on: boolean) => void };
  try {
    tcp.setNoDelay?.(true);
  } catch {
    // Not fatal.
  }
}
