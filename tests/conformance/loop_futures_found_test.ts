/**
 * Differences from CPython's `asyncio.Future` (`test_futures.py`,
 * `futures.py`) that this port found. Each was fixed (the test asserts
 * CPython's behaviour) or documented (the test asserts aio's, citing the
 * doc); the comment gives the CPython test and what aio did.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Future } from "../../loop/mod.ts";
import { collect, runBriefly, RuntimeError, vloop } from "./_loop_util.ts";

// CPython: BaseFutureTests.test_tb_logger_not_called_after_cancel.
// Future.cancel() first sets `__log_traceback = False`, even on a future
// that is already done: cancelling a failed future (the usual "I no longer
// care" in cleanup code) silences its "exception was never retrieved".
// aio: cancel() of a done future returns false and changes nothing, so the
// error is still reported when the loop closes.
// Severity: low (a spurious report).
Deno.test("BaseFutureTests.test_tb_logger_not_called_after_cancel: cancel() of a failed future silences its report", () => {
  const loop = vloop();
  const seen = collect(loop);
  const fut = new Future(loop);
  fut.setException(new RuntimeError());
  assert.equal(fut.cancel(), false);
  loop.close();
  assert.deepEqual(seen.map((c) => c.message), []);
});

// CPython: futures.py, Future.__schedule_callbacks() (C: future_schedule_callbacks),
// which test_callbacks_invoked_on_set_result and
// test_schedule_callbacks_list_mutation_1 rely on: set_result(),
// set_exception() and cancel() hand every done callback to call_soon() at
// once and empty the list. A remove_done_callback() after that returns 0
// and the callback still runs.
// aio: the callbacks stay on the future until one loop callback runs them
// in the next tick, so removeDoneCallback() between setResult() and that
// tick returns 1 and the callback never runs. Code that detaches its
// callback once it sees the future done (asyncio.wait()'s and
// as_completed()'s cleanup pattern) silently loses a callback another
// party added.
// Documented (removeDoneCallback()'s doc: "one removed before then does not
// run").
Deno.test("futures.Future.__schedule_callbacks: removeDoneCallback() before the next tick stops a done future's callback (documented)", async () => {
  using loop = vloop();
  const bag: number[] = [];
  const cb = () => bag.push(1);
  const f = new Future<number>(loop);
  f.addDoneCallback(cb);
  f.setResult(1);
  assert.equal(f.removeDoneCallback(cb), 1); // CPython: 0
  await runBriefly(loop);
  assert.deepEqual(bag, []); // CPython: [1]
});
