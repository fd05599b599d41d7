import assert from "node:assert/strict";
import { pyLog, tsLog } from "./_harness.ts";

Deno.test("taskgroup: same events; the group error is an AggregateError", async () => {
  const [py, ts] = await Promise.all([
    pyLog("taskgroup.py"),
    tsLog("taskgroup.ts"),
  ]);
  // README.md:99 (Cancellation table): "a failing child of a `TaskGroup` |
  // ... the group throws an `AggregateError`" where asyncio raises an
  // ExceptionGroup. Same members, same order.
  const groupLines = py.filter((l) => l.includes("ExceptionGroup"));
  assert.deepEqual(groupLines.length, 3);
  assert.deepEqual(
    ts,
    py.map((l) => l.replace("raised ExceptionGroup", "raised AggregateError")),
  );
});
