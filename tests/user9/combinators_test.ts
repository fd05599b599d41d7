import assert from "node:assert/strict";
import { pyLog, tsLog } from "./_harness.ts";

Deno.test("combinators: shield/asCompleted/gather match CPython", async () => {
  const [py, ts] = await Promise.all([
    pyLog("combinators.py"),
    tsLog("combinators.ts"),
  ]);
  assert.deepEqual(ts, py);
});

Deno.test("misc: sleep(0), cancel messages, wait(), callbacks match CPython", async () => {
  const [py, ts] = await Promise.all([pyLog("misc.py"), tsLog("misc.ts")]);
  assert.deepEqual(ts, py);
});
