import assert from "node:assert/strict";
import { pyLog, tsLog } from "./_harness.ts";

Deno.test("coord: Event/Condition/Semaphore/Barrier match CPython", async () => {
  const [py, ts] = await Promise.all([
    pyLog("coord.py"),
    tsLog("coord.ts"),
  ]);
  // Documented in `deno doc sync/mod.ts`, BoundedSemaphore.release():
  // "@throws {RangeError}" where CPython raises ValueError. (The README's
  // list of differences does not mention it.)
  assert.deepEqual(
    py.filter((l) => l.endsWith("bounded release: ValueError")).length,
    1,
  );
  assert.deepEqual(
    ts,
    py.map((l) =>
      l.replace("bounded release: ValueError", "bounded release: RangeError")
    ),
  );
});
