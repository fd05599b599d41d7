/**
 * The private links between the streams and what is under them: a
 * `StreamReader` and what feeds it (a socket pump, a `ReadableStream` pump,
 * a file), flow control both ways; a `StreamWriter` and its socket.
 */

/** What feeds a reader. */
export interface ReaderSource {
  /** The reader's buffer went above its limit: stop reading ahead. */
  pause(): void;
  /** The buffer went back to the limit or below: read again. */
  resume(): void;
  /** A read waits for data (pull-mode sources read only then). */
  pull?(): void;
  /** A read threw `error`, the one the reader ended with. */
  thrown?(error: unknown): void;
}

/** `reader[attachSource](source)` links a source to a reader. */
export const attachSource: unique symbol = Symbol("aio.attachSource");

/**
 * `reader[reserve](n)`: a region of `n` writable bytes at the end of the
 * reader's buffer, for a pump to read into without a copy; then
 * `reader[commit](count)` appends the `count` bytes read. One reservation
 * (or loan, see {@linkcode lend}) at a time, and no `feedData` while it is
 * out.
 */
export const reserve: unique symbol = Symbol("aio.reserve");
/**
 * `reader[lend]()`: the buffer of a `readInto()` waiting on an empty
 * reader, for a pump to read straight into (no copy at all), or `null`:
 * then reserve. `reader[commit](count)` ends the loan: the reader hands the
 * `count` bytes to that `readInto()` if it still waits with the same
 * buffer, else keeps a copy (a cancelled `readInto()` loses nothing).
 */
export const lend: unique symbol = Symbol("aio.lend");
/** See {@linkcode reserve} and {@linkcode lend}. */
export const commit: unique symbol = Symbol("aio.commit");
/**
 * `reader[waiting]`: whether a read is waiting for data now (a pull-mode
 * source reads for it; with nobody waiting it need not read at all).
 */
export const waiting: unique symbol = Symbol("aio.waiting");
/**
 * `writer[writeFailure]`: the error a write to the writer's sink failed
 * with, or `undefined` (a socket closing after its peer went away reads what
 * the peer sent before).
 */
export const writeFailure: unique symbol = Symbol("aio.writeFailure");
/**
 * `writer[failureReported]()`: the write failure reached the caller another
 * way (a read of the same connection threw it), so `waitClosed()` need not.
 */
export const failureReported: unique symbol = Symbol("aio.failureReported");
/**
 * `sink[writeSome](chunk)`: writes the start of `chunk` and resolves with
 * how many bytes went, as a socket's own `write()` does. A writer uses it
 * instead of `write()` when its sink has it (the sockets do): the partial
 * writes are then the writer's loop, not an async function per write.
 */
export const writeSome: unique symbol = Symbol("aio.writeSome");

/** A sink that can write the start of a chunk: see {@linkcode writeSome}. */
export interface ShortWriteSink {
  [writeSome](chunk: Uint8Array): Promise<number>;
}
