/**
 * `AsyncFile` on a FIFO (or a tty, a serial port) opened for reading and
 * writing: one task reads replies with `readLine()`, another writes
 * requests with `write()`, the usual way to talk to a device.
 *
 * Since attack round 14 (beadfd5), `write()` and `seek()` waited for any
 * read in progress to end before they replaced the reader. On a regular
 * file a read always ends (EOF comes at once), but on a FIFO or a device
 * the read waited for data, and here the data was what the write would
 * send: the write waited for the read, the read for the write, both until
 * cancelled. `close()` then waited for the stranded host read, so
 * `await using` hung too. Under that, `Deno.FsFile` runs one operation at
 * a time: even a write handed to the host at once waited there for the
 * read on the same handle.
 *
 * Fixed: a file that cannot seek (not a regular file nor a block device)
 * is a stream, as a socket is: a write goes out at once, beside a read in
 * progress, which keeps its buffer. `openFile()` learns this with `stat()`
 * and opens such a file a second time, write-only, for the writes; and
 * `close()` of a stream does not wait for a read in progress (Deno cancels
 * the host read, and the read rejects), so the file closes at once.
 */

import assert from "node:assert/strict";
import { openFile } from "../../io/mod.ts";
import { createTask, run, sleep, waitFor } from "../../task/mod.ts";

Deno.test({
  name:
    "AsyncFile.write() to a FIFO while a readLine() waits on it does not deadlock",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    const fifo = `${dir}/fifo`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert.ok(made.success);
    try {
      const got = await run(async () => {
        // Read and write: opening a FIFO so does not block.
        await using file = await openFile(fifo, { read: true, write: true });
        const reader = createTask(() => file.readLine());
        await sleep(0); // the read is in progress
        try {
          const written = await waitFor(file.write("ping\n"), 2_000);
          const line = await waitFor(reader, 2_000);
          return { written, line: new TextDecoder().decode(line) };
        } finally {
          reader.cancel();
          await reader.then(() => {}, () => {});
        }
      });
      assert.deepEqual(got, { written: 5, line: "ping\n" });
      // And close() does not wait for a read in progress on the FIFO.
      const closing = await run(async () => {
        const file = await openFile(fifo, { read: true, write: true });
        const reader = createTask(() => file.readLine());
        await sleep(0);
        await waitFor(file[Symbol.asyncDispose](), 2_000);
        return await reader.then(() => "read", (e) => (e as Error).name);
      });
      assert.equal(closing, "Interrupted");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
