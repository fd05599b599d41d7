/**
 * Since bbc3004 a result of 16 KiB or more that leaves fewer bytes than
 * itself in the buffer takes the reader's whole storage with it. Read off a
 * socket (64 KiB reads into the reader's storage), records of 16,385 to
 * 40,000 bytes that a caller keeps (a cache, a queue to another task) hold
 * 2.2 to 2.7 times their size in memory (f5296cc: 1.33 times): each
 * storage the reader grew, up to 128 KiB, stays alive for one record in it.
 */
import assert from "node:assert/strict";
import { StreamReader } from "../../io/mod.ts";
import { commit, reserve } from "../../io/_source.ts";
import { run } from "../../task/mod.ts";

Deno.test("records kept from a socket-fed reader do not hold more than 1.5 times their size", async () => {
  for (const record of [16_385, 20_000, 40_000]) {
    const ratio = await run(async () => {
      const r = new StreamReader({ limit: 1 << 22 });
      const kept: Uint8Array[] = [];
      let fed = 0;
      const total = 8 << 20;
      while (fed < total) {
        // As the socket's pump: a 64 KiB read into the reader's storage.
        while (r.bufferSize < record && fed < total) {
          r[reserve](65_536).fill(1);
          r[commit](65_536);
          fed += 65_536;
        }
        while (r.bufferSize >= record) kept.push(await r.readExactly(record));
      }
      let held = 0;
      for (const b of new Set(kept.map((k) => k.buffer))) held += b.byteLength;
      return held / kept.reduce((n, k) => n + k.length, 0);
    });
    assert.ok(ratio <= 1.5, `${record}-byte records hold ${ratio.toFixed(2)}x`);
  }
});
