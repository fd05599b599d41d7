/**
 * `openFile`: open a file as an {@linkcode AsyncFile}.
 *
 * @module
 */

import { AsyncFile, type AsyncFileOptions } from "./async_file.ts";
import { hostWait } from "./_wait.ts";

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
 * **Cancellation**: cancelling the waiting task (or aborting `signal`)
 * ends the wait; a file opened afterwards is closed at once.
 *
 * @param path The file.
 * @param options Open flags, line limit, chunk size, signal.
 * @returns The open file.
 * @throws {Deno.errors.NotFound} If the file does not exist (and `create`
 * is not set).
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
export async function openFile(
  path: string | URL,
  options?: OpenFileOptions,
): Promise<AsyncFile> {
  const { signal, limit, chunkSize, ...flags } = options ?? {};
  signal?.throwIfAborted();
  const openOptions: Deno.OpenOptions = { ...flags };
  if (
    !flags.read && !flags.write && !flags.append && !flags.create &&
    !flags.createNew && !flags.truncate
  ) {
    openOptions.read = true;
  }
  const file = await hostWait(
    Deno.open(path, openOptions),
    signal,
    (late) => late.close(),
  );
  return new AsyncFile(file, {
    ...(limit !== undefined ? { limit } : {}),
    ...(chunkSize !== undefined ? { chunkSize } : {}),
  });
}
