/**
 * `openFile`: open a file as an {@linkcode AsyncFile}.
 *
 * @module
 */

import { throwIfAborted } from "../loop/signal_options.ts";
import { runInScope } from "../task/scope_future.ts";
import {
  AsyncFile,
  type AsyncFileOptions,
  canSeek,
  checkChunkSize,
  setStream,
} from "./async_file.ts";
import { checkLimit } from "./stream_reader.ts";
import { hostOpen } from "./_wait.ts";

/** Options for {@linkcode openFile}: Deno's open flags, and more. */
export interface OpenFileOptions extends Deno.OpenOptions, AsyncFileOptions {
  /** Aborting it ends the wait with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Opens `path` (for reading by default; pass Deno's flags like `write`,
 * `append`, `create`, `truncate` for more) and returns an
 * {@linkcode AsyncFile}. Use `await using` to close it.
 *
 * **Cancellation**: the open runs in a cancel scope of its own and the
 * promise returned is a library future, so cancelling the waiting task, a
 * `timeout()` deadline, or a `waitFor()`/`gather()` that holds the promise
 * ends it at once with `CancelledError` (aborting `signal`: with
 * `signal.reason`). Deno cannot abort an open: it is abandoned, and the
 * file it opens afterwards is closed, as is one that comes as the
 * cancellation does. (An open that creates or truncates the file has done
 * so by then; `copyFile()` removes its destination.)
 *
 * @param path The file.
 * @param options Open flags, line limit, chunk size, signal.
 * @returns The open file.
 * @throws {Deno.errors.NotFound} If the file does not exist (and `create`
 * is not set).
 * @throws {RangeError} If `limit` or `chunkSize` is not a positive integer
 * (before anything is opened).
 *
 * @example Create and write
 * ```ts
 * import { openFile } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await run(async () => {
 *   await using f = await openFile(`${dir}/new.txt`, { write: true, create: true });
 *   await f.write("created");
 * });
 * assert.equal(await Deno.readTextFile(`${dir}/new.txt`), "created");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function openFile(
  path: string | URL,
  options?: OpenFileOptions,
): Promise<AsyncFile> {
  return runInScope(() => open(path, options), "openFile");
}

async function open(
  path: string | URL,
  options?: OpenFileOptions,
): Promise<AsyncFile> {
  const { signal, limit, chunkSize, ...flags } = options ?? {};
  throwIfAborted(signal);
  // Checked before the open: the file would be open by the time the
  // AsyncFile refused them.
  checkLimit(limit, "call openFile()");
  checkChunkSize(chunkSize, "call openFile()");
  const openOptions: Deno.OpenOptions = { ...flags };
  if (
    !flags.read && !flags.write && !flags.append && !flags.create &&
    !flags.createNew && !flags.truncate
  ) {
    openOptions.read = true;
  }
  const opened = await hostOpen(
    openHandles(path, openOptions),
    signal,
    close,
  );
  const file = new AsyncFile(opened.file, {
    ...(limit !== undefined ? { limit } : {}),
    ...(chunkSize !== undefined ? { chunkSize } : {}),
  });
  file[setStream](opened.stream, opened.writer);
  return file;
}

interface Handles {
  file: Deno.FsFile;
  stream: boolean;
  writer: Deno.FsFile | null;
}

/**
 * Opens the file and learns whether it can seek; a file that cannot (a
 * FIFO, a tty), opened to read and write, gets a second handle for the
 * writes, as `Deno.FsFile` runs one operation at a time.
 */
async function openHandles(
  path: string | URL,
  options: Deno.OpenOptions,
): Promise<Handles> {
  const file = await Deno.open(path, options);
  try {
    // fstat(2) does not block, even on a FIFO: a sync call keeps an open
    // abandoned by a cancellation to one host call in flight.
    const stream = !canSeek(file.statSync());
    let writer: Deno.FsFile | null = null;
    if (stream && options.read && (options.write || options.append)) {
      // Our own handle reads, so a FIFO's write-only open does not block.
      writer = await Deno.open(path, { write: true }).catch(() => null);
    }
    return { file, stream, writer };
  } catch (error) {
    file.close();
    throw error;
  }
}

function close(handles: Handles): void {
  handles.file.close();
  handles.writer?.close();
}
