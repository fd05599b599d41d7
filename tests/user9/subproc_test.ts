import assert from "node:assert/strict";
import { pyLog, tsLog } from "./_harness.ts";

Deno.test("subproc: communicate, line by line, pipeline, kill match CPython", async () => {
  const [py, ts] = await Promise.all([
    pyLog("subproc.py"),
    tsLog("subproc.ts"),
  ]);
  // Documented in `deno doc io/mod.ts`, createSubprocessExec():
  // "@throws {Deno.errors.NotFound} If the program does not exist."
  // where CPython raises FileNotFoundError.
  assert.deepEqual(py.at(-1), "missing program: FileNotFoundError");
  assert.deepEqual(ts.at(-1), "missing program: NotFound");
  assert.deepEqual(ts.slice(0, -1), py.slice(0, -1));
});
