/**
 * `AsyncFile`: a file with buffered, cancellable reads and writes.
 *
 * @module
 */

import { throwIfAborted } from "../loop/signal_options.ts";
import type { SignalOptions } from "../loop/signal_options.ts";
import { runInScope } from "../task/scope_future.ts";
import { getRunningLoop } from "../loop/mod.ts";
import { describeArgument } from "../loop/describe_value.ts";
import { attachSource } from "./_source.ts";
import { checkBytesOrText, encoder, hostWait } from "./_wait.ts";
import { StreamReader } from "./stream_reader.ts";

/** Options for {@linkcode AsyncFile}. */
export interface AsyncFileOptions {
  /**
   * The longest line `readLine()` accepts, in bytes.
   *
   * @default {65536}
   */
  limit?: number;
  /**
   * Bytes per read from the file: a positive integer.
   *
   * @default {65536}
   */
  chunkSize?: number;
}

/**
 * Checks `chunkSize` for `openFile()` too, before it opens anything: a
 * chunk of no bytes would read nothing, and every read would wait for ever.
 */
export function checkChunkSize(chunkSize: unknown, action: string): void {
  if (
    chunkSize !== undefined &&
    (!Number.isInteger(chunkSize) || (chunkSize as number) <= 0)
  ) {
    throw new RangeError(
      `Cannot ${action}: chunkSize must be a positive integer, got ${
        describeArgument(chunkSize)
      }`,
    );
  }
}

const noop = (): void => {};

/**
 * `file[setStream](stream, writer)`: what `openFile()` learnt, whether the
 * file cannot seek (see {@linkcode AsyncFile}); `writer`, if not `null`, is
 * a second handle on a stream for the writes.
 */
export const setStream: unique symbol = Symbol("aio.setStream");

/** A regular file or a block device has a position; anything else is a stream. */
export function canSeek(info: Deno.FileInfo): boolean {
  return info.isFile || info.isBlockDevice === true;
}

/**
 * An open file with asyncio-style methods: `read`, `readLine` and line
 * iteration (through a {@linkcode StreamReader} buffer), `write`, `seek`,
 * `stat`, `close`, and `await using`.
 *
 * Reads are buffered: the file is read in chunks, and a write or a seek
 * first moves the file position back over what was read ahead, so reads,
 * writes and seeks can be mixed as with a Python file. A write or a seek
 * waits for a read in progress (of another task) to end, and a read for a
 * write or a seek in flight, so no operation lands in the middle of
 * another; beyond that, the order of several tasks' operations is not
 * set: share an `AsyncFile` between tasks with a lock.
 *
 * **A file that cannot seek** (a FIFO, a tty, a serial device, a socket:
 * anything but a regular file or a block device) is a stream, as a socket
 * is: reads and writes are its two independent directions, with nothing
 * read ahead to rewind over. A write there goes out at once, beside a read
 * in progress, and the read keeps its buffer; writes still go one after
 * another. `openFile()` finds this out with `stat()` when it opens the
 * file, and opens such a file a second time, write-only, for the writes:
 * `Deno.FsFile` runs one operation at a time, so a write on the handle a
 * read waits on would wait for that read (if the second open fails, the
 * writes share the handle). `new AsyncFile(file)` finds it out at the first
 * `write()` or `seek()`, and has only the one handle: a write to a stream
 * waits in Deno for a read in progress, so give a reader and a writer of
 * a device their own `AsyncFile`s, or use `openFile()`. `close()` of a
 * stream does not wait for a read in progress: Deno cancels it, and the
 * read rejects.
 *
 * **Cancellation** (every waiting method): cancelling the waiting task (or
 * aborting `signal`) ends the wait at once. The host operation under it
 * (a read, a write, a seek) still runs to its end, and the next operation on
 * the file waits for it first: a cancelled read keeps its bytes in the
 * buffer for the next read, and a cancelled write is written completely
 * before anything else happens. The file stays consistent.
 *
 * @example Write lines, then read them back
 * ```ts
 * import { openFile } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const path = await Deno.makeTempFile();
 * const lines = await run(async () => {
 *   await using f = await openFile(path, { read: true, write: true });
 *   await f.write("one\ntwo\n");
 *   await f.seek(0);
 *   const out: string[] = [];
 *   for await (const line of f) out.push(new TextDecoder().decode(line));
 *   return out;
 * });
 * await Deno.remove(path);
 * assert.deepEqual(lines, ["one\n", "two\n"]);
 * ```
 */
export class AsyncFile
  implements AsyncDisposable, AsyncIterable<Uint8Array<ArrayBuffer>> {
  readonly #file: Deno.FsFile;
  readonly #limit: number | undefined;
  readonly #chunk: Uint8Array;
  #reader: StreamReader;
  #inflight: Promise<void> | null = null;
  /** Reads in progress, each settled when it ends, however it ends. */
  readonly #reads = new Set<Promise<void>>();
  #closed = false;
  #pulling = false;
  /** `undefined` until known; see the class on a file that cannot seek. */
  #stream: boolean | undefined;
  #learning: Promise<boolean> | null = null;
  /** The handle for the writes to a stream, if `openFile()` opened one. */
  #writer: Deno.FsFile | null = null;
  /** On a stream, the writes (and seeks) in flight; reads use `#inflight`. */
  #writing: Promise<void> | null = null;

  /**
   * Wraps an open `Deno.FsFile` (`openFile` is the usual way).
   *
   * @param file The file; the `AsyncFile` owns it and closes it.
   * @param options Line limit and chunk size.
   * @throws {RangeError} If `limit` or `chunkSize` is not a positive
   * integer.
   *
   * @example Wrap a file
   * ```ts
   * import { AsyncFile } from "@aio/asyncio/io";
   * import assert from "node:assert/strict";
   *
   * const path = await Deno.makeTempFile();
   * const f = new AsyncFile(await Deno.open(path));
   * f.close();
   * assert.equal(f.closed, true);
   * await Deno.remove(path);
   * ```
   */
  constructor(file: Deno.FsFile, options?: AsyncFileOptions) {
    checkChunkSize(options?.chunkSize, "create AsyncFile");
    this.#file = file;
    this.#limit = options?.limit;
    this.#chunk = new Uint8Array(options?.chunkSize ?? 64 * 1024);
    this.#reader = this.#newReader();
  }

  /**
   * @ignore Set by `openFile()`: whether the file cannot seek.
   */
  [setStream](stream: boolean, writer: Deno.FsFile | null): void {
    this.#stream = stream;
    this.#writer = writer;
  }

  /**
   * Whether `close()` was called.
   *
   * @example Open
   * ```ts
   * import { openFile } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const path = await Deno.makeTempFile();
   * await run(async () => {
   *   await using f = await openFile(path);
   *   assert.equal(f.closed, false);
   * });
   * await Deno.remove(path);
   * ```
   */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Reads up to `n` bytes; with `n < 0` (the default), reads to the end of
   * the file. Returns an empty array at the end, which is not final: a
   * later read gets what was appended since, as with a Python file.
   *
   * **Cancellation**: see the class: no byte is lost.
   *
   * @param n The most bytes, or `-1` for all.
   * @param options An abort signal.
   * @returns The bytes.
   * @throws {Error} If the file is closed, before the call or while it
   * waits for the file.
   *
   * @example Read in pieces
   * ```ts
   * import { openFile } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const path = await Deno.makeTempFile();
   * await Deno.writeTextFile(path, "abcdef");
   * const parts = await run(async () => {
   *   await using f = await openFile(path);
   *   const a = await f.read(2);
   *   const rest = await f.read();
   *   return [a.length, rest.length];
   * });
   * await Deno.remove(path);
   * assert.deepEqual(parts, [2, 4]);
   * ```
   */
  read(n?: number, options?: SignalOptions): Promise<Uint8Array<ArrayBuffer>> {
    return runInScope(
      () => this.#read(n ?? -1, options),
      "AsyncFile.read",
    );
  }

  async #read(
    n = -1,
    options?: SignalOptions,
  ): Promise<Uint8Array<ArrayBuffer>> {
    throwIfAborted(options?.signal);
    this.#checkOpen("read");
    return await this.#track(this.#readerAfterEof().read(n, options));
  }

  /**
   * Reads one line with its `"\n"` (the last one may lack it); an empty
   * array at the end of the file. The end is not final: a later read gets
   * what was appended since, as with a Python file (`tail -f`).
   *
   * **Cancellation**: see the class: no byte is lost.
   *
   * @param options An abort signal.
   * @returns The line.
   * @throws {LimitOverrunError} If a line is longer than `limit`.
   * @throws {Error} If the file is closed, before the call or while it
   * waits for the file.
   *
   * @example First line
   * ```ts
   * import { openFile } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const path = await Deno.makeTempFile();
   * await Deno.writeTextFile(path, "title\nbody\n");
   * const first = await run(async () => {
   *   await using f = await openFile(path);
   *   return new TextDecoder().decode(await f.readLine());
   * });
   * await Deno.remove(path);
   * assert.equal(first, "title\n");
   * ```
   */
  readLine(options?: SignalOptions): Promise<Uint8Array<ArrayBuffer>> {
    return runInScope(
      () => this.#readLine(options),
      "AsyncFile.readLine",
    );
  }

  async #readLine(options?: SignalOptions): Promise<Uint8Array<ArrayBuffer>> {
    throwIfAborted(options?.signal);
    this.#checkOpen("readLine");
    return await this.#track(this.#readerAfterEof().readLine(options));
  }

  /**
   * Iterates over the lines from the current position, as `readLine()`.
   *
   * **Cancellation**: as `readLine()`.
   *
   * @returns An async iterator of lines.
   *
   * @example Count lines
   * ```ts
   * import { openFile } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const path = await Deno.makeTempFile();
   * await Deno.writeTextFile(path, "1\n2\n3\n");
   * const n = await run(async () => {
   *   await using f = await openFile(path);
   *   let n = 0;
   *   for await (const _ of f) n++;
   *   return n;
   * });
   * await Deno.remove(path);
   * assert.equal(n, 3);
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array<ArrayBuffer>> {
    return {
      next: async (): Promise<IteratorResult<Uint8Array<ArrayBuffer>>> => {
        const line = await this.#readLine();
        return line.length === 0
          ? { value: undefined, done: true }
          : { value: line, done: false };
      },
    };
  }

  /**
   * Writes all of `data` (a string is UTF-8) at the current position.
   * A read in progress (of another task) ends first: the write waits for
   * it. On a file that cannot seek (a FIFO, a tty, a serial device; see
   * the class), the write goes out at once, beside a read in progress,
   * after any earlier write.
   *
   * **Cancellation**: the wait ends at once. Cancelled while it waits for
   * an earlier operation, nothing is written; once the write has begun, it
   * still completes, and before any later operation on the file.
   *
   * @param data Bytes or text.
   * @param options An abort signal.
   * @returns The number of bytes written.
   * @throws {TypeError} If `data` is neither a `Uint8Array` nor a string
   * (an `ArrayBuffer` or a `DataView` needs `new Uint8Array(...)` around
   * it); nothing is written.
   * @throws {Error} If the file is closed, before the call or while it
   * waits for an earlier operation.
   *
   * @example Append
   * ```ts
   * import { openFile } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const path = await Deno.makeTempFile();
   * await run(async () => {
   *   await using f = await openFile(path, { append: true });
   *   assert.equal(await f.write("log line\n"), 9);
   * });
   * assert.equal(await Deno.readTextFile(path), "log line\n");
   * await Deno.remove(path);
   * ```
   */
  write(
    data: Uint8Array | string,
    options?: SignalOptions,
  ): Promise<number> {
    return runInScope(
      () => this.#write(data, options),
      "AsyncFile.write",
    );
  }

  async #write(
    data: Uint8Array | string,
    options?: SignalOptions,
  ): Promise<number> {
    const signal = options?.signal;
    throwIfAborted(signal);
    checkBytesOrText(data, "call write()");
    this.#checkOpen("write");
    // A copy by the base class: a subclass's slice() may be a view (a Node
    // Buffer's is).
    const bytes = typeof data === "string"
      ? encoder.encode(data)
      : new Uint8Array(data);
    if (await this.#isStream("write", signal)) {
      const file = this.#writer ?? this.#file;
      return await this.#streamOp("write", async () => {
        let at = 0;
        while (at < bytes.length) at += await file.write(bytes.subarray(at));
        return at;
      }, signal);
    }
    await this.#settle("write", signal);
    const file = this.#file;
    const buffered = this.#reader.bufferSize;
    this.#reader = this.#newReader();
    return await this.#op(async () => {
      if (buffered > 0) await file.seek(-buffered, Deno.SeekMode.Current);
      let at = 0;
      while (at < bytes.length) at += await file.write(bytes.subarray(at));
      return at;
    }, signal);
  }

  /**
   * Moves the position, as `Deno.FsFile.seek`; what was read ahead is
   * dropped. A read in progress (of another task) ends first: the seek
   * waits for it. On a file that cannot seek (see the class), the seek goes
   * to the host at once, as a write does, and fails there as the host
   * decides (a FIFO: `Illegal seek`); what was read ahead is kept.
   *
   * **Cancellation**: the wait ends at once. Cancelled while it waits for
   * an earlier operation, the position does not move; once the seek has
   * begun, it still happens, before any later operation.
   *
   * @param offset The offset.
   * @param whence From the start (default), the current position or the end.
   * @param options An abort signal.
   * @returns The new position from the start.
   * @throws {TypeError} If `offset` is not a number.
   * @throws {RangeError} If `offset` is not an integer (`NaN`, `1.5`).
   * @throws {Error} If the file is closed, before the call or while it
   * waits for an earlier operation.
   *
   * @example Seek back
   * ```ts
   * import { openFile } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const path = await Deno.makeTempFile();
   * await Deno.writeTextFile(path, "0123456789");
   * const got = await run(async () => {
   *   await using f = await openFile(path);
   *   await f.read(5);
   *   const pos = await f.seek(-2, Deno.SeekMode.Current);
   *   return [pos, new TextDecoder().decode(await f.read(2))];
   * });
   * await Deno.remove(path);
   * assert.deepEqual(got, [3, "34"]);
   * ```
   */
  async seek(
    offset: number,
    whence: Deno.SeekMode = Deno.SeekMode.Start,
    options?: SignalOptions,
  ): Promise<number> {
    const signal = options?.signal;
    throwIfAborted(signal);
    checkOffset(offset);
    this.#checkOpen("seek");
    if (await this.#isStream("seek", signal)) {
      // Not on the handle a read may hold (Deno runs one operation at a
      // time per handle): the host refuses it at once.
      const file = this.#writer ?? this.#file;
      return await this.#streamOp(
        "seek",
        () => file.seek(offset, whence),
        signal,
      );
    }
    await this.#settle("seek", signal);
    const buffered = this.#reader.bufferSize;
    this.#reader = this.#newReader();
    const file = this.#file;
    const target = whence === Deno.SeekMode.Current
      ? offset - buffered
      : offset;
    return await this.#op(() => file.seek(target, whence), signal);
  }

  /**
   * The file's metadata.
   *
   * **Cancellation**: the wait ends at once; nothing changes.
   *
   * @param options An abort signal.
   * @returns `Deno.FileInfo`.
   * @throws {Error} If the file is closed.
   *
   * @example Size
   * ```ts
   * import { openFile } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const path = await Deno.makeTempFile();
   * await Deno.writeTextFile(path, "four");
   * const size = await run(async () => {
   *   await using f = await openFile(path);
   *   return (await f.stat()).size;
   * });
   * await Deno.remove(path);
   * assert.equal(size, 4);
   * ```
   */
  async stat(options?: SignalOptions): Promise<Deno.FileInfo> {
    const signal = options?.signal;
    throwIfAborted(signal);
    this.#checkOpen("stat");
    return await hostWait(this.#file.stat(), signal);
  }

  /**
   * Closes the file once any operation in flight ends. Idempotent. A read
   * waiting for the file rejects, as a read after `close()` does. On a file
   * that cannot seek (see the class), a read in progress is not waited for:
   * the host read under it is cancelled, and the read rejects with Deno's
   * `Interrupted`; writes in flight still end first. Two cases still wait
   * for a read in progress: a `new AsyncFile(file)` that has not written
   * or seeked yet (it does not know yet that the file cannot seek), and a
   * write that shares the read's one handle (Deno runs one operation at a
   * time per handle; `openFile()` gives such a file a second one).
   *
   * @example Close twice
   * ```ts
   * import { openFile } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const path = await Deno.makeTempFile();
   * await run(async () => {
   *   const f = await openFile(path);
   *   f.close();
   *   f.close();
   *   await assert.rejects(f.read(), /closed/);
   * });
   * await Deno.remove(path);
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#stream === true) {
      // A host read of a stream may wait for ever: close() cancels it.
      const writer = this.#writer;
      const writing = this.#writing;
      const closeAll = (): void => {
        this.#file.close();
        writer?.close();
      };
      if (writing === null) closeAll();
      else if (writer !== null) {
        this.#file.close();
        this.#writing = writing.then(() => writer.close()).then(noop, noop);
      } else this.#writing = writing.then(closeAll).then(noop, noop);
      return;
    }
    const inflight = this.#inflight;
    if (inflight === null) this.#file.close();
    else {
      this.#inflight = inflight.then(() => this.#file.close()).then(noop, noop);
    }
  }

  /**
   * Closes the file and waits for an operation in flight:
   * `await using f = await openFile(...)`.
   *
   * **Cancellation**: the wait ends; the file is closed once the operation
   * in flight ends.
   *
   * @example Dispose
   * ```ts
   * import { openFile } from "@aio/asyncio/io";
   * import { run } from "@aio/asyncio/task";
   * import assert from "node:assert/strict";
   *
   * const path = await Deno.makeTempFile();
   * const f = await run(async () => {
   *   await using f = await openFile(path);
   *   return f;
   * });
   * assert.equal(f.closed, true);
   * await Deno.remove(path);
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    this.close();
    const inflight = this.#stream === true ? this.#writing : this.#inflight;
    if (inflight !== null) await hostWait(inflight, undefined);
  }

  /**
   * The reader for the next read. Once a read met the end of the file, the
   * next one reads on from there with a new reader, as a Python file does:
   * a file that grew meanwhile (a log being written) gives its new bytes.
   */
  #readerAfterEof(): StreamReader {
    const reader = this.#reader;
    if (
      reader.atEof() && reader.exception() === undefined &&
      this.#reads.size === 0
    ) {
      this.#reader = this.#newReader();
    }
    return this.#reader;
  }

  #newReader(): StreamReader {
    const reader = new StreamReader(
      this.#limit !== undefined ? { limit: this.#limit } : {},
    );
    reader[attachSource]({
      pause: noop,
      resume: noop,
      pull: () => this.#pull(reader),
    });
    return reader;
  }

  #pull(reader: StreamReader): void {
    if (this.#pulling || reader !== this.#reader) return;
    if (this.#closed) {
      // A read that began before close() asks for more: nothing will ever
      // feed it again, so it fails rather than wait for ever.
      reader.setException(
        new Error("Cannot finish the read: file is closed"),
      );
      return;
    }
    const inflight = this.#inflight;
    if (inflight !== null) {
      // A write or seek is finishing: read after it.
      inflight.then(() => this.#pull(reader));
      return;
    }
    this.#pulling = true;
    const chunk = this.#chunk;
    const done = this.#file.read(chunk).then(
      (n) => {
        if (n === null) reader.feedEof();
        else reader.feedData(chunk.subarray(0, n));
      },
      (error) => reader.setException(error),
    ).finally(() => {
      this.#pulling = false;
      if (this.#inflight === done) this.#inflight = null;
    });
    this.#inflight = done;
  }

  /**
   * Keeps `read` in `#reads` until it ends: a write or seek replaces the
   * reader, and a read still waiting on the old one would never be fed
   * again.
   */
  #track<T>(read: Promise<T>): Promise<T> {
    const ended: Promise<void> = read.then(noop, noop).finally(() => {
      this.#reads.delete(ended);
    });
    this.#reads.add(ended);
    return read;
  }

  /**
   * Waits until no host operation is in flight and no read is in progress;
   * the caller then replaces the reader before anything else can start.
   * Throws once the file is closed: `close()` leaves its own promise in
   * flight for good, and the caller would only find a closed file.
   */
  async #settle(
    caller: string,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    for (;;) {
      this.#checkOpen(caller);
      const pending = this.#inflight ?? this.#reads.values().next().value;
      if (pending === undefined) return;
      await hostWait(pending, signal, undefined, getRunningLoop());
    }
  }

  /**
   * Whether the file cannot seek, learnt once (a `stat()`) if `openFile()`
   * did not tell.
   */
  async #isStream(
    caller: string,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    if (this.#stream === undefined) {
      this.#learning ??= this.#file.stat().then((info) => !canSeek(info));
      let stream: boolean;
      try {
        stream = await hostWait(this.#learning, signal);
      } catch (error) {
        this.#checkOpen(caller); // closed under the stat: say so
        throw error;
      }
      this.#checkOpen(caller);
      this.#stream ??= stream;
    }
    return this.#stream;
  }

  /**
   * A write or seek of a stream: after the writes in flight, not after a
   * read; the reader stays.
   */
  async #streamOp<T>(
    caller: string,
    fn: () => Promise<T>,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    for (;;) {
      this.#checkOpen(caller);
      const pending = this.#writing;
      if (pending === null) break;
      await hostWait(pending, signal, undefined, getRunningLoop());
    }
    const promise = fn();
    const done = promise.then(noop, noop).finally(() => {
      if (this.#writing === done) this.#writing = null;
    });
    this.#writing = done;
    return await hostWait(promise, signal);
  }

  async #op<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const promise = fn();
    const done = promise.then(noop, noop).finally(() => {
      if (this.#inflight === done) this.#inflight = null;
    });
    this.#inflight = done;
    return await hostWait(promise, signal);
  }

  #checkOpen(caller: string): void {
    if (this.#closed) {
      throw new Error(`Cannot call ${caller}(): file is closed`);
    }
  }
}

/**
 * Checks what `write()` is given: an `ArrayBuffer` has `slice()` but no
 * `length`, so it would be "written" as no bytes at all.
 */
/**
 * Checks a seek's offset: Deno takes `NaN` as 0 and truncates `1.5`, so a
 * computed offset gone wrong would move the position quietly.
 */
function checkOffset(offset: unknown): void {
  if (typeof offset !== "number") {
    throw new TypeError(
      `Cannot call seek(): offset must be a number, got ${
        describeArgument(offset)
      }`,
    );
  }
  if (!Number.isInteger(offset)) {
    throw new RangeError(
      `Cannot call seek(): offset must be an integer, got ${offset}`,
    );
  }
}
