/**
 * Differences from CPython's `asyncio.run()` (`test_runners.py`,
 * `runners.py`) that this port found, now fixed: the test asserts
 * CPython's behaviour; the comment gives the CPython test and what aio did.
 *
 * @module
 */

import assert from "node:assert/strict";
import { getEventLoop, setEventLoop, VirtualClock } from "../../loop/mod.ts";
import { run } from "../../task/mod.ts";

// CPython: RunTests.test_asyncio_run_only_coro (with BaseTest.tearDown,
// which checks that any loop the policy was given is closed).
// asyncio.run(1) raises ValueError("a coroutine was expected") before it
// makes a loop, so nothing is left behind.
// aio: run(1) makes its loop and sets it as the current one
// (setEventLoop(loop)), then `new Task(1)` throws TypeError outside the
// try/finally that closes it: the loop stays open and set, so the next
// getEventLoop() (or `new Future()` with no loop) gets this orphan.
// The TypeError itself is fine (run() documents a function).
// Severity: low.
Deno.test("RunTests.test_asyncio_run_only_coro: a refused main leaves no loop set or open", async () => {
  setEventLoop(null);
  // The clock tells run()'s loop apart from one getEventLoop() would make.
  await assert.rejects(
    run(1 as never, { clock: new VirtualClock(5000), handleSigint: false }),
    TypeError,
  );
  const current = getEventLoop();
  const leftBehind = current.time() === 5000;
  setEventLoop(null);
  current.close();
  assert.equal(leftBehind, false, "run() left its loop set and open");
});
