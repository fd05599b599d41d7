/**
 * `writerFromStream`: a `StreamWriter` over any `WritableStream` of bytes.
 *
 * @module
 */

import { writableSink } from "./_pump.ts";
import { StreamWriter, type StreamWriterOptions } from "./stream_writer.ts";

/**
 * Wraps a `WritableStream<Uint8Array>` (a file's `writable`, a child's
 * stdin, a `TransformStream`'s writable side) in a
 * {@linkcode StreamWriter}. The stream is locked; `writeEof()` and
 * `close()` close it (after the buffered bytes), `abort()` aborts it.
 *
 * @param writable The stream.
 * @param options The water marks.
 * @returns The writer.
 *
 * @example Write into a TransformStream
 * ```ts
 * import { readerFromStream, writerFromStream } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const text = await run(async () => {
 *   const pipe = new TransformStream<Uint8Array, Uint8Array>();
 *   const writer = writerFromStream(pipe.writable);
 *   const reader = readerFromStream(pipe.readable);
 *   writer.write("through a pipe");
 *   writer.close();
 *   const data = await reader.read();
 *   await writer.waitClosed();
 *   return new TextDecoder().decode(data);
 * });
 * assert.equal(text, "through a pipe");
 * ```
 */
export function writerFromStream(
  writable: WritableStream<Uint8Array>,
  options?: StreamWriterOptions,
): StreamWriter {
  return new StreamWriter(writableSink(writable), options);
}
