/**
 * `AsyncFile.write()` given what is neither a `Uint8Array` nor a string.
 *
 * `#write()` (io/async_file.ts) copied `data.slice()` and looped
 * `while (at < bytes.length)`. An `ArrayBuffer` (what `response.arrayBuffer()`
 * and `blob.arrayBuffer()` give, so a common slip in JS or behind an
 * `any`) has `slice()` but no `length`: the loop never ran, and `write()`
 * resolved with 0 having written nothing. The bytes were lost with no
 * error. Other values failed with messages about the library's internals
 * (`data.slice is not a function` for a `DataView` or a number,
 * `bytes.subarray is not a function` for an array, `expected typed
 * ArrayBufferView` for a `Uint16Array`). `StreamWriter.write()` refuses all
 * of these with a `TypeError` naming the value (6f3a8bd).
 *
 * Expected: `write()` rejects with a `TypeError` that names what it got,
 * before anything is written, as `StreamWriter.write()` does; never a
 * silent 0.
 *
 * Fixed: `write()` checks `data` first (after the signal, before the
 * closed check and any wait) and rejects anything but a `Uint8Array` or a
 * string with `TypeError: Cannot call write(): data must be a Uint8Array
 * or a string, got ArrayBuffer { ... }` (the value as `describeValue()`
 * shows it); nothing is written and the file position does not move.
 */

import assert from "node:assert/strict";
import { openFile } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";

Deno.test("AsyncFile.write() refuses an ArrayBuffer instead of writing nothing", async () => {
  const path = await Deno.makeTempFile();
  try {
    const outcome = await run(async () => {
      await using f = await openFile(path, { write: true });
      const data = await new Blob(["hello"]).arrayBuffer();
      return await f.write(data as unknown as Uint8Array).then(
        (n) => `resolved with ${n}`,
        (e) => `${e.name}: ${e.message}`,
      );
    });
    const size = (await Deno.stat(path)).size;
    assert.match(
      outcome,
      /^TypeError: .*ArrayBuffer/,
      `write() ${outcome}; the file holds ${size} bytes`,
    );
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("AsyncFile.write() names what it refuses", async () => {
  const path = await Deno.makeTempFile();
  try {
    const messages = await run(async () => {
      await using f = await openFile(path, { write: true });
      const out: string[] = [];
      for (
        const bad of [
          new DataView(new ArrayBuffer(2)),
          [104, 105],
          new Uint16Array([1]),
          42,
        ]
      ) {
        out.push(
          await f.write(bad as unknown as Uint8Array).then(
            (n) => `resolved with ${n}`,
            (e) => `${e.name}: ${e.message}`,
          ),
        );
      }
      return out;
    });
    for (const m of messages) {
      assert.match(m, /^TypeError: Cannot (call )?write/, m);
    }
  } finally {
    await Deno.remove(path);
  }
});
