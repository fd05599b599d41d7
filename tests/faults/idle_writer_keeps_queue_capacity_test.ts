/**
 * A writer that once queued many chunks keeps the queue's capacity for
 * the rest of its life.
 *
 * What happens: every text write is a queue entry of its own
 * (`text_writes_not_coalesced_test.ts`); 100,000 `write("x\n")` made
 * before the sink catches up grow the writer's `Deque` to 131,072 slots,
 * and a `Deque` never shrinks (`loop/deque.ts`: `shift()` leaves the
 * array as it is; only `clear()`, on `abort()` or a failure, starts
 * over). Once everything was sent the writer is idle with an empty queue,
 * and still holds about 1 MB (measured: 1,061,102 B per writer, 20
 * writers). A server whose handlers once wrote a burst of lines so keeps
 * a megabyte per idle connection; the reader side of the same connection
 * holds its 256-byte read (`idle_after_bulk_test.ts`: the bound there is
 * 16 KiB per connection).
 *
 * Expected: an idle writer, whatever it sent before, costs about what a
 * fresh one does: under 16 KiB.
 *
 * f5296cc: the same (1,060,388 B per writer).
 */

import assert from "node:assert/strict";

Deno.test("an idle writer after 100,000 queued text writes holds under 16 KiB", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--v8-flags=--expose-gc",
      new URL("_idle_writer_queue.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const { bytes } = JSON.parse(new TextDecoder().decode(out.stdout).trim());
  assert.ok(bytes < 16 * 1024, `${bytes} bytes per idle writer`);
});
