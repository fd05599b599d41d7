/**
 * `StreamReader`: asyncio's buffered byte reader, fed by a pump (a socket,
 * a `ReadableStream`, a file) or by hand with `feedData`/`feedEof`.
 *
 * @module
 */

import { throwIfAborted } from "../loop/signal_options.ts";
import type { SignalOptions } from "../loop/signal_options.ts";
import { getRunningLoop } from "../loop/mod.ts";
import { describeArgument } from "../loop/describe_value.ts";
import { IncompleteReadError, LimitOverrunError } from "./errors.ts";
import { fulfilled, Future, parkOn } from "../loop/future.ts";
import { busyCheckpoint, busyNow } from "../loop/settled.ts";
import { callSoonJob } from "../loop/event_loop.ts";
import { Operation, operationPromise } from "../task/operation.ts";
import {
  attachSource,
  commit,
  lend,
  type ReaderSource,
  reserve,
  waiting,
} from "./_source.ts";
import { encoder, waitOn } from "./_wait.ts";

/** The default buffer limit of readers: 64 KiB, as in asyncio. */
export const DEFAULT_LIMIT: number = 64 * 1024;

/** Options for {@linkcode StreamReader}. */
export interface StreamReaderOptions {
  /**
   * The buffer limit in bytes: `readUntil`/`readLine` fail with
   * `LimitOverrunError` on a chunk longer than this, and the pump that feeds
   * the reader pauses while more than this is buffered.
   *
   * @default {65536}
   */
  limit?: number;
}

/**
 * The storage of a reader that has none: never handed out, so nobody can
 * detach it (zero-length results are new arrays, for the same reason).
 */
const NO_STORAGE = new Uint8Array(0);
/**
 * A result takes the reader's storage with it, instead of a copy, only if
 * it is at least this many bytes...
 */
const HAND_OVER_MIN_BYTES = 16 * 1024;
/**
 * ...and fills at least this much of the storage (so that a result kept
 * for long holds at most a third more than its size).
 */
const HAND_OVER_MIN_FILL = 0.75;
/**
 * Storage more than this many times larger than what a pump's read needs
 * (the bytes buffered and the read) is dropped for storage of that size.
 */
const SHRINK = 4;

/**
 * A buffered reader of bytes, as asyncio's `StreamReader`. A pump (or your
 * code) calls {@linkcode StreamReader.feedData} and
 * {@linkcode StreamReader.feedEof}; tasks call the reading methods, which
 * wait on library futures. One task reads at a time.
 *
 * **Cancellation** (all reading methods): a read waits only while the buffer
 * cannot satisfy it, and takes bytes out of the buffer only once it can
 * return them. So cancelling the waiting task (or aborting `signal`) ends the
 * wait with `CancelledError` (or `signal.reason`), no byte is consumed, and
 * the next read sees the same data. A pre-aborted signal rejects at once,
 * even if the data is there.
 *
 * **Errors**: a failed stream (a connection reset: see
 * {@linkcode StreamReader.setException}) first hands out the bytes that
 * arrived before the error; a read throws the error only where it would
 * wait for more.
 *
 * **Results**: every read returns bytes the reader never changes again.
 * A result of 16 KiB or more that fills most of the reader's storage and
 * leaves fewer bytes than itself in the buffer takes the storage with it:
 * no copy, but its `buffer` may be up to a third larger and hold other
 * bytes of the stream around it, so use the view (`byteOffset`, `length`),
 * not the whole `buffer`. Other results are copies. No result shares
 * memory with the reader or with another result: transferring its
 * `buffer` (a byte stream's `enqueue()` does) affects nothing else.
 * {@linkcode StreamReader.readInto} reads into a buffer of yours
 * instead (nothing allocated per read; on a socket, with the reader's
 * buffer empty, the socket reads straight into it).
 *
 * **Flow control**: while more than `limit` bytes are buffered, the pump
 * that feeds the reader pauses; it resumes once reads bring the buffer back
 * to `limit` or below (asyncio pauses at twice the limit; one limit keeps
 * memory per connection at about `limit` plus one socket read).
 *
 * @example Read lines fed by hand
 * ```ts
 * import { StreamReader } from "@aio/asyncio/io";
 * import assert from "node:assert/strict";
 *
 * const r = new StreamReader();
 * r.feedData(new TextEncoder().encode("hello\nworld"));
 * r.feedEof();
 * const lines: string[] = [];
 * for await (const line of r) lines.push(new TextDecoder().decode(line));
 * assert.deepEqual(lines, ["hello\n", "world"]);
 * assert.ok(r.atEof());
 * ```
 */
export class StreamReader implements AsyncIterable<Uint8Array<ArrayBuffer>> {
  readonly #limit: number;
  #buf: Uint8Array<ArrayBuffer> = NO_STORAGE;
  #start = 0;
  #end = 0;
  #eof = false;
  /**
   * The last `readLine()` dropped a line whose newline had not arrived: the
   * next `readLine()` drops the rest of it first. Any other read that takes
   * bytes takes them as they come, and clears this.
   */
  #skippingLine = false;
  #exception: unknown = undefined;
  #hasException = false;
  #waiter: Future<void> | null = null;
  #source: ReaderSource | null = null;
  #paused = false;
  /** Whether a pump is reading into the end of `#buf`. */
  #reserved = false;
  /** The buffer of the `readInto()` waiting, if one is. */
  #into: Uint8Array | null = null;
  /** The caller's buffer a pump is reading straight into, if any. */
  #lent: Uint8Array | null = null;
  /**
   * Bytes a pump read straight into `#into`, handed to the `readInto()`
   * that was waiting and not yet returned by it (it has not resumed).
   */
  #handed = 0;

  /**
   * Creates an empty reader.
   *
   * @param options The buffer limit.
   * @throws {RangeError} If `limit` is not a positive integer.
   *
   * @example A reader with a small limit
   * ```ts
   * import { StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const r = new StreamReader({ limit: 16 });
   * assert.equal(r.limit, 16);
   * ```
   */
  constructor(options?: StreamReaderOptions) {
    const limit = options?.limit ?? DEFAULT_LIMIT;
    checkLimit(limit, "create StreamReader");
    this.#limit = limit;
  }

  /**
   * The buffer limit in bytes.
   *
   * @example Default limit
   * ```ts
   * import { StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new StreamReader().limit, 65536);
   * ```
   */
  get limit(): number {
    return this.#limit;
  }

  /**
   * How many bytes are buffered.
   *
   * @example Count buffered bytes
   * ```ts
   * import { StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const r = new StreamReader();
   * r.feedData(new Uint8Array(3));
   * assert.equal(r.bufferSize, 3);
   * ```
   */
  get bufferSize(): number {
    return this.#end - this.#start;
  }

  /**
   * @ignore Links the pump that feeds this reader (flow control).
   */
  [attachSource](source: ReaderSource): void {
    this.#source = source;
    if (this.#paused) source.pause();
  }

  /**
   * @ignore A region of `n` bytes at the end of the buffer for the pump to
   * read into (no copy); the bytes count once committed.
   */
  [reserve](n: number): Uint8Array<ArrayBuffer> {
    const length = this.#buf.length;
    const used = this.#end - this.#start;
    if (used === 0 && length !== n) {
      // Empty: start over with storage of the size asked for, so that an
      // idle connection (a read waiting) holds that read's buffer, not the
      // storage of its last burst.
      this.#buf = new Uint8Array(n);
      this.#start = this.#end = 0;
    } else if (length > SHRINK * (used + n)) {
      // A few bytes left of a burst (the start of the next frame): they
      // move to storage of their size and the read's, for the same reason.
      this.#moveTo(used + n);
    } else if (this.#end + n > length) {
      this.#makeRoom(n);
    }
    this.#reserved = true;
    const buf = this.#buf;
    const end = this.#end;
    return end === 0 && n === buf.length ? buf : buf.subarray(end, end + n);
  }

  /**
   * @ignore The buffer of the `readInto()` waiting on this empty reader,
   * for the pump to read straight into; `null` if there is none (then
   * reserve). The loan ends with `[commit]`.
   */
  [lend](): Uint8Array | null {
    const into = this.#into;
    if (
      into === null || this.#waiter === null || this.#end !== this.#start ||
      this.#eof || this.#reserved || this.#lent !== null
    ) {
      return null;
    }
    this.#lent = into;
    return into;
  }

  /**
   * @ignore Whether a read is waiting for data (for pull-mode pumps).
   */
  get [waiting](): boolean {
    return this.#waiter !== null;
  }

  /**
   * @ignore Appends the `n` bytes the pump read into its reserved region,
   * or hands the `n` bytes it read into a lent buffer to its `readInto()`.
   */
  [commit](n: number): void {
    const lent = this.#lent;
    if (lent !== null) {
      this.#lent = null;
      if (n > 0 && !this.#eof) this.#landed(lent, n);
      return;
    }
    this.#reserved = false;
    if (n <= 0 || this.#eof) return;
    this.#end += n;
    this.#fed();
  }

  /**
   * Appends bytes to the buffer (they are copied) and wakes a waiting read.
   *
   * @param data The bytes.
   * @throws {Error} If `feedEof()` was called.
   * @throws {TypeError} If `data` is not a `Uint8Array`.
   *
   * @example Feed and read
   * ```ts
   * import { StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const r = new StreamReader();
   * r.feedData(new Uint8Array([1, 2, 3]));
   * assert.deepEqual(await r.read(2), new Uint8Array([1, 2]));
   * ```
   */
  feedData(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot call feedData(): data must be a Uint8Array, got ${
          describeArgument(data)
        }`,
      );
    }
    if (this.#eof) {
      throw new Error("Cannot call feedData(): feedEof() was called");
    }
    if (this.#reserved || this.#lent !== null) {
      throw new Error(
        "Cannot call feedData(): a pump is reading into this StreamReader",
      );
    }
    if (data.length === 0) return;
    this.#append(data);
    this.#fed();
  }

  #append(data: Uint8Array): void {
    const n = data.length;
    let end = this.#end;
    if (end + n > this.#buf.length) this.#makeRoom(n);
    end = this.#end;
    this.#buf.set(data, end);
    this.#end = end + n;
  }

  /** A pump's read straight into `view` (a lent buffer) brought `n` bytes. */
  #landed(view: Uint8Array, n: number): void {
    const waiter = this.#waiter;
    if (
      waiter !== null && this.#into === view && this.#end === this.#start &&
      !waiter.done() && !waiter.getLoop().isClosed()
    ) {
      // Its readInto() still waits with this buffer: the bytes are its.
      this.#handed = n;
      this.#wakeWaiter();
      return;
    }
    if (view.byteLength < n) {
      // Its owner detached (transferred) or shrank the buffer while the
      // socket read into it: the bytes went with the memory, out of reach.
      // The stream has a hole: fail it, rather than throw into the pump
      // (an uncaught rejection) and go on as if nothing was lost.
      this.#lost(n);
      return;
    }
    // It was cancelled (or waits with another buffer, or another read
    // waits): keep a copy, in order, for the next read.
    this.#append(view.subarray(0, n));
    this.#fed();
  }

  /** `n` bytes a socket read put in a readInto()'s buffer are lost. */
  #lost(n: number): void {
    this.setException(
      new Error(
        `Cannot keep the ${n} bytes a socket read put in a readInto()'s buffer: the buffer was detached (transferred) or shrunk before the read took them, and the stream lost them`,
      ),
    );
  }

  #fed(): void {
    this.#wakeWaiter();
    if (!this.#paused && this.#end - this.#start > this.#limit) {
      this.#paused = true;
      this.#source?.pause();
    }
  }

  /**
   * Marks the end of the stream: reads return what is buffered, then EOF.
   * Calling it again does nothing.
   *
   * @example Read to EOF
   * ```ts
   * import { StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const r = new StreamReader();
   * r.feedData(new TextEncoder().encode("abc"));
   * r.feedEof();
   * assert.equal(new TextDecoder().decode(await r.read()), "abc");
   * ```
   */
  feedEof(): void {
    this.#eof = true;
    this.#wakeWaiter();
  }

  /**
   * Ends the stream with `error` (a connection reset, for example): no data
   * will come any more, and a read that would wait for some throws `error`
   * instead, at once or, if it waits, when this is called. Bytes buffered
   * before stay readable: a read the buffer can satisfy returns them, and
   * `read(n)` and `readInto()` return what is left before the first one
   * throws. A read that needs more than is buffered (`read()` to EOF,
   * `readExactly()`, `readUntil()` without the separator) throws and leaves
   * the bytes in the buffer. (asyncio's `set_exception()` makes every read
   * raise, and the bytes that arrived before the error are lost.) If both
   * were set, the error wins over EOF.
   *
   * @param error The error.
   *
   * @example A reset connection
   * ```ts
   * import { StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const r = new StreamReader();
   * r.feedData(new TextEncoder().encode("partial"));
   * r.setException(new Deno.errors.ConnectionReset("reset"));
   * await assert.rejects(r.readLine(), Deno.errors.ConnectionReset);
   * assert.equal(new TextDecoder().decode(await r.read(100)), "partial");
   * await assert.rejects(r.read(100), Deno.errors.ConnectionReset);
   * ```
   */
  setException(error: unknown): void {
    this.#exception = error;
    this.#hasException = true;
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      if (!waiter.done() && !waiter.getLoop().isClosed()) {
        waiter.setException(error);
      }
    }
  }

  /**
   * The error set by {@linkcode StreamReader.setException}, if any.
   *
   * @returns The error, or `undefined`.
   *
   * @example No error
   * ```ts
   * import { StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new StreamReader().exception(), undefined);
   * ```
   */
  exception(): unknown {
    return this.#exception;
  }

  /**
   * Whether the stream ended and the buffer is empty.
   *
   * @returns `true` at EOF.
   *
   * @example EOF after the last byte
   * ```ts
   * import { StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const r = new StreamReader();
   * r.feedData(new Uint8Array(1));
   * r.feedEof();
   * assert.equal(r.atEof(), false);
   * await r.read(1);
   * assert.equal(r.atEof(), true);
   * ```
   */
  atEof(): boolean {
    return this.#eof && this.#end === this.#start;
  }

  /**
   * Reads up to `n` bytes; with `n < 0` (the default), reads to EOF. Waits
   * only while the buffer is empty. Returns an empty array at EOF.
   *
   * **Cancellation**: see the class: no byte is lost.
   *
   * @param n The most bytes to read, or `-1` for all.
   * @param options An abort signal.
   * @returns The bytes.
   * @throws {RangeError} If `n` is not an integer.
   * @throws {Error} If another task is already waiting on this reader.
   * @throws {unknown} The error set by `setException`, once the buffered
   * bytes cannot satisfy the read.
   *
   * @example Read what has arrived
   * ```ts
   * import { StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const r = new StreamReader();
   * r.feedData(new Uint8Array([1, 2, 3]));
   * assert.equal((await r.read(100)).length, 3);
   * r.feedEof();
   * assert.equal((await r.read()).length, 0);
   * ```
   */
  read(n?: number, options?: SignalOptions): Promise<Uint8Array<ArrayBuffer>> {
    const op = new Operation();
    return operationPromise(op, this.#read(n ?? -1, options, op));
  }

  async #read(
    n: number,
    options: SignalOptions | undefined,
    op: Operation,
  ): Promise<Uint8Array<ArrayBuffer>> {
    if (!Number.isInteger(n)) {
      throw new RangeError(
        `Cannot call read(): n must be an integer (negative for all), got ${
          describeArgument(n)
        }`,
      );
    }
    const signal = options?.signal;
    throwIfAborted(signal);
    if (n === 0) return new Uint8Array(0);
    if (this.#readyToRead() && busyNow()) await this.#giveTurn(signal, op);
    if (n < 0) {
      while (!this.#eof) {
        const waiter = this.#startWait("read", signal, op);
        let parked = false;
        try {
          await SETTLED;
          parked = !fulfilled(waiter);
          if (parked) await waiter[parkOn]();
        } finally {
          this.#waitEnded(waiter, op);
        }
        op.checkpoint();
        // Fed within microtasks (a fast in-memory source): not a park.
        if (!parked && busyNow()) await this.#giveTurn(signal, op);
      }
      this.#throwIfFailed();
      return this.#take(this.#end - this.#start);
    }
    while (this.#end === this.#start) {
      if (this.#eof) {
        this.#throwIfFailed();
        break;
      }
      const waiter = this.#startWait("read", signal, op);
      let parked = false;
      try {
        await SETTLED;
        parked = !fulfilled(waiter);
        if (parked) await waiter[parkOn]();
      } finally {
        this.#waitEnded(waiter, op);
      }
      op.checkpoint();
      // Fed within microtasks (a fast in-memory source): not a park.
      if (!parked && busyNow()) await this.#giveTurn(signal, op);
    }
    return this.#take(Math.min(n, this.#end - this.#start));
  }

  /**
   * Reads up to `buffer.length` bytes into `buffer` (bring your own
   * buffer): resolves with how many, `0` at EOF (or for an empty
   * `buffer`). Waits only while the reader's buffer is empty, as
   * {@linkcode StreamReader.read} does, and reads what is there without
   * waiting for more. Nothing is allocated per read: loop over one buffer.
   *
   * Buffered bytes are copied out of the reader. When the reader's buffer
   * is empty and the reader is fed by a socket (`openConnection()`,
   * `startServer()`, Unix sockets, TLS), the socket reads straight into
   * `buffer`: the bytes are copied once, by the kernel. asyncio's
   * `StreamReader` has no such method (its zero-copy path is a
   * `BufferedProtocol`, below the streams).
   *
   * **Cancellation**: as `read()`: no byte is lost. Cancelled (or aborted)
   * while it waits, it rejects with `CancelledError` (or `signal.reason`),
   * having taken nothing, and the next read sees the same data; bytes that
   * had already landed in `buffer` when the cancellation came (woken, not
   * yet resumed) go back to the front of the reader. One thing differs:
   * a socket read cannot be cancelled, so if the socket was reading into
   * `buffer` when the wait ended, `buffer` still receives its bytes when
   * they arrive, and the reader keeps a copy of them for the next read.
   * Until the next read of this reader returns, do not reuse `buffer` for
   * anything else; a `readInto()` with the same `buffer` picks that socket
   * read up, with no copy. Detaching `buffer` meanwhile (transferring its
   * `ArrayBuffer`) loses those bytes: the reader then fails with an error
   * that says so. A pre-aborted signal rejects at once, even if the data
   * is there.
   *
   * @param buffer Where to put the bytes.
   * @param options An abort signal.
   * @returns How many bytes were read into `buffer[0..n)`: `0` at EOF.
   * @throws {TypeError} If `buffer` is not a `Uint8Array`.
   * @throws {Error} If another task is already waiting on this reader.
   * @throws {unknown} The error set by `setException`, once the buffered
   * bytes cannot satisfy the read.
   *
   * @example Read into one reused buffer until EOF
   * ```ts
   * import { StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const r = new StreamReader();
   * r.feedData(new TextEncoder().encode("hello, world"));
   * r.feedEof();
   * const buf = new Uint8Array(5);
   * const parts: string[] = [];
   * for (let n; (n = await r.readInto(buf)) > 0;) {
   *   parts.push(new TextDecoder().decode(buf.subarray(0, n)));
   * }
   * assert.deepEqual(parts, ["hello", ", wor", "ld"]);
   * assert.equal(await r.readInto(buf), 0);
   * ```
   *
   * @example A socket reads straight into your buffer
   * ```ts
   * import { openConnection, startServer } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const total = await run(async () => {
   *   await using server = await startServer(async (_reader, writer) => {
   *     writer.write(new Uint8Array(100_000).fill(7));
   *     await writer.drain();
   *   }, { hostname: "127.0.0.1", port: 0 });
   *   const [reader, writer] = await openConnection({
   *     hostname: "127.0.0.1",
   *     port: server.port,
   *   });
   *   const buf = new Uint8Array(64 * 1024);
   *   let total = 0;
   *   for (let n; (n = await reader.readInto(buf)) > 0;) {
   *     assert.ok(buf.subarray(0, n).every((b) => b === 7));
   *     total += n;
   *   }
   *   writer.close();
   *   await writer.waitClosed();
   *   return total;
   * });
   * assert.equal(total, 100_000);
   * ```
   */
  readInto(buffer: Uint8Array, options?: SignalOptions): Promise<number> {
    const op = new Operation();
    return operationPromise(op, this.#readInto(buffer, options, op));
  }

  async #readInto(
    buffer: Uint8Array,
    options: SignalOptions | undefined,
    op: Operation,
  ): Promise<number> {
    if (!(buffer instanceof Uint8Array)) {
      throw new TypeError(
        `Cannot call readInto(): buffer must be a Uint8Array, got ${
          describeArgument(buffer)
        }`,
      );
    }
    const signal = options?.signal;
    throwIfAborted(signal);
    if (buffer.length === 0) return 0;
    if (this.#readyToRead() && busyNow()) await this.#giveTurn(signal, op);
    while (this.#end === this.#start) {
      if (this.#eof) {
        this.#throwIfFailed();
        return 0;
      }
      // Checked before `#into` is touched: it belongs to the waiting one.
      this.#checkAlone("readInto");
      this.#into = buffer;
      let parked = false;
      try {
        const waiter = this.#startWait("readInto", signal, op);
        try {
          await SETTLED;
          parked = !fulfilled(waiter);
          if (parked) await waiter[parkOn]();
        } finally {
          this.#waitEnded(waiter, op);
        }
        op.checkpoint();
      } catch (error) {
        // Woken with bytes in `buffer`, then cancelled (or failed) before
        // it resumed: they go back to the reader.
        this.#giveBack(buffer);
        throw error;
      } finally {
        this.#into = null;
      }
      const handed = this.#handed;
      if (handed !== 0) {
        this.#handed = 0;
        this.#skippingLine = false;
        return handed;
      }
      // Fed within microtasks (a fast in-memory source): not a park.
      if (!parked && busyNow()) await this.#giveTurn(signal, op);
    }
    const start = this.#start;
    const n = Math.min(buffer.length, this.#end - start);
    buffer.set(this.#buf.subarray(start, start + n));
    this.#consume(n);
    if (n > 0) this.#skippingLine = false;
    return n;
  }

  /** Puts the bytes handed to a `readInto()` back in front of the buffer. */
  #giveBack(buffer: Uint8Array): void {
    const n = this.#handed;
    if (n === 0) return;
    this.#handed = 0;
    if (buffer.byteLength < n) {
      // Detached or shrunk by other code before the read resumed: the
      // bytes are out of reach (and the read's own error is thrown).
      this.#lost(n);
      return;
    }
    const data = buffer.subarray(0, n);
    const start = this.#start;
    const used = this.#end - start;
    if (used === 0 && !this.#reserved) {
      this.#start = this.#end = 0;
      this.#append(data);
    } else if (start >= n) {
      this.#buf.set(data, start - n);
      this.#start = start - n;
    } else if (!this.#reserved) {
      const next = new Uint8Array(Math.max(4096, used + n));
      next.set(data);
      next.set(this.#buf.subarray(start, this.#end), n);
      this.#buf = next;
      this.#start = 0;
      this.#end = used + n;
    } else {
      // Unreachable: no read waits while bytes are handed (the next one
      // throws), so no pump reads into the reader's buffer meanwhile.
      throw new Error(
        "Cannot give bytes back to StreamReader: a pump is reading into it",
      );
    }
    if (!this.#paused && this.#end - this.#start > this.#limit) {
      this.#paused = true;
      this.#source?.pause();
    }
  }

  /**
   * Reads exactly `n` bytes.
   *
   * **Cancellation**: see the class: no byte is lost.
   *
   * @param n How many bytes.
   * @param options An abort signal.
   * @returns `n` bytes.
   * @throws {IncompleteReadError} If the stream ends first; `partial` holds
   * the bytes read (they leave the buffer).
   * @throws {RangeError} If `n` is negative.
   * @throws {unknown} The error set by `setException`, once the buffered
   * bytes cannot satisfy the read.
   *
   * @example Exactly four bytes, then an incomplete read
   * ```ts
   * import { IncompleteReadError, StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const r = new StreamReader();
   * r.feedData(new Uint8Array([1, 2, 3, 4, 5]));
   * r.feedEof();
   * assert.deepEqual(await r.readExactly(4), new Uint8Array([1, 2, 3, 4]));
   * await assert.rejects(r.readExactly(2), (e: IncompleteReadError) => {
   *   assert.deepEqual(e.partial, new Uint8Array([5]));
   *   assert.equal(e.expected, 2);
   *   return true;
   * });
   * ```
   */
  readExactly(
    n: number,
    options?: SignalOptions,
  ): Promise<Uint8Array<ArrayBuffer>> {
    const op = new Operation();
    return operationPromise(op, this.#readExactly(n, options, op));
  }

  async #readExactly(
    n: number,
    options: SignalOptions | undefined,
    op: Operation,
  ): Promise<Uint8Array<ArrayBuffer>> {
    if (!Number.isInteger(n) || n < 0) {
      throw new RangeError(
        `Cannot call readExactly(): n must be a non-negative integer, got ${
          describeArgument(n)
        }`,
      );
    }
    const signal = options?.signal;
    throwIfAborted(signal);
    if (this.#readyToRead() && busyNow()) await this.#giveTurn(signal, op);
    while (this.#end - this.#start < n) {
      if (this.#eof) {
        this.#throwIfFailed();
        throw new IncompleteReadError(
          this.#take(this.#end - this.#start),
          n,
        );
      }
      const waiter = this.#startWait("readExactly", signal, op);
      let parked = false;
      try {
        await SETTLED;
        parked = !fulfilled(waiter);
        if (parked) await waiter[parkOn]();
      } finally {
        this.#waitEnded(waiter, op);
      }
      op.checkpoint();
      // Fed within microtasks (a fast in-memory source): not a park.
      if (!parked && busyNow()) await this.#giveTurn(signal, op);
    }
    return this.#take(n);
  }

  /**
   * Reads up to and including `separator`; given several separators (an
   * array, as Python 3.13's tuple), up to the first place any of them ends.
   *
   * With several separators the rules are CPython 3.13's: the shortest
   * result that ends with one of them wins, and when two end at the same
   * place the shorter separator is the one that matched (its start is what
   * the limit is checked against). The search resumes where the last scan
   * left off, less the longest separator's length minus one.
   *
   * **Cancellation**: see the class: no byte is lost.
   *
   * @param separator A separator (a string, encoded as UTF-8, or bytes), or
   * an array of them.
   * @param options An abort signal.
   * @returns The bytes, ending with the separator that matched.
   * @throws {LimitOverrunError} If no separator is found within `limit`
   * bytes, or the chunk before it is longer than `limit`; the data stays in
   * the buffer and `consumed` says how many bytes to skip.
   * @throws {IncompleteReadError} If the stream ends first; `partial` holds
   * the bytes read (`expected` is `null`).
   * @throws {RangeError} If a separator is empty or the array is.
   * @throws {TypeError} If a separator is neither a string nor a
   * `Uint8Array`.
   * @throws {unknown} The error set by `setException`, once the buffered
   * bytes cannot satisfy the read.
   *
   * @example Read a record
   * ```ts
   * import { StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const r = new StreamReader();
   * r.feedData(new TextEncoder().encode("a=1;b=2;"));
   * assert.equal(new TextDecoder().decode(await r.readUntil(";")), "a=1;");
   * ```
   *
   * @example The first of several separators wins
   * ```ts
   * import { StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const r = new StreamReader();
   * r.feedData(new TextEncoder().encode("GET /\r\nHost: x\n\n"));
   * const d = new TextDecoder();
   * assert.equal(d.decode(await r.readUntil(["\r\n", "\n"])), "GET /\r\n");
   * assert.equal(d.decode(await r.readUntil(["\r\n", "\n"])), "Host: x\n");
   * ```
   */
  readUntil(
    separator: Separator | readonly Separator[] = NEWLINE,
    options?: SignalOptions,
  ): Promise<Uint8Array<ArrayBuffer>> {
    const op = new Operation();
    return operationPromise(op, this.#readUntil(separator, options, op));
  }

  async #readUntil(
    separator: Separator | readonly Separator[],
    options: SignalOptions | undefined,
    op: Operation,
  ): Promise<Uint8Array<ArrayBuffer>> {
    const seps = separators(separator);
    const minLength = seps[0]!.length;
    const maxLength = seps[seps.length - 1]!.length;
    const signal = options?.signal;
    throwIfAborted(signal);
    if (this.#readyToRead() && busyNow()) await this.#giveTurn(signal, op);
    const limit = this.#limit;
    let offset = 0;
    let matchStart = -1;
    let matchEnd = -1;
    for (;;) {
      const buflen = this.#end - this.#start;
      if (buflen - offset >= minLength) {
        for (const sep of seps) {
          const at = this.#find(sep, offset);
          if (at !== -1 && (matchEnd === -1 || at + sep.length < matchEnd)) {
            matchStart = at;
            matchEnd = at + sep.length;
          }
        }
        if (matchEnd !== -1) break;
        offset = Math.max(0, buflen + 1 - maxLength);
        if (offset > limit) {
          throw new LimitOverrunError(
            `Separator is not found, and chunk exceeds the limit of ${limit} bytes`,
            offset,
          );
        }
      }
      if (this.#eof) {
        this.#throwIfFailed();
        throw new IncompleteReadError(this.#take(buflen), null);
      }
      const waiter = this.#startWait("readUntil", signal, op);
      let parked = false;
      try {
        await SETTLED;
        parked = !fulfilled(waiter);
        if (parked) await waiter[parkOn]();
      } finally {
        this.#waitEnded(waiter, op);
      }
      op.checkpoint();
      // Fed within microtasks (a fast in-memory source): not a park.
      if (!parked && busyNow()) await this.#giveTurn(signal, op);
    }
    if (matchStart > limit) {
      throw new LimitOverrunError(
        `Separator is found, but chunk is longer than the limit of ${limit} bytes`,
        matchStart,
      );
    }
    return this.#take(matchEnd);
  }

  /**
   * Reads one line, ending with `"\n"`; at EOF, returns what is left
   * (possibly without `"\n"`, empty once the stream is exhausted).
   *
   * Unlike `readUntil`, a line longer than the limit is dropped, so the
   * next `readLine()` starts after it: the part buffered so far, and the
   * newline if it arrived, go before the error is thrown; if the newline had
   * not arrived, the next `readLine()` drops the rest of the line, up to and
   * including it, before it reads (asyncio's `readline()` would return that
   * rest as a line). Any other read in between takes those bytes as they
   * come instead.
   *
   * **Cancellation**: see the class: no byte is lost.
   *
   * @param options An abort signal.
   * @returns The line, with its `"\n"`.
   * @throws {LimitOverrunError} If the line is longer than `limit`.
   * @throws {unknown} The error set by `setException`, once the buffered
   * bytes cannot satisfy the read.
   *
   * @example Lines and the last partial line
   * ```ts
   * import { StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const r = new StreamReader();
   * r.feedData(new TextEncoder().encode("one\ntwo"));
   * r.feedEof();
   * const d = new TextDecoder();
   * assert.equal(d.decode(await r.readLine()), "one\n");
   * assert.equal(d.decode(await r.readLine()), "two");
   * assert.equal((await r.readLine()).length, 0);
   * ```
   */
  readLine(options?: SignalOptions): Promise<Uint8Array<ArrayBuffer>> {
    const op = new Operation();
    return operationPromise(op, this.#readLine(options, op));
  }

  async #readLine(
    options: SignalOptions | undefined,
    op: Operation,
  ): Promise<Uint8Array<ArrayBuffer>> {
    try {
      if (this.#skippingLine) await this.#skipRestOfLine(options?.signal, op);
      return await this.#readUntil(NEWLINE, options, op);
    } catch (error) {
      if (error instanceof IncompleteReadError) return error.partial;
      if (error instanceof LimitOverrunError) {
        const at = this.#start + error.consumed;
        if (at < this.#end && this.#buf[at] === 10) {
          this.#take(error.consumed + 1);
        } else {
          this.#take(this.#end - this.#start);
          this.#skippingLine = true;
        }
      }
      throw error;
    }
  }

  /**
   * Drops the bytes up to and including the next newline: the rest of a
   * line too long to return, whose newline came after the error. (asyncio's
   * `readline()` returns that rest as a line of its own.)
   */
  async #skipRestOfLine(
    signal: AbortSignal | undefined,
    op: Operation,
  ): Promise<void> {
    throwIfAborted(signal);
    for (;;) {
      const at = this.#find(NEWLINE, 0);
      if (at !== -1) {
        this.#consume(at + 1);
        this.#skippingLine = false;
        return;
      }
      if (this.#end > this.#start) this.#consume(this.#end - this.#start);
      if (this.#eof) {
        // The long line was the last: what follows is the end.
        this.#skippingLine = false;
        return;
      }
      const waiter = this.#startWait("readLine", signal, op);
      let parked = false;
      try {
        await SETTLED;
        parked = !fulfilled(waiter);
        if (parked) await waiter[parkOn]();
      } finally {
        this.#waitEnded(waiter, op);
      }
      op.checkpoint();
      // Fed within microtasks (a fast in-memory source): not a park.
      if (!parked && busyNow()) await this.#giveTurn(signal, op);
    }
  }

  /**
   * Iterates over lines (each with its `"\n"`) until EOF, as `readLine()`.
   *
   * **Cancellation**: as `readLine()`.
   *
   * @returns An async iterator of lines.
   *
   * @example Count lines
   * ```ts
   * import { StreamReader } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const r = new StreamReader();
   * r.feedData(new TextEncoder().encode("a\nb\nc\n"));
   * r.feedEof();
   * let n = 0;
   * for await (const _ of r) n++;
   * assert.equal(n, 3);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array<ArrayBuffer>> {
    return {
      next: async (): Promise<IteratorResult<Uint8Array<ArrayBuffer>>> => {
        const line = await this.readLine();
        return line.length === 0
          ? { value: undefined, done: true }
          : { value: line, done: false };
      },
    };
  }

  #throwIfFailed(): void {
    if (this.#hasException) {
      this.#source?.thrown?.(this.#exception);
      throw this.#exception;
    }
  }

  #wakeWaiter(): void {
    const waiter = this.#waiter;
    if (waiter !== null) {
      this.#waiter = null;
      if (!waiter.done() && !waiter.getLoop().isClosed()) {
        waiter.setResult();
      }
    }
  }

  /** One read at a time waits for data. */
  #checkAlone(caller: string): void {
    if (this.#waiter !== null || this.#handed !== 0) {
      throw new Error(
        `Cannot call ${caller}(): another task is already waiting for data on this StreamReader`,
      );
    }
  }

  /**
   * Starts a wait for data: the caller awaits `SETTLED`, then, unless the
   * waiter was fulfilled meanwhile, `waiter[parkOn]()`; then it calls
   * {@linkcode StreamReader.#waitEnded} in a `finally` and
   * `op.checkpoint()`. Not an async function: a read that waits is one
   * frame and one promise less (the callers await in their own frame).
   * Every reading method (read, readInto, readExactly, readUntil) repeats
   * that sequence; one that left out the checkpoint would take bytes after
   * a cancellation (`stream_reader_test.ts` cancels each kind after its
   * wake).
   *
   * Why not `await waiter`: awaiting a thenable costs V8 a job to call its
   * `then()`, a promise and two resolving functions (some 600 bytes per
   * wait, most of what a read allocated, and the GC's work), and `then()`
   * a derived promise. The hop on `SETTLED` comes where that job would
   * run: a socket read that completed at once (the bytes were there) has
   * delivered its bytes by then, and the read goes on without a wait, as
   * `await` on a done future does. Otherwise `waiter[parkOn]()` registers
   * the wait with the caller's scope, as `await waiter` does at that
   * point, and returns the future's own promise, whose `await` takes V8's
   * fast path. A waiter cancelled, aborted or failed meanwhile is done but
   * not fulfilled: its promise rejects at once, as the `await` would have.
   */
  /** Whether a read would find something now: bytes, or the end. */
  #readyToRead(): boolean {
    return this.#end > this.#start || this.#eof;
  }

  /**
   * A read that would not wait, on a busy tick (see `busyNow()`), waits a
   * tick first, as one that waits for data, before it takes anything: so a
   * task reading a fast stream lets the loop run, and a cancellation (or
   * a combinator giving up) meanwhile finds nothing taken.
   */
  async #giveTurn(
    signal: AbortSignal | undefined,
    op: Operation,
  ): Promise<void> {
    // A cancellation pending lands here, before anything is taken, and
    // so it does for the other reads of the same code before it awaits.
    busyCheckpoint();
    const loop = getRunningLoop();
    const turn = new Future<void>(loop);
    callSoonJob(loop, endTurn, turn);
    op.current = waitOn(turn, signal);
    try {
      await turn[parkOn]();
    } finally {
      op.current = null;
    }
    op.checkpoint();
  }

  #startWait(
    caller: string,
    signal: AbortSignal | undefined,
    op: Operation,
  ): Future<void> {
    this.#checkAlone(caller);
    // Failed: no more data will come. Thrown here, where the read would
    // wait, so that the bytes that came before stay readable.
    this.#throwIfFailed();
    if (this.#paused) {
      // The data asked for does not fit the limit: let the pump go on.
      this.#paused = false;
      this.#source?.resume();
    }
    const waiter = new Future<void>(getRunningLoop());
    this.#waiter = waiter;
    this.#source?.pull?.();
    op.current = waitOn(waiter, signal);
    return waiter;
  }

  /**
   * The wait of `waiter` ended (woken, cancelled or aborted). Woken with
   * data, then cancelled before resuming, the caller's `op.checkpoint()`
   * throws next, before any byte leaves the buffer. (Woken with data, then
   * failed: the caller takes the data; its next wait throws.)
   */
  #waitEnded(waiter: Future<void>, op: Operation): void {
    op.current = null;
    if (this.#waiter === waiter) this.#waiter = null;
  }

  #take(n: number): Uint8Array<ArrayBuffer> {
    if (n === 0) return new Uint8Array(0);
    // Bytes leave by another read than the skip: they are what comes.
    this.#skippingLine = false;
    const buf = this.#buf;
    const start = this.#start;
    const end = start + n;
    const left = this.#end - end;
    if (
      n < HAND_OVER_MIN_BYTES || n < buf.length * HAND_OVER_MIN_FILL ||
      left >= n || this.#reserved
    ) {
      this.#consume(n);
      return buf.slice(start, end);
    }
    // No copy of the result: it takes the storage with it (it fills most of
    // it, so a result kept for long holds little more than its size), and
    // the fewer bytes left (none, often) move to storage of their own. So
    // no result shares memory with the reader or with another result: a
    // caller may transfer a result's buffer (a byte stream's enqueue() does)
    // and the reader loses nothing.
    this.#buf = left === 0 ? NO_STORAGE : buf.slice(end, this.#end);
    this.#start = 0;
    this.#end = left;
    this.#consumed();
    // The whole storage: itself, not one more view of it.
    return start === 0 && end === buf.length ? buf : buf.subarray(start, end);
  }

  /** Drops the first `n` buffered bytes (they were returned). */
  #consume(n: number): void {
    const start = this.#start;
    if (start + n === this.#end && !this.#reserved) {
      this.#start = this.#end = 0;
    } else {
      this.#start = start + n;
    }
    this.#consumed();
  }

  /** Bytes left the buffer: the pump may go on. */
  #consumed(): void {
    if (this.#paused && this.#end - this.#start <= this.#limit) {
      this.#paused = false;
      this.#source?.resume();
    }
  }

  #makeRoom(n: number): void {
    const used = this.#end - this.#start;
    const buf = this.#buf;
    if (used + n <= buf.length) {
      buf.copyWithin(0, this.#start, this.#end);
      this.#start = 0;
      this.#end = used;
      return;
    }
    let size = Math.max(buf.length * 2, 4096);
    while (size < used + n) size *= 2;
    this.#moveTo(size);
  }

  /** Moves the buffered bytes to the start of new storage of `size` bytes. */
  #moveTo(size: number): void {
    const used = this.#end - this.#start;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(this.#start, this.#end));
    this.#buf = next;
    this.#start = 0;
    this.#end = used;
  }

  #find(sep: Uint8Array, offset: number): number {
    const view = this.#buf.subarray(this.#start, this.#end);
    const first = sep[0]!;
    const seplen = sep.length;
    if (seplen === 1) return view.indexOf(first, offset);
    const last = view.length - seplen;
    for (let i = view.indexOf(first, offset); i !== -1 && i <= last;) {
      let j = 1;
      while (j < seplen && view[i + j] === sep[j]) j++;
      if (j === seplen) return i;
      i = view.indexOf(first, i + 1);
    }
    return -1;
  }
}

/** A settled promise: one microtask hop (see `#startWait`). */
const SETTLED: Promise<void> = Promise.resolve();

const NEWLINE = new Uint8Array([10]);
const NEWLINES: readonly Uint8Array[] = [NEWLINE];

/**
 * Checks a reader's `limit`, for the calls that make readers later too (a
 * server, a connection): a bad one fails the call, not each connection.
 */
export function checkLimit(limit: unknown, action: string): void {
  if (
    limit !== undefined && (!Number.isInteger(limit) || (limit as number) <= 0)
  ) {
    throw new RangeError(
      `Cannot ${action}: limit must be a positive integer, got ${
        describeArgument(limit)
      }`,
    );
  }
}

/** A separator for {@linkcode StreamReader.readUntil}: text (UTF-8) or bytes. */
export type Separator = string | Uint8Array;

/**
 * One separator as bytes. Checked: anything else (a number, an
 * `ArrayBuffer`) has no `length`, so it would never match and the read
 * would wait forever.
 */
function separatorBytes(separator: unknown): Uint8Array {
  if (typeof separator === "string") return encoder.encode(separator);
  if (separator instanceof Uint8Array) return separator;
  throw new TypeError(
    `Cannot call readUntil(): a separator must be a string or a Uint8Array, got ${
      describeArgument(separator)
    }`,
  );
}

/** The separators as bytes, shortest first (a stable sort, as CPython's). */
function separators(
  separator: Separator | readonly Separator[],
): readonly Uint8Array[] {
  if (separator === NEWLINE) return NEWLINES;
  let out: Uint8Array[];
  if (!Array.isArray(separator)) out = [separatorBytes(separator)];
  else {
    if (separator.length === 0) {
      throw new RangeError(
        "Cannot call readUntil(): the array of separators is empty; pass at least one",
      );
    }
    out = separator.map(separatorBytes);
    out.sort((a, b) => a.length - b.length);
  }
  if (out[0]!.length === 0) {
    throw new RangeError(
      "Cannot call readUntil(): separator is empty; pass at least one byte",
    );
  }
  return out;
}

function endTurn(turn: Future<void>): void {
  if (!turn.done()) turn.setResult();
}
