/**
 * `copyFile`: a streaming file copy with progress and cancellation, which
 * `Deno.copyFile` does not offer.
 *
 * @module
 */

import { openFile } from "./open_file.ts";

/** Options for {@linkcode copyFile}. */
export interface CopyFileOptions {
  /**
   * Bytes per read and write.
   *
   * @default {1048576}
   */
  chunkSize?: number;
  /**
   * Called after each chunk with the bytes copied so far and the source's
   * size.
   *
   * @default {undefined}
   */
  onProgress?: (copied: number, total: number) => void;
  /** Aborting it stops the copy with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Copies `from` to `to` (created or truncated) chunk by chunk, reporting
 * progress, and returns the number of bytes copied.
 *
 * **Cancellation**: cancelling the waiting task (or aborting `signal`)
 * stops the copy between chunks (a chunk in flight is finished); both files
 * are closed and the partial `to` is removed. A pre-aborted signal rejects
 * at once, before `to` is touched.
 *
 * @param from The source path.
 * @param to The destination path.
 * @param options Chunk size, progress callback, signal.
 * @returns The bytes copied.
 * @throws {Deno.errors.NotFound} If `from` does not exist.
 *
 * @example Copy with progress
 * ```ts
 * import { copyFile } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const dir = await Deno.makeTempDir();
 * await Deno.writeFile(`${dir}/a.bin`, new Uint8Array(10_000));
 * const progress: number[] = [];
 * const copied = await run(() =>
 *   copyFile(`${dir}/a.bin`, `${dir}/b.bin`, {
 *     chunkSize: 4096,
 *     onProgress: (done) => progress.push(done),
 *   })
 * );
 * assert.equal(copied, 10_000);
 * assert.deepEqual(progress, [4096, 8192, 10_000]);
 * assert.equal((await Deno.stat(`${dir}/b.bin`)).size, 10_000);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function copyFile(
  from: string | URL,
  to: string | URL,
  options?: CopyFileOptions,
): Promise<number> {
  const { signal, onProgress } = options ?? {};
  const chunkSize = options?.chunkSize ?? 1 << 20;
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
    throw new RangeError(
      `Cannot copy file: chunkSize must be a positive integer, got ${chunkSize}`,
    );
  }
  signal?.throwIfAborted();
  const opts = signal !== undefined ? { signal } : {};
  await using src = await openFile(from, { ...opts, chunkSize });
  const total = (await src.stat(opts)).size;
  let copied = 0;
  let done = false;
  try {
    await using dst = await openFile(to, {
      ...opts,
      write: true,
      create: true,
      truncate: true,
    });
    for (;;) {
      const data = await src.read(chunkSize, opts);
      if (data.length === 0) break;
      await dst.write(data, opts);
      copied += data.length;
      onProgress?.(copied, total);
    }
    done = true;
  } finally {
    if (!done) await Deno.remove(to).catch(() => {});
  }
  return copied;
}
