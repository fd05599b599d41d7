import assert from "node:assert/strict";
import { pyLog, tsLog } from "./_harness.ts";

Deno.test("timeouts: nested timeout()/waitFor() and cleanup match CPython", async () => {
  const [py, ts] = await Promise.all([
    pyLog("timeouts.py"),
    tsLog("timeouts.ts"),
  ]);
  assert.deepEqual(ts, py);
});
