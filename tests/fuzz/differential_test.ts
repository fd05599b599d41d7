// The differential fuzzer against CPython asyncio, on a fixed set of seeds
// (runs python3). `deno run -A tests/fuzz/fuzz.ts <first> <count>` runs more.
import assert from "node:assert/strict";
import { diffSeeds, sideBySide } from "./_diff.ts";

const SEEDS = Array.from({ length: 150 }, (_, i) => i);

Deno.test("random programs log the same on aio as on CPython asyncio", async () => {
  const diverging = await diffSeeds(SEEDS);
  assert.equal(
    diverging.length,
    0,
    diverging.map((d) =>
      `seed ${d.seed}\n${JSON.stringify(d.prog)}\n${sideBySide(d.py, d.aio)}`
    ).join("\n\n"),
  );
});
