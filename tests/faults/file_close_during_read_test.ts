/**
 * `AsyncFile.close()` while a `read()` or `readLine()` waits for more than
 * one chunk.
 *
 * The file is read in chunks (64 KiB by default) on demand of the
 * `StreamReader` inside. `close()` marks the file closed and closes the
 * descriptor after the chunk in flight; that chunk is fed to the reader,
 * which asks for the next one. `#pull()` returned doing nothing because
 * the file was closed, and nothing ever fed the reader again, neither data
 * nor EOF nor an error, so the pending `read()` (to EOF, or `readLine()` of
 * a line longer than a chunk) never settled: the task hung for good, and
 * only a deadline got it out.
 *
 * Expected: a read pending when the file is closed settles: it rejects
 * ("file is closed", as a read started after `close()` does), or returns
 * what it had.
 *
 * Also: `chunkSize: 0` made every read hang the same way (each pull read
 * zero bytes and fed nothing), where a `RangeError` at `openFile()` is
 * expected.
 *
 * Fixed: `#pull()` on a closed file fails the reader with
 * `Error: Cannot finish the read: file is closed`, so the pending read
 * rejects with it (the bytes that came before stay in the reader, as for
 * any failed stream). `openFile()` and `new AsyncFile()` refuse a
 * `chunkSize` that is not a positive integer with a `RangeError` naming it
 * (`openFile()` before it opens anything).
 */

import assert from "node:assert/strict";
import { openFile } from "../../io/mod.ts";
import { createTask, run, sleep, waitFor } from "../../task/mod.ts";

async function withFile(
  body: (path: string) => Promise<void>,
  contents: Uint8Array,
): Promise<void> {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeFile(path, contents);
    await body(path);
  } finally {
    await Deno.remove(path);
  }
}

/** How a read ended: its length, its error, or "hung". */
async function outcome(read: Promise<Uint8Array>): Promise<string> {
  return await waitFor(read, 500).then(
    (b) => `returned ${b.length} bytes`,
    (e) => e?.name === "TimeoutError" ? "hung" : `rejected: ${e}`,
  );
}

Deno.test("close() during read() to EOF settles the read", async () => {
  await withFile(async (path) => {
    const got = await run(async () => {
      const f = await openFile(path);
      const reading = createTask(() => f.read());
      await sleep(0); // The read waits for its first chunk.
      f.close();
      return await outcome(reading);
    });
    assert.equal(
      got,
      "rejected: Error: Cannot finish the read: file is closed",
    );
  }, new Uint8Array(1 << 20).fill(66));
});

Deno.test("close() during readLine() of a line longer than a chunk settles it", async () => {
  await withFile(async (path) => {
    const got = await run(async () => {
      const f = await openFile(path, { chunkSize: 16, limit: 1 << 20 });
      const reading = createTask(() => f.readLine());
      await sleep(0);
      f.close();
      return await outcome(reading);
    });
    assert.equal(
      got,
      "rejected: Error: Cannot finish the read: file is closed",
    );
  }, new TextEncoder().encode("x".repeat(1000) + "\n"));
});

Deno.test("openFile() with chunkSize 0 is refused rather than hanging every read", async () => {
  await withFile(async (path) => {
    const got = await run(async () => {
      const opened = await openFile(path, { chunkSize: 0 }).then(
        (f) => f,
        (e) => e as Error,
      );
      if (opened instanceof Error) return `openFile rejected: ${opened.name}`;
      await using f = opened;
      return `read: ${await outcome(f.read(10))}`;
    });
    assert.equal(got, "openFile rejected: RangeError");
  }, new TextEncoder().encode("hello"));
});
