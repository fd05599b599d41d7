/**
 * An idle connection with a few bytes of an unfinished frame buffered
 * keeps all the storage its reader grew to for the last burst.
 *
 * What happens: a server reads a 100,000-byte record with
 * `readExactly(100_000)`, then waits in `readExactly(4)` for the next
 * frame's header, of which 2 bytes arrived (the peer went quiet: a partial
 * line typed at a prompt, a frame whose rest is late). To read the record
 * the reader grew its storage by doubling to 256 KiB (69,888 bytes
 * buffered + a 64 KiB reservation); the record is copied out (it fills
 * less than three quarters of it), and the 2 bytes left keep the whole
 * storage: the waiting read reserves its 256 bytes at their end, so the
 * connection holds about 270 KB for as long as the peer stays quiet
 * (measured: 271,477 B per connection with 200 connections). The same
 * connection with an empty buffer costs about 2-3 KB
 * (`idle_after_bulk_test.ts`); CPython's `bytearray` buffer shrinks to
 * its content once it is less than half full, so asyncio holds a few
 * bytes here.
 *
 * Expected: the rule for an empty reader ("an idle connection holds just
 * its pending read", io/stream_reader.ts `[reserve]`) also holds when a
 * few bytes are buffered: storage far larger than what is buffered plus
 * the reservation is given back, so the connection costs under the idle
 * bound (16 KiB) plus its bytes.
 *
 * f5296cc: the same (271,923 B per connection; after a 1,000,000-byte
 * record it held 1,058,418 B, HEAD 13,466 B).
 */

import assert from "node:assert/strict";
import { figure, size } from "./_util.ts";

const N = size(200, 2_000);
/** The bound of `idle_memory_test.ts`: 16 KiB per idle connection. */
const BOUND = 16 * 1024;

Deno.test(`${N} connections idle with 2 bytes of a frame buffered after a 100,000-byte record cost under ${BOUND} bytes each`, async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-net=127.0.0.1",
      "--allow-run",
      "--allow-read",
      "--v8-flags=--expose-gc",
      new URL("_idle_after_bulk_server.ts", import.meta.url).pathname,
      String(N),
      "100000",
      "2",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const result = JSON.parse(
    new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!,
  );
  figure("idle with a partial frame after 100,000 bytes", result);
  assert.ok(
    result.bytes < BOUND,
    `${result.bytes} bytes per idle connection`,
  );
});
