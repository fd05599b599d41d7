/**
 * `readerFromStream`: a `StreamReader` over any `ReadableStream` of bytes.
 *
 * @module
 */

import { notASignal } from "../loop/signal_options.ts";
import { pumpReadable } from "./_pump.ts";
import { StreamReader } from "./stream_reader.ts";

/** Options for {@linkcode readerFromStream}. */
export interface ReaderFromStreamOptions {
  /**
   * The reader's buffer limit in bytes; the stream is not pulled while more
   * than this is buffered.
   *
   * @default {65536}
   */
  limit?: number;
  /**
   * Aborting it cancels the stream (with the signal's reason); the reader
   * then fails with that reason once what is buffered is read, as a
   * `fetch` body read after an abort does: a stream cut short never passes
   * for a whole one. (A stream that had ended by then ends as it did.)
   */
  signal?: AbortSignal;
}

/**
 * Wraps a `ReadableStream<Uint8Array>` (a `fetch` body, a file's
 * `readable`, a child's stdout) in a {@linkcode StreamReader}, so the same
 * code reads a socket, a file, a pipe or an HTTP body. The stream is locked
 * and read ahead up to the reader's limit.
 *
 * **Stopping early**: the stream stays locked to the reader until it ends
 * (unlike `for await` over the stream itself, leaving a loop over the
 * reader does not cancel it). To let a body go before its end, pass a
 * `signal` and abort it: the stream is cancelled, and nothing is left
 * pending for Deno's leak checks.
 *
 * @param readable The stream.
 * @param options Limit and signal.
 * @returns The reader.
 *
 * @example Read lines from a Web stream
 * ```ts
 * import { readerFromStream } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const lines = await run(async () => {
 *   const body = new Response("a\nb\n").body!;
 *   const out: string[] = [];
 *   for await (const line of readerFromStream(body)) {
 *     out.push(new TextDecoder().decode(line).trim());
 *   }
 *   return out;
 * });
 * assert.deepEqual(lines, ["a", "b"]);
 * ```
 *
 * @example Stop before the end
 * ```ts
 * import { readerFromStream } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const first = await run(async () => {
 *   const body = new Response("header\nrest of a long body\n").body!;
 *   const stop = new AbortController();
 *   const reader = readerFromStream(body, { signal: stop.signal });
 *   const line = await reader.readLine();
 *   stop.abort(); // cancels the body
 *   return new TextDecoder().decode(line);
 * });
 * assert.equal(first, "header\n");
 * ```
 */
export function readerFromStream(
  readable: ReadableStream<Uint8Array>,
  options?: ReaderFromStreamOptions,
): StreamReader {
  const reader = new StreamReader(
    options?.limit !== undefined ? { limit: options?.limit } : {},
  );
  const pump = pumpReadable(readable, reader);
  const signal = options?.signal;
  if (signal !== undefined) {
    const bad = notASignal(signal);
    if (bad !== null) throw bad;
    const onAbort = (): void => void pump.cancel(signal.reason);
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener("abort", onAbort, { once: true });
      pump.done.then(() => signal.removeEventListener("abort", onAbort));
    }
  }
  return reader;
}
