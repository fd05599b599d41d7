/**
 * `StreamWriter`: asyncio's buffered writer with backpressure, over any
 * byte sink (a socket, a `WritableStream`, a pipe).
 *
 * @module
 */

import { describeArgument } from "../loop/describe_value.ts";
import { rejectIfAborted, throwIfAborted } from "../loop/signal_options.ts";
import type { SignalOptions } from "../loop/signal_options.ts";
import {
  Operation,
  operationPromise,
  runOperation,
} from "../task/operation.ts";
import { sleep } from "../task/sleep.ts";
import { getRunningLoop } from "../loop/mod.ts";
import { fulfilled, Future, parkOn } from "../loop/future.ts";
import { Deque } from "../loop/deque.ts";
import {
  checkBytesOrText,
  concat,
  encoder,
  hostWait,
  waitOn,
} from "./_wait.ts";
import {
  failureReported,
  type ShortWriteSink,
  writeFailure,
  writeSome,
} from "./_source.ts";
import {
  checkHandshakeTimeout,
  handshakeDeadline,
} from "./_handshake_timeout.ts";

/**
 * Where a {@linkcode StreamWriter} writes: the transport under it. The
 * sockets, pipes and `WritableStream`s of this module provide one; implement
 * it to put a writer over anything else.
 */
export interface WriteSink {
  /**
   * Writes all of `chunk`; the promise settles once it is written (what it
   * resolves with is ignored).
   */
  write(chunk: Uint8Array): Promise<void>;
  /** Closes the write side only (half-close), if the sink supports it. */
  closeWrite?(): Promise<void> | void;
  /** Releases the sink; may be called while a write is pending. */
  close(): Promise<void> | void;
  /**
   * The writer's owner is done with it (`close()` or `abort()` was called):
   * a `close()` in progress, or one to come, must not wait for the peer.
   * A socket that, after a write found the peer gone, reads what the peer
   * sent before it releases the connection stops reading and closes now.
   * May be called before `close()` and more than once; it must not cut a
   * graceful close short otherwise (buffered bytes are still sent).
   */
  closeNow?(): void;
  /** The peer's address, for sockets. */
  readonly remoteAddr?: Deno.Addr | null;
  /** The local address, for sockets. */
  readonly localAddr?: Deno.Addr | null;
  /**
   * The application protocol (ALPN) the TLS handshake agreed, for TLS
   * sockets once it is done; `null` or unset otherwise.
   */
  readonly alpnProtocol?: string | null;
  /**
   * `true` if the sink is done with a chunk once `write()` settles (sockets
   * and files are): the writer then reuses the chunk's memory for later
   * writes instead of allocating. Leave it unset for sinks that keep the
   * chunks they are given (a `WritableStream` passes them on).
   */
  readonly consumesChunks?: boolean;
  /**
   * Upgrades the connection under the sink to TLS, as the client side
   * (what {@linkcode StreamWriter.startTls} calls once everything buffered
   * was written). Throw synchronously if the upgrade cannot start (the
   * connection is left as it was); a rejected promise means the connection
   * is unusable, and the writer closes it.
   */
  startTls?(options: StartTlsOptions): Promise<void>;
}

/** Options for {@linkcode StreamWriter.startTls}. */
export interface StartTlsOptions {
  /**
   * The name the server's certificate must match, also sent as SNI.
   *
   * @default {the peer's address}
   */
  hostname?: string;
  /**
   * Extra PEM root certificates to trust (a self-signed test certificate,
   * for example).
   *
   * @default {undefined}
   */
  caCerts?: string[];
  /**
   * ALPN protocols to offer; the one the server chose is the writer's
   * `alpnProtocol` once `startTls()` is done. When both ends list protocols and none is common, the handshake fails
   * (rustls follows RFC 7301: a fatal `no_application_protocol` alert);
   * asyncio's OpenSSL connects with none.
   *
   * @default {undefined}
   */
  alpnProtocols?: string[];
  /**
   * How long the handshake may take, in milliseconds, from when it starts
   * (after what was buffered is sent), as asyncio's
   * `ssl_handshake_timeout`; `null` or `Infinity` for no limit. A
   * handshake not done by then fails `startTls()` with a `TimeoutError`,
   * and the connection is closed, as at a cancellation. The sink's
   * `startTls()` does not see it.
   *
   * The limit runs on the loop's clock: on a `VirtualClock`, where host
   * work does not hold time back, it expires as soon as the loop is idle,
   * so a test there passes `null`.
   *
   * @default {60000}
   *
   * @example A 10 s handshake limit
   * ```ts
   * import type { StartTlsOptions } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const options: StartTlsOptions = {
   *   hostname: "localhost",
   *   handshakeTimeoutMs: 10_000,
   * };
   * assert.equal(options.handshakeTimeoutMs, 10_000);
   * ```
   */
  handshakeTimeoutMs?: number | null;
  /**
   * Aborting it ends the wait with the signal's reason and closes the
   * connection.
   */
  signal?: AbortSignal;
}

/** What a writer's waiter waits for. */
const DRAINED = 0;
const FLUSHED = 1;
const CLOSED = 2;
type WriterEvent = typeof DRAINED | typeof FLUSHED | typeof CLOSED;

/** A task waiting on a writer. */
interface Waiter {
  readonly event: WriterEvent;
  readonly future: Future<void>;
}

/** Options for {@linkcode StreamWriter}. */
export interface StreamWriterOptions {
  /**
   * `drain()` waits while more than this many bytes are buffered.
   *
   * @default {65536, or 4 * lowWaterMark if only that is given}
   */
  highWaterMark?: number;
  /**
   * A waiting `drain()` returns once the buffer is at or below this.
   *
   * @default {highWaterMark / 4}
   */
  lowWaterMark?: number;
}

/** Bytes gathered into one sink write when several small chunks queue up. */
const GATHER = 64 * 1024;
/**
 * Staging buffers (sinks that consume chunks): writes are copied into one,
 * which goes back to a pool shared by every writer once the sink wrote it.
 * A writer holds one only while it has bytes to send, so an idle
 * connection holds none. A write starts in a small one; writes made while
 * the sink is busy fill it, then large ones.
 */
const STAGE = 64 * 1024;
/** See {@linkcode STAGE}. */
const SMALL_STAGE = 4 * 1024;
/**
 * Free staging buffers kept: 1 MiB of each size at most (many connections
 * writing at once each hold one until the system took their bytes).
 */
const POOLS: Record<number, { free: Uint8Array[]; max: number }> = {
  [STAGE]: { free: [], max: 16 },
  [SMALL_STAGE]: { free: [], max: 256 },
};

function takeStage(size: number): Uint8Array {
  return POOLS[size]!.free.pop() ?? new Uint8Array(size);
}

/** Gives a staging buffer back (anything else is left to the GC). */
function giveStage(buffer: ArrayBufferLike): void {
  const pool = POOLS[buffer.byteLength];
  if (pool !== undefined && pool.free.length < pool.max) {
    pool.free.push(new Uint8Array(buffer));
  }
}

/**
 * The count of bytes a sink's `[writeSome]()` of `left` bytes resolved
 * with, checked: a count of nothing, or more than it was given, would make
 * the writer loop forever or lose bytes.
 */
function writtenCount(n: unknown, left: number): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > left) {
    throw new RangeError(
      `A write of ${left} bytes resolved with ${
        String(n)
      }: expected a count from 1 to ${left}`,
    );
  }
  return n;
}

// The intrinsics, as the writer found them: a sink's promise whose own
// `then` calls back twice (or a patched `Promise.resolve`) must not make a
// chunk count twice.
const promiseThen = Promise.prototype.then;
const promiseResolve = Promise.resolve.bind(Promise);

/**
 * Calls `onFulfilled` or `onFailed` once, when `value` settles: a promise, a
 * thenable or a plain value a sink's method returned.
 */
function whenSettled<T>(
  value: T | PromiseLike<T>,
  onFulfilled: (value: T) => void,
  onFailed: (error: unknown) => void,
): void {
  promiseThen.call(promiseResolve(value), onFulfilled, onFailed);
}

/** The marks of `options`, defaults filled in, checked. */
function waterMarks(
  options: StreamWriterOptions | undefined,
  caller: string,
): [high: number, low: number] {
  // asyncio's defaults: 64 KiB, or four times the low mark if only that is
  // given; the low mark a quarter of the high one.
  const lowGiven: unknown = options?.lowWaterMark;
  const highGiven: unknown = options?.highWaterMark;
  for (
    const [name, value] of [["lowWaterMark", lowGiven], [
      "highWaterMark",
      highGiven,
    ]]
  ) {
    // Checked before any arithmetic: a symbol would throw from it.
    if (value !== undefined && (typeof value !== "number" || !(value >= 0))) {
      throw new RangeError(
        `Cannot ${caller}: ${name} must be a number >= 0, got ${
          describeArgument(value)
        }`,
      );
    }
  }
  const high = (highGiven as number | undefined) ??
    (lowGiven !== undefined ? 4 * (lowGiven as number) : 64 * 1024);
  const low = (lowGiven as number | undefined) ?? Math.floor(high / 4);
  if (low > high) {
    throw new RangeError(
      `Cannot ${caller}: need 0 <= lowWaterMark <= highWaterMark, got ${low} and ${high}`,
    );
  }
  return [high, low];
}

/**
 * Bytes written between two waits of `drain()` after which it waits one
 * tick even below the mark (see `drain()`).
 */
const YIELD_BYTES = 1024 * 1024;

/** A settled promise, shared by the waits that need not wait. */
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A buffered writer, as asyncio's `StreamWriter`.
 *
 * **`write()` does not wait**: it copies the bytes into the writer's buffer
 * (so you may reuse yours), starts sending them, and returns `void` at once;
 * `await writer.write(x)` therefore does not wait for anything. Backpressure
 * is `await writer.drain()`, which waits while more than `highWaterMark`
 * bytes are buffered; a writer whose peer stops reading stops growing as
 * soon as its writer drains after each write.
 *
 * Bytes in flight to the sink count as buffered until the sink took them
 * (a socket may take the start of a chunk first).
 *
 * @example Write, drain, close
 * ```ts
 * import { StreamWriter, type WriteSink } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const got: string[] = [];
 * const sink: WriteSink = {
 *   write: async (chunk) => void got.push(new TextDecoder().decode(chunk)),
 *   close: () => {},
 * };
 * await run(async () => {
 *   const w = new StreamWriter(sink);
 *   w.write("hello ");
 *   w.write("world");
 *   await w.drain();
 *   w.close();
 *   await w.waitClosed();
 * });
 * assert.equal(got.join(""), "hello world");
 * ```
 */
export class StreamWriter implements AsyncDisposable {
  readonly #sink: WriteSink;
  #high: number;
  #low: number;
  /** Chunks to send after the one in flight; made when first needed. */
  #queue: Deque<Uint8Array> | null = null;
  readonly #reuse: boolean;
  /** The sink writes the start of a chunk (`[writeSome]`), a socket. */
  readonly #shortWrites: ShortWriteSink | null;
  /** The staging buffer small writes are copied into (reusing sinks). */
  #tail: Uint8Array | null = null;
  /** The last staging buffer filled up: take large ones until idle. */
  #bigTail = false;
  #tailUsed = 0;
  #size = 0;
  /** Bytes written since `drain()` last waited. */
  #unyielded = 0;
  #flushing = false;
  #closing = false;
  #closed = false;
  #eofRequested = false;
  #eofSent = false;
  #error: unknown = undefined;
  #failed = false;
  /** A `write()`, `drain()`, `startTls()` or `waitClosed()` threw `#error`. */
  #reported = false;
  #aborted = false;
  #upgrading = false;
  /** Waiters of `drain()`, `waitClosed()`, `startTls()`; made when needed. */
  #waiters: Waiter[] | null = null;

  /**
   * Creates a writer over `sink`. `openConnection`, `startServer`, the
   * subprocess and stream adapters create writers for you.
   *
   * @param sink Where the bytes go.
   * @param options The water marks.
   * @throws {RangeError} If the marks are negative or `low > high`.
   *
   * @example A writer over an array
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const w = new StreamWriter({ write: async () => {}, close: () => {} }, {
   *   highWaterMark: 1024,
   * });
   * assert.equal(w.isClosing(), false);
   * w.close();
   * ```
   */
  constructor(sink: WriteSink, options?: StreamWriterOptions) {
    [this.#high, this.#low] = waterMarks(options, "create StreamWriter");
    this.#sink = sink;
    this.#reuse = sink.consumesChunks === true;
    this.#shortWrites = typeof (sink as Partial<ShortWriteSink>)[writeSome] ===
        "function"
      ? sink as WriteSink & ShortWriteSink
      : null;
  }

  /**
   * Sets the water marks, as asyncio's `set_write_buffer_limits()` (the
   * writers of `startServer()` and `openConnection()` start with the
   * defaults). A `drain()` waiting returns at once if the buffer is already
   * at or below the new low mark.
   *
   * @param options The marks; as for the constructor, a mark not given
   * takes its default.
   * @throws {RangeError} If the marks are negative or `low > high`.
   *
   * @example A smaller buffer for one connection
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const w = new StreamWriter({ write: () => new Promise(() => {}), close: () => {} });
   * w.setWriteBufferLimits({ highWaterMark: 4, lowWaterMark: 0 });
   * w.write("hello");
   * assert.equal(w.bufferSize, 5); // over the mark: drain() would wait
   * w.abort();
   * ```
   */
  setWriteBufferLimits(options?: StreamWriterOptions): void {
    [this.#high, this.#low] = waterMarks(
      options,
      "call setWriteBufferLimits()",
    );
    if (this.#size <= this.#low) this.#wakeAll(DRAINED);
  }

  /**
   * The peer's address (for sockets), else `null`.
   *
   * @example No address for a plain sink
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const w = new StreamWriter({ write: async () => {}, close: () => {} });
   * assert.equal(w.remoteAddr, null);
   * w.close();
   * ```
   */
  get remoteAddr(): Deno.Addr | null {
    return this.#sink.remoteAddr ?? null;
  }

  /**
   * The local address (for sockets), else `null`.
   *
   * @example No address for a plain sink
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const w = new StreamWriter({ write: async () => {}, close: () => {} });
   * assert.equal(w.localAddr, null);
   * w.close();
   * ```
   */
  get localAddr(): Deno.Addr | null {
    return this.#sink.localAddr ?? null;
  }

  /**
   * The application protocol the TLS handshake agreed by ALPN (`"h2"`,
   * `"http/1.1"`), as asyncio's
   * `get_extra_info("ssl_object").selected_alpn_protocol()`: known from
   * the end of the handshake, which comes before the writer is handed out
   * by `openConnection({ tls })` and before a TLS server's handler runs,
   * and at the end of `startTls()`. `null` when one of the peers offered
   * none, and when the stream is not TLS. (With none in common the
   * handshake fails: see `alpnProtocols`.)
   *
   * @example Ask for HTTP/2, fall back to HTTP/1.1
   * ```ts
   * import { openConnection, startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const dir = new URL("./testdata/", import.meta.url);
   * const cert = Deno.readTextFileSync(new URL("cert.pem", dir));
   * const key = Deno.readTextFileSync(new URL("key.pem", dir));
   * const agreed = await run(async () => {
   *   // This server speaks HTTP/1.1 only.
   *   await using server = await startServer(async (_r, w) => {
   *     w.write(`${w.alpnProtocol}\n`);
   *   }, { port: 0, tls: { cert, key, alpnProtocols: ["http/1.1"] } });
   *   const [reader, writer] = await openConnection({
   *     port: server.port,
   *     tls: { hostname: "localhost", caCerts: [cert], alpnProtocols: ["h2", "http/1.1"] },
   *   });
   *   const line = new TextDecoder().decode(await reader.readLine());
   *   await writer[Symbol.asyncDispose]();
   *   return [writer.alpnProtocol, line];
   * });
   * assert.deepEqual(agreed, ["http/1.1", "http/1.1\n"]);
   * ```
   */
  get alpnProtocol(): string | null {
    return this.#sink.alpnProtocol ?? null;
  }

  /** @ignore The error a write to the sink failed with, else `undefined`. */
  get [writeFailure](): unknown {
    return this.#failed ? this.#error : undefined;
  }

  /** @ignore The write failure reached the caller through a read. */
  [failureReported](): void {
    this.#reported = true;
  }

  /**
   * How many bytes are buffered (including those the sink is writing).
   *
   * @example Buffered until the sink takes them
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const w = new StreamWriter({ write: () => new Promise(() => {}), close: () => {} });
   * w.write(new Uint8Array(10));
   * assert.equal(w.bufferSize, 10);
   * w.abort();
   * ```
   */
  get bufferSize(): number {
    return this.#size;
  }

  /**
   * Queues `data` (a string is encoded as UTF-8; bytes are copied) and
   * starts sending it. Does not wait: call `drain()` for backpressure.
   *
   * @param data The bytes or text.
   * @throws {Error} If the writer is closing, `writeEof()` was called, or
   * `startTls()` is in progress.
   * @throws {TypeError} If `data` is neither a `Uint8Array` nor a string.
   * @throws {unknown} The error a previous write failed with (a reset
   * connection, for example).
   *
   * @example Text and bytes
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const out: number[] = [];
   * const w = new StreamWriter({ write: async (c) => void out.push(...c), close: () => {} });
   * w.write("A");
   * w.write(new Uint8Array([66]));
   * w.close();
   * assert.equal(w.isClosing(), true);
   * assert.throws(() => w.write("C"), /closing/);
   * ```
   */
  write(data: Uint8Array | string): void {
    if (this.#failed) throw this.#reportFailure();
    if (this.#closing) {
      throw new Error("Cannot write: StreamWriter is closing");
    }
    if (this.#eofRequested) {
      throw new Error("Cannot write: writeEof() was called");
    }
    if (this.#upgrading) {
      throw new Error(
        "Cannot write: startTls() is in progress; await it, then write",
      );
    }
    // Text is encoded first, and then goes as bytes do: gathered with the
    // writes around it while the sink is busy.
    checkBytesOrText(data, "write");
    const text = typeof data === "string";
    const bytes = text ? encoder.encode(data) : data;
    const n = bytes.length;
    if (n === 0) return;
    this.#unyielded += n;
    const tail = this.#tail;
    if (tail !== null && this.#tailUsed + n <= tail.length) {
      // Writes made while the sink is busy are sent together.
      tail.set(bytes, this.#tailUsed);
      this.#tailUsed += n;
      this.#size += n;
    } else if (
      this.#reuse &&
      (n <= SMALL_STAGE ||
        (n <= STAGE &&
          (n >= STAGE / 4 || this.#flushing || this.#bigTail)))
    ) {
      // Copy into a staging buffer from the shared pools: no allocation
      // once they are warm. A small one first; large ones once writes
      // pile up behind a busy sink.
      if (tail !== null) {
        this.#seal();
        this.#bigTail = true;
      }
      const stage = takeStage(
        this.#bigTail || n > SMALL_STAGE ? STAGE : SMALL_STAGE,
      );
      stage.set(bytes, 0);
      this.#tail = stage;
      this.#tailUsed = n;
      this.#size += n;
    } else {
      // A mid-sized write to an idle sink: a copy of its size (many
      // connections doing this at once would drain the pool of large
      // buffers, and allocate 64 KiB each); encoded text is one already.
      this.#seal();
      // A copy by the base class: a subclass's slice() may be a view (a
      // Node Buffer's is).
      (this.#queue ??= new Deque()).push(text ? bytes : new Uint8Array(bytes));
      this.#size += n;
    }
    if (!this.#flushing) this.#flush();
  }

  /**
   * Writes each item of `lines` in order (no separator is added). The
   * items are all read and checked first: if one is neither bytes nor text,
   * or iterating `lines` throws, nothing is written.
   *
   * @param lines The bytes or strings.
   * @throws {TypeError} If an item is neither a `Uint8Array` nor a string.
   * @throws {Error} As `write()`.
   *
   * @example Write several
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const w = new StreamWriter({ write: () => new Promise(() => {}), close: () => {} });
   * w.writeLines(["a\n", "b\n"]);
   * assert.equal(w.bufferSize, 4);
   * w.abort();
   * ```
   */
  writeLines(lines: Iterable<Uint8Array | string>): void {
    // Every item is read and checked before the first goes out, as in
    // asyncio: a bad item or a failing iterable must not leave half a batch
    // on the wire.
    const items = [...lines];
    for (const item of items) checkBytesOrText(item, "write");
    for (const item of items) this.write(item);
  }

  /**
   * Waits while more than `highWaterMark` bytes are buffered, until the
   * buffer is down to `lowWaterMark`. Returns at once below the mark,
   * except once per MiB written without a wait: then it waits one tick, so
   * that a write-and-drain loop to a peer that keeps up (asyncio's loop
   * would starve) lets the loop's other tasks and timers run.
   * Bytes leave the buffer once the sink took them (for a socket, the
   * kernel), not once the peer read them: a reply is the only proof of that.
   * A peer that stops reading until its answers are read (a server that
   * answers pipelined requests as it reads them) makes both sides wait:
   * read its answers in another task while this one writes and drains.
   *
   * **Cancellation**: cancelling the waiting task (or aborting `signal`)
   * ends the wait with `CancelledError` (or `signal.reason`); nothing
   * buffered is lost and the writer stays usable. A pre-aborted signal
   * rejects at once.
   *
   * @param options An abort signal.
   * @throws {unknown} The error a write failed with.
   * @throws {Deno.errors.ConnectionReset} When called once the writer was
   * aborted, or closed (`close()` called, and nothing left to send): what
   * is written now can never be sent. A
   * `drain()` already waiting when `abort()` drops the buffer returns, as
   * asyncio's does: the bytes were dropped, not sent (`isClosing()` is
   * `true`, and the next `write()` throws).
   *
   * @example Drain below the mark returns at once
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const w = new StreamWriter({ write: async () => {}, close: () => {} });
   *   w.write("x");
   *   await w.drain();
   *   assert.ok(w.bufferSize <= 1);
   *   w.close();
   *   await w.waitClosed();
   * });
   * ```
   */
  drain(options?: SignalOptions): Promise<void> {
    const signal = options?.signal;
    const rejected = rejectIfAborted(signal);
    if (rejected !== null) return rejected;
    if (this.#failed) return Promise.reject(this.#reportFailure());
    if (this.#aborted || this.#closed || (this.#closing && this.#size === 0)) {
      // As asyncio's: the bytes of a write made now could never be sent.
      // (While a closing writer still sends what it holds, drain() waits.)
      return Promise.reject(new Deno.errors.ConnectionReset("Connection lost"));
    }
    if (this.#size <= this.#high) {
      if (this.#unyielded < YIELD_BYTES) return RESOLVED;
      // A sink that keeps up (a fast peer over TLS, whose writes settle at
      // once) would never make a write-and-drain loop wait: its task would
      // run on and starve the loop's other tasks and timers. So once per
      // YIELD_BYTES written without a wait, drain() waits one tick.
      this.#unyielded = 0;
      return sleep(0, signal === undefined ? undefined : { signal });
    }
    this.#unyielded = 0;
    const op = new Operation();
    return operationPromise(op, this.#drain(signal, op));
  }

  async #drain(signal: AbortSignal | undefined, op: Operation): Promise<void> {
    await this.#wait(DRAINED, signal, op);
    if (this.#failed) throw this.#reportFailure();
  }

  /**
   * Whether {@linkcode StreamWriter.writeEof} is supported (TCP and Unix
   * sockets, `WritableStream`s; not TLS).
   *
   * @returns `true` if the sink can half-close.
   *
   * @example A sink without closeWrite
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const w = new StreamWriter({ write: async () => {}, close: () => {} });
   * assert.equal(w.canWriteEof(), false);
   * w.close();
   * ```
   */
  canWriteEof(): boolean {
    return this.#sink.closeWrite !== undefined;
  }

  /**
   * Closes the write side after the buffered bytes are sent (a TCP
   * half-close): the peer reads EOF, and this side can still read.
   *
   * @throws {Error} If the sink cannot half-close, or `startTls()` is in
   * progress.
   *
   * @example Half-close
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const events: string[] = [];
   * await run(async () => {
   *   const w = new StreamWriter({
   *     write: async () => void events.push("write"),
   *     closeWrite: () => void events.push("eof"),
   *     close: () => void events.push("close"),
   *   });
   *   w.write("bye");
   *   w.writeEof();
   *   w.close();
   *   await w.waitClosed();
   * });
   * assert.deepEqual(events, ["write", "eof", "close"]);
   * ```
   */
  writeEof(): void {
    if (!this.canWriteEof()) {
      throw new Error("Cannot call writeEof(): this stream cannot half-close");
    }
    if (this.#closing || this.#eofRequested) return;
    if (this.#upgrading) {
      // Half-closed in clear text, the upgrade could never finish.
      throw new Error(
        "Cannot call writeEof(): startTls() is in progress; await it, then call writeEof()",
      );
    }
    this.#eofRequested = true;
    if (!this.#flushing) this.#flush();
  }

  /**
   * Upgrades the connection to TLS, as asyncio's `StreamWriter.start_tls`
   * (STARTTLS in SMTP, IMAP, PostgreSQL...): what was written before goes
   * out in clear first, then the TLS handshake runs, as the client, and
   * from then on both this writer and the connection's reader go through
   * TLS. Bytes the reader already holds stay in it. A peer that then hangs
   * up without a TLS `close_notify` alert ends the stream as EOF, as in
   * asyncio.
   *
   * Deno can only upgrade the client side of a plain TCP connection
   * (`Deno.startTls`), and only while no socket read is in flight: call it
   * between reads, once the peer has answered the request to start TLS
   * (the reader never reads the socket ahead of you). A
   * server cannot upgrade its accepted connections as the TLS server;
   * start that server with `tls` instead.
   *
   * **Cancellation**: cancelling the waiting task (or aborting `signal`)
   * ends the wait with `CancelledError` (or `signal.reason`). Once the
   * handshake has started the connection cannot go back to clear text, so
   * it is closed; while the writer is still sending what was buffered, the
   * connection stays as it was. A pre-aborted signal rejects at once. Deno
   * 2.9 limit: the writer is closed at once, but Deno keeps the socket of a
   * handshake it cannot stop until the peer answers or hangs up (a peer
   * that stalls keeps it open; asyncio closes it).
   *
   * The handshake has `handshakeTimeoutMs` (60 s by default, as asyncio)
   * to finish: past it, `startTls()` fails with a `TimeoutError` and the
   * connection is closed, as at a cancellation.
   *
   * @param options Certificate name, CA certificates, ALPN, handshake time
   * limit, signal.
   * @throws {Error} If the stream is not a plain TCP connection, the writer
   * is closing, or a read is waiting for data.
   * @throws {TimeoutError} If the handshake takes longer than
   * `handshakeTimeoutMs`; the connection is then closed.
   * @throws {RangeError} If `handshakeTimeoutMs` is not > 0.
   * @throws {TypeError} If `handshakeTimeoutMs` is not a number or `null`.
   * @throws {unknown} The handshake's error (an untrusted certificate, for
   * example); the connection is then closed.
   *
   * @example Upgrade a clear-text connection
   * ```ts
   * import { openConnection, startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const dir = new URL("./testdata/", import.meta.url);
   * const cert = Deno.readTextFileSync(new URL("cert.pem", dir));
   * const key = Deno.readTextFileSync(new URL("key.pem", dir));
   * const reply = await run(async () => {
   *   // A TLS server; the client connects in clear, then upgrades.
   *   await using server = await startServer(async (r, w) => {
   *     w.write(await r.readLine());
   *   }, { port: 0, tls: { cert, key } });
   *   const [reader, writer] = await openConnection({ port: server.port });
   *   await writer.startTls({ hostname: "localhost", caCerts: [cert] });
   *   writer.write("secret\n");
   *   const line = new TextDecoder().decode(await reader.readLine());
   *   await writer[Symbol.asyncDispose]();
   *   return line;
   * });
   * assert.equal(reply, "secret\n");
   * ```
   */
  startTls(options?: StartTlsOptions): Promise<void> {
    return runOperation((op) => this.#startTls(options ?? {}, op));
  }

  async #startTls(options: StartTlsOptions, op: Operation): Promise<void> {
    const signal = options?.signal;
    throwIfAborted(signal);
    const limitMs = checkHandshakeTimeout(
      options.handshakeTimeoutMs,
      "call startTls()",
    );
    const sink = this.#sink;
    if (sink.startTls === undefined) {
      throw new Error(
        "Cannot call startTls(): this stream is not a plain TCP connection (TLS already, a Unix socket or a pipe)",
      );
    }
    if (this.#failed) throw this.#reportFailure();
    if (this.#closing) {
      throw new Error("Cannot call startTls(): StreamWriter is closing");
    }
    if (this.#eofRequested) {
      throw new Error("Cannot call startTls(): writeEof() was called");
    }
    if (this.#upgrading) {
      throw new Error("Cannot call startTls(): it is already in progress");
    }
    this.#upgrading = true;
    try {
      // What was written before goes out in clear first.
      while (this.#flushing && !this.#closing) {
        await this.#wait(FLUSHED, signal, op);
      }
      // Woken by the flush, then cancelled (or aborted) before this
      // resumed: no handshake has started, so the connection stays as it
      // was, as for a cancellation while the writer was still sending.
      op.checkpoint();
      throwIfAborted(signal);
      if (this.#failed) throw this.#reportFailure();
      if (this.#closing) {
        throw new Error("Cannot call startTls(): StreamWriter is closing");
      }
      const { signal: _, handshakeTimeoutMs: _ms, ...tls } = options ?? {};
      const upgrading = sink.startTls(tls);
      // The time limit ends the wait as the signal does.
      const deadline = handshakeDeadline(limitMs, signal, getRunningLoop());
      try {
        await (op.current = hostWait(upgrading, deadline.signal));
      } catch (error) {
        // Half-way into TLS, the connection is of no use: close it.
        this.abort();
        throw error;
      } finally {
        deadline.cancel();
      }
    } finally {
      this.#upgrading = false;
    }
  }

  /**
   * Starts closing: the buffered bytes are sent, then the sink is closed.
   * Idempotent; does not wait (see `waitClosed()`).
   *
   * @example Close twice
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const w = new StreamWriter({ write: async () => {}, close: () => {} });
   * w.close();
   * w.close();
   * assert.ok(w.isClosing());
   * ```
   */
  close(): void {
    this.#sink.closeNow?.();
    if (this.#closing) return;
    this.#closing = true;
    if (!this.#flushing) this.#finishClose();
  }

  /**
   * Closes now, dropping what is buffered (asyncio's `transport.abort()`):
   * for a peer that stopped reading.
   *
   * @example Abort a stuck writer
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const w = new StreamWriter({ write: () => new Promise(() => {}), close: () => {} });
   * w.write("never sent");
   * w.abort();
   * assert.equal(w.bufferSize, 0);
   * ```
   */
  abort(): void {
    this.#aborted = true;
    this.#queue?.clear();
    this.#tail = null;
    this.#tailUsed = 0;
    this.#size = 0;
    this.#closing = true;
    this.#wakeAll(DRAINED);
    this.#finishClose();
    this.#sink.closeNow?.();
  }

  /**
   * Whether `close()` (or `abort()`) was called.
   *
   * @returns `true` once closing.
   *
   * @example Not closing
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const w = new StreamWriter({ write: async () => {}, close: () => {} });
   * assert.equal(w.isClosing(), false);
   * w.close();
   * ```
   */
  isClosing(): boolean {
    return this.#closing;
  }

  /**
   * Waits until the writer is closed: buffered bytes sent (or dropped on
   * error or abort) and the sink released.
   *
   * **Errors**: if a write to the sink failed and no `write()` or `drain()`
   * has thrown that error yet (the bytes written last, before `close()`,
   * were dropped), it rejects with it (a `ConnectionReset`, say), once.
   * asyncio's `wait_closed()` raises the write's error every time, even
   * after `drain()` did; here the caller hears of it once.
   *
   * **Cancellation**: cancelling the waiting task (or aborting `signal`)
   * ends the wait only; the close goes on. A pre-aborted signal rejects at
   * once.
   *
   * @param options An abort signal.
   *
   * @example Wait for the close
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * let released = false;
   * await run(async () => {
   *   const w = new StreamWriter({ write: async () => {}, close: () => void (released = true) });
   *   w.close();
   *   await w.waitClosed();
   * });
   * assert.ok(released);
   * ```
   */
  waitClosed(options?: SignalOptions): Promise<void> {
    const signal = options?.signal;
    const rejected = rejectIfAborted(signal);
    if (rejected !== null) return rejected;
    if (this.#closed) {
      return this.#failed && !this.#reported
        ? Promise.reject(this.#reportFailure())
        : RESOLVED;
    }
    return runOperation((op) => this.#waitClosed(signal, op));
  }

  async #waitClosed(
    signal: AbortSignal | undefined,
    op: Operation,
  ): Promise<void> {
    await this.#wait(CLOSED, signal, op);
    // Bytes were dropped since the last write() or drain(), which would
    // have thrown: the close is where the caller hears of it.
    if (this.#failed && !this.#reported) throw this.#reportFailure();
  }

  /** The write failure, as it is thrown to the caller. */
  #reportFailure(): unknown {
    this.#reported = true;
    return this.#error;
  }

  /**
   * Closes and waits for the close: `await using writer = ...`.
   *
   * **Cancellation**: as `waitClosed()`.
   *
   * @example Dispose
   * ```ts
   * import { StreamWriter } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const w = new StreamWriter({ write: async () => {}, close: () => {} });
   * await run(async () => {
   *   await using _ = w;
   * });
   * assert.ok(w.isClosing());
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    await this.waitClosed();
  }

  async #wait(
    event: WriterEvent,
    signal: AbortSignal | undefined,
    op: Operation,
  ): Promise<void> {
    const waiter: Waiter = {
      event,
      future: new Future<void>(getRunningLoop()),
    };
    const list = this.#waiters ??= [];
    list.push(waiter);
    const future = waiter.future;
    try {
      op.current = waitOn(future, signal);
      // Not `await future`: a native await, as a StreamReader's wait (see
      // its `#startWait`): a write that completed at once has woken this
      // by the hop on RESOLVED, else `[parkOn]()` registers the wait now.
      await RESOLVED;
      if (!fulfilled(future)) await future[parkOn]();
    } finally {
      op.current = null;
      const i = list.indexOf(waiter);
      if (i !== -1) list.splice(i, 1);
    }
  }

  /** Wakes every waiter of `event`, in the order they came. */
  #wakeAll(event: WriterEvent): void {
    const list = this.#waiters;
    if (list === null) return;
    for (let i = 0; i < list.length;) {
      const { event: e, future } = list[i]!;
      if (e !== event) {
        i++;
        continue;
      }
      list.splice(i, 1);
      if (!future.done() && !future.getLoop().isClosed()) future.setResult();
    }
  }

  /** Moves the staging buffer's bytes to the queue of chunks to send. */
  #seal(): void {
    const tail = this.#tail;
    if (tail === null) return;
    if (this.#tailUsed > 0) {
      (this.#queue ??= new Deque()).push(tail.subarray(0, this.#tailUsed));
    } else {
      giveStage(tail.buffer);
    }
    this.#tail = null;
    this.#tailUsed = 0;
  }

  /**
   * Sends the next chunk, or ends the flush. Callbacks, not an async loop:
   * a write costs two closures and a promise, not a suspended frame.
   */
  #flush(): void {
    this.#flushing = true;
    const chunk = this.#nextChunk();
    if (chunk !== null) this.#send(chunk, 0);
    else this.#flushEnd();
  }

  /** The next chunk to send, or `null` once everything went. */
  #nextChunk(): Uint8Array | null {
    const queue = this.#queue;
    let chunk: Uint8Array;
    if (queue === null || queue.length === 0) {
      // The staging buffer goes out as it is: the queue is for chunks
      // that pile up behind it.
      const tail = this.#tail;
      if (tail === null || this.#tailUsed === 0) return null;
      chunk = tail.subarray(0, this.#tailUsed);
      this.#tail = null;
      this.#tailUsed = 0;
    } else {
      chunk = queue.shift()!;
    }
    if (
      !this.#reuse && queue !== null && queue.length > 0 &&
      chunk.length < GATHER
    ) {
      const parts = [chunk];
      let size = chunk.length;
      while (queue.length > 0 && size + queue.peekFront()!.length <= GATHER) {
        const next = queue.shift()!;
        parts.push(next);
        size += next.length;
      }
      chunk = concat(parts);
    }
    return chunk;
  }

  /** Writes `chunk` from byte `at` on. */
  #send(chunk: Uint8Array, at: number): void {
    const part = at === 0 ? chunk : chunk.subarray(at);
    const shortWrites = this.#shortWrites;
    let sent: Promise<unknown>;
    try {
      sent = shortWrites !== null
        ? shortWrites[writeSome](part)
        : this.#sink.write(part);
    } catch (error) {
      this.#flushFailed(error);
      return;
    }
    whenSettled(
      sent,
      (n) => this.#sent(chunk, at, n),
      (error) => this.#flushFailed(error),
    );
  }

  /**
   * The sink wrote `chunk` from `at` on: all of it (`write()`), or `n`
   * bytes (`[writeSome]()`, which may take only the start). Bytes stop
   * counting as buffered as the sink takes them. (A failed write ends the
   * flush in `#flushFailed`; an abort zeroed the count.)
   */
  #sent(chunk: Uint8Array, at: number, n: unknown): void {
    if (this.#aborted) {
      this.#flushEnd();
      return;
    }
    let taken = chunk.length - at;
    if (this.#shortWrites !== null) {
      try {
        taken = writtenCount(n, taken);
      } catch (error) {
        this.#flushFailed(error);
        return;
      }
    }
    this.#size -= taken;
    if (this.#size <= this.#low) this.#wakeAll(DRAINED);
    if (at + taken < chunk.length) {
      this.#send(chunk, at + taken);
      return;
    }
    if (this.#reuse) giveStage(chunk.buffer);
    this.#flush();
  }

  /** Everything went: the EOF asked for goes out, then the flush ends. */
  #flushEnd(): void {
    // Not after an abort: the sink is closed (or closing) by then.
    if (!this.#eofRequested || this.#eofSent || this.#aborted) {
      this.#flushDone();
      return;
    }
    this.#eofSent = true;
    let closing: Promise<void> | void;
    try {
      closing = this.#sink.closeWrite!();
    } catch (error) {
      this.#flushFailed(error);
      return;
    }
    whenSettled(
      closing,
      () => this.#flushDone(),
      (error) => this.#flushFailed(error),
    );
  }

  #flushFailed(error: unknown): void {
    this.#fail(error);
    this.#flushDone();
  }

  #flushDone(): void {
    // A burst's queue grew with it: an idle writer keeps none.
    if (this.#queue?.length === 0) this.#queue = null;
    this.#flushing = false;
    this.#bigTail = false;
    this.#wakeAll(FLUSHED);
    if (this.#closing && !this.#closed) this.#finishClose();
  }

  #fail(error: unknown): void {
    this.#queue?.clear();
    this.#tail = null;
    this.#tailUsed = 0;
    this.#size = 0;
    if (this.#aborted) return;
    this.#failed = true;
    this.#error = error;
    // As asyncio's transports do on a write error: close.
    this.#closing = true;
    this.#wakeAll(DRAINED);
  }

  #closeStarted = false;

  async #finishClose(): Promise<void> {
    if (this.#closeStarted) return;
    this.#closeStarted = true;
    try {
      await this.#sink.close();
    } catch {
      // Closing a sink that already failed: nothing left to report.
    }
    this.#closed = true;
    this.#wakeAll(DRAINED);
    this.#wakeAll(FLUSHED);
    this.#wakeAll(CLOSED);
  }
}
