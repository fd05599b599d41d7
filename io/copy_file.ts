/**
 * `copyFile`: a streaming file copy with progress and cancellation, which
 * `Deno.copyFile` does not offer.
 *
 * @module
 */

import { describeArgument } from "../loop/describe_value.ts";
import { throwIfAborted } from "../loop/signal_options.ts";
import { runInScope } from "../task/scope_future.ts";
import { hostOpen } from "./_wait.ts";
import { AsyncFile } from "./async_file.ts";
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
 * **Cancellation**: the copy runs in a cancel scope of its own and the
 * promise returned is a library future, so cancelling the waiting task, a
 * `timeout()` deadline, or a `waitFor()`/`gather()` that holds the promise
 * stops it (aborting `signal` too, with `signal.reason`): a read waiting
 * ends at once, a chunk being written is finished (Deno cannot abort a
 * write, nor the open that creates `to`), both files are closed, the
 * partial `to` is removed, and then the promise rejects. A pre-aborted
 * signal rejects at once, before `to` is touched.
 *
 * @param from The source path.
 * @param to The destination path.
 * @param options Chunk size, progress callback, signal.
 * @returns The bytes copied.
 * @throws {Deno.errors.NotFound} If `from` does not exist.
 * @throws {TypeError} If `to` is `from`, a hard link to it or a symlink to
 * it (nothing is written), as `Deno.copyFile` does.
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
export function copyFile(
  from: string | URL,
  to: string | URL,
  options?: CopyFileOptions,
): Promise<number> {
  return runInScope(() => copy(from, to, options), "copyFile");
}

async function copy(
  from: string | URL,
  to: string | URL,
  options?: CopyFileOptions,
): Promise<number> {
  const { signal, onProgress } = options ?? {};
  const chunkSize = options?.chunkSize ?? 1 << 20;
  if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
    throw new RangeError(
      `Cannot copy file: chunkSize must be a positive integer, got ${
        describeArgument(chunkSize)
      }`,
    );
  }
  throwIfAborted(signal);
  const opts = signal !== undefined ? { signal } : {};
  await using src = await openFile(from, { ...opts, chunkSize });
  const info = await src.stat(opts);
  const total = info.size;
  await refuseSameFile(from, to, info);
  const dst = await openDestination(to, signal);
  let copied = 0;
  let complete = false;
  try {
    for (;;) {
      const data = await src.read(chunkSize, opts);
      if (data.length === 0) break;
      await dst.write(data, opts);
      copied += data.length;
      onProgress?.(copied, total);
    }
    complete = true;
  } finally {
    try {
      // Closed first: a write in flight ends before `to` is removed.
      await dst[Symbol.asyncDispose]();
    } finally {
      if (!complete) await Deno.remove(to).catch(noop);
    }
  }
  return copied;
}

/**
 * Opens (creates or truncates) the destination. Deno cannot abort the open,
 * and it creates `to`: if the wait for it ends first (cancelled, aborted),
 * this waits for the open itself to end (its file is closed) and removes
 * what it created, so that `to` is not left behind by a late open. An open
 * that fails created nothing, and `to` (a directory, say) is left alone.
 */
async function openDestination(
  to: string | URL,
  signal: AbortSignal | undefined,
): Promise<AsyncFile> {
  const opening = Deno.open(to, { write: true, create: true, truncate: true });
  try {
    return new AsyncFile(await hostOpen(opening, signal, close));
  } catch (error) {
    if (await opening.then(() => true, () => false)) {
      await Deno.remove(to).catch(noop);
    }
    throw error;
  }
}

/**
 * Throws if `to` is `from` (the same path, a hard link, a symlink to it):
 * opening it for writing would empty the source before a byte is read, as
 * `Deno.copyFile` and Python's `shutil.copyfile` refuse to.
 */
async function refuseSameFile(
  from: string | URL,
  to: string | URL,
  info: Deno.FileInfo,
): Promise<void> {
  let target: Deno.FileInfo;
  try {
    target = await Deno.stat(to);
  } catch {
    return; // Not there (or not reachable): the open says what is wrong.
  }
  if (
    info.ino !== null && target.ino === info.ino && target.dev === info.dev
  ) {
    throw new TypeError(
      `Cannot copy file: ${describeArgument(String(from))} and ${
        describeArgument(String(to))
      } are the same file`,
    );
  }
}

function close(file: Deno.FsFile): void {
  file.close();
}

function noop(): void {}
