// The pipeline's workers woken in one tick interleave at a ready `get()` in
// aio, where CPython runs each worker alone until it suspends: the
// documented difference of atomicity_test.ts, in the real program.
import assert from "node:assert/strict";
import { pyLog, tsLog } from "./_harness.ts";

Deno.test("pipeline: workers woken in one tick interleave at a ready get() (documented)", async () => {
  const [py, ts] = await Promise.all([
    pyLog("pipeline.py"),
    tsLog("pipeline.ts"),
  ]);
  const tick2 = (log: string[]) =>
    log.filter((l) => /^t=2 w\d (done|got)/.test(l));
  assert.deepEqual(tick2(py), [
    "t=2 w1 done 1",
    "t=2 w1 got 4",
    "t=2 w0 done 3",
    "t=2 w0 got 5",
  ]);
  assert.deepEqual(tick2(ts), [
    "t=2 w1 done 1",
    "t=2 w0 done 3",
    "t=2 w1 got 4",
    "t=2 w0 got 5",
  ]);
});
