// Undocumented difference: in asyncio, `await` on something already ready (a
// set Event, a non-empty Queue, a done Task, a free Lock) does not suspend,
// so code between two real suspensions is atomic. In aio, every such await
// lets the other tasks woken in the same tick run, and a read-modify-write
// across it loses updates. Left failing on purpose.
import assert from "node:assert/strict";
import { pyLog, tsLog } from "./_harness.ts";

Deno.test("atomicity bug: an await on a ready library wait is a switch point", async () => {
  const [py, ts] = await Promise.all([
    pyLog("atomicity.py"),
    tsLog("atomicity.ts"),
  ]);
  // CPython: "event counter=2", ... ; aio: "event counter=1" (a lost update).
  assert.deepEqual(
    ts.filter((l) => l.includes("counter=")),
    py.filter((l) => l.includes("counter=")),
  );
  assert.deepEqual(ts, py);
});
