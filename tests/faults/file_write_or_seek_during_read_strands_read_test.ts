/**
 * `AsyncFile.write()` or `seek()` while a `readLine()` (or `read()`) of
 * another task waits for more than one chunk.
 *
 * `write()` and `seek()` replaced the file's `StreamReader` with a new one
 * (io/async_file.ts). The pending read still waited on the old reader; when
 * it asked for its next chunk, `#pull()` saw `reader !== this.#reader` and
 * returned doing nothing. Nothing fed the old reader again (no data, no
 * EOF, no error), so the read never settled: not when the write or seek
 * was done, and not when the file was closed either (the close-during-read
 * fix only reaches a pull of the current reader). The task hung for
 * good; only a cancellation got it out.
 *
 * Expected: the pending read settles, at the latest when the file is
 * closed: it finishes before the write/seek moves the position, or it
 * rejects with an error that says the position moved under it. It never
 * waits for ever.
 *
 * Fixed: the file keeps its reads in progress, and `write()` and `seek()`
 * wait for them to end (as for a host operation in flight) before they
 * replace the reader, so the read finishes first whatever the timing, and
 * the write lands where the read stopped. A `close()` meanwhile fails the
 * read ("file is closed", as before) and then the waiting write or seek
 * (`Cannot call write(): file is closed`): before, a write or seek waiting
 * when the file was closed looped for ever on the promise `close()` leaves
 * in flight.
 */

import assert from "node:assert/strict";
import { openFile } from "../../io/mod.ts";
import { createTask, run, sleep, wait } from "../../task/mod.ts";

for (const op of ["write", "seek"] as const) {
  Deno.test(`a readLine() pending across a ${op}() of another task settles`, async () => {
    const path = await Deno.makeTempFile();
    try {
      // Whether the op lands between two chunks of the read depends on
      // host timing, so the race is run a few times.
      for (let attempt = 0; attempt < 40; attempt++) {
        await Deno.writeTextFile(path, "a".repeat(1000) + "\nsecond\n");
        const outcome = await run(async () => {
          const f = await openFile(path, {
            read: true,
            write: true,
            chunkSize: 16,
          });
          const reading = createTask(() => f.readLine());
          await sleep(0);
          if (op === "write") await f.write("X");
          else await f.seek(0);
          await wait([reading], { timeout: 100 });
          const afterOp = reading.done() ? "settled" : "pending";
          f.close();
          await wait([reading], { timeout: 100 });
          const afterClose = reading.done() ? "settled" : "pending";
          if (!reading.done()) reading.cancel();
          await wait([reading]);
          if (!reading.cancelled()) reading.exception();
          return { afterOp, afterClose };
        });
        assert.equal(
          outcome.afterClose,
          "settled",
          `attempt ${attempt}: the read was ${outcome.afterOp} after ${op}() and ${outcome.afterClose} after close()`,
        );
      }
    } finally {
      await Deno.remove(path);
    }
  });
}
