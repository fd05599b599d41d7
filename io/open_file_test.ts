import assert from "node:assert/strict";
import { Future } from "../loop/future.ts";
import { run, TimeoutError, waitFor } from "../task/mod.ts";
import { openFile } from "./open_file.ts";

Deno.test(
  "waitFor(openFile(), 0) ends the open at once and closes the file it opens afterwards",
  { ignore: Deno.build.os === "windows" },
  async () => {
    const dir = await Deno.makeTempDir();
    const fifo = `${dir}/fifo`;
    try {
      const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
      assert.ok(made.success, "mkfifo");
      const got = await run(async () => {
        // Opening a FIFO for writing waits until a reader opens it.
        const opening = openFile(fifo, { write: true });
        await assert.rejects(waitFor(opening, 0), TimeoutError);
        const cancelled = opening instanceof Future && opening.cancelled();
        // The reader lets the abandoned open finish; its file is closed, so
        // the reader sees the end of the FIFO (no writer is left).
        using reader = await Deno.open(fifo);
        const outcome = await opening.then(async (file) => {
          await file.close();
          return "handed over";
        }, (e) => e.name);
        const end = await reader.read(new Uint8Array(1)) === null;
        return [cancelled, outcome, end];
      });
      assert.deepEqual(got, [true, "CancelledError", true]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
