/**
 * CPython `Lib/test/test_asyncio/test_futures.py` (`BaseFutureTests`,
 * `BaseFutureDoneCallbackTests`), ported to aio on the virtual clock. Each
 * test names its CPython original. Not ported, for want of a counterpart:
 * `wrap_future`/`concurrent.futures`, `_copy_future_state`, generator
 * protocol (`__iter__`, `throw`, `StopIteration`), `_cancel_message`'s
 * setter, `__eq__`-based removal tricks, refcycle and C-segfault checks.
 *
 * Documented differences asserted here:
 * - `toString()`: "`Future(pending)`, `Future(done, result=…)`,
 *   `Future(done, exception=Error: message)`" (asyncio's `<Future pending
 *   cb=[...]>` lists callbacks; aio does not);
 * - `new Future()` with no loop takes "the running (or current) loop", and
 *   `getEventLoop()` makes one when none is set ("else a new loop that
 *   becomes the set one"), where asyncio 3.14 raises `RuntimeError`;
 * - an unretrieved error is reported "when the loop closes" (or at GC):
 *   `setException()`'s doc and README "How it differs from asyncio".
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  CancelledError,
  type ExceptionContext,
  Future,
  getEventLoop,
  InvalidStateError,
  isFuture,
  setEventLoop,
} from "../../loop/mod.ts";
import { Task } from "../../task/mod.ts";
import { collect, runBriefly, RuntimeError, vloop } from "./_loop_util.ts";

Deno.test("BaseFutureTests.test_isfuture", () => {
  using loop = vloop();
  assert.equal(isFuture(1), false);
  assert.equal(isFuture(Promise.resolve()), false);
  const f = new Future(loop);
  assert.equal(isFuture(f), true);
  assert.equal(isFuture(Future), false);
  f.cancel();
});

Deno.test("BaseFutureTests.test_initial_state", () => {
  using loop = vloop();
  const f = new Future(loop);
  assert.equal(f.cancelled(), false);
  assert.equal(f.done(), false);
  f.cancel();
  assert.equal(f.cancelled(), true);
});

Deno.test("BaseFutureTests.test_constructor_without_loop (documented: the current loop, made if none)", () => {
  setEventLoop(null);
  const f = new Future();
  const loop = f.getLoop();
  try {
    assert.equal(getEventLoop(), loop);
    assert.equal(loop.isClosed(), false);
  } finally {
    setEventLoop(null);
    loop.close();
  }
});

Deno.test("BaseFutureTests.test_constructor_use_running_loop", async () => {
  using loop = vloop();
  let f: Future<number> | undefined;
  await loop.runUntilComplete(
    new Task(async () => {
      f = new Future<number>();
    }, { loop }),
  );
  assert.equal(f!.getLoop(), loop);
  f!.cancel();
});

Deno.test("BaseFutureTests.test_constructor_use_global_loop", () => {
  using loop = vloop();
  setEventLoop(loop);
  try {
    assert.equal(new Future().getLoop(), loop);
  } finally {
    setEventLoop(null);
  }
});

Deno.test("BaseFutureTests.test_future_cancel_message_getter: the message reaches the CancelledError", async () => {
  using loop = vloop();
  const f = new Future(loop);
  f.cancel("my message");
  await assert.rejects(loop.runUntilComplete(f), (e: unknown) => {
    assert.ok(e instanceof CancelledError);
    assert.equal(e.message, "my message");
    return true;
  });
  assert.throws(() => f.result(), { message: "my message" });
});

Deno.test("BaseFutureTests.test_cancel", () => {
  using loop = vloop();
  const f = new Future(loop);
  assert.equal(f.cancel(), true);
  assert.equal(f.cancelled(), true);
  assert.equal(f.done(), true);
  assert.throws(() => f.result(), CancelledError);
  assert.throws(() => f.exception(), CancelledError);
  assert.throws(() => f.setResult(null), InvalidStateError);
  assert.throws(() => f.setException(null), InvalidStateError);
  assert.equal(f.cancel(), false);
});

Deno.test("BaseFutureTests.test_result", () => {
  using loop = vloop();
  const f = new Future<number | null>(loop);
  assert.throws(() => f.result(), InvalidStateError);
  f.setResult(42);
  assert.equal(f.cancelled(), false);
  assert.equal(f.done(), true);
  assert.equal(f.result(), 42);
  assert.equal(f.exception(), undefined); // asyncio: None
  assert.throws(() => f.setResult(null), InvalidStateError);
  assert.throws(() => f.setException(null), InvalidStateError);
  assert.equal(f.cancel(), false);
});

Deno.test("BaseFutureTests.test_exception", () => {
  using loop = vloop();
  const exc = new RuntimeError();
  const f = new Future(loop);
  assert.throws(() => f.exception(), InvalidStateError);
  f.setException(exc);
  assert.equal(f.cancelled(), false);
  assert.equal(f.done(), true);
  assert.throws(() => f.result(), RuntimeError);
  assert.equal(f.exception(), exc);
  assert.throws(() => f.setResult(null), InvalidStateError);
  assert.throws(() => f.setException(null), InvalidStateError);
  assert.equal(f.cancel(), false);
});

Deno.test("BaseFutureTests.test_yield_from_twice: awaiting a future twice gives its result twice", async () => {
  using loop = vloop();
  const f = new Future<number>(loop);
  const seen: unknown[] = [];
  const t = new Task(async () => {
    seen.push("A");
    seen.push(["B", await f]);
    seen.push(["C", await f]);
  }, { loop });
  loop.callSoon(() => f.setResult(42));
  await loop.runUntilComplete(t);
  assert.deepEqual(seen, ["A", ["B", 42], ["C", 42]]);
});

Deno.test("BaseFutureTests.test_future_repr (documented form)", () => {
  using loop = vloop();
  const pending = new Future(loop);
  assert.equal(String(pending), "Future(pending)");
  pending.cancel();
  const cancelled = new Future(loop);
  cancelled.cancel();
  assert.equal(String(cancelled), "Future(cancelled)");
  const result = new Future<number>(loop);
  result.setResult(4);
  assert.equal(String(result), "Future(done, result=4)");
  assert.equal(result.result(), 4);
  const exc = new RuntimeError();
  const failed = new Future(loop);
  failed.setException(exc);
  assert.match(String(failed), /^Future\(done, exception=RuntimeError/);
  assert.equal(failed.exception(), exc);
  const withCallbacks = new Future(loop);
  withCallbacks.addDoneCallback(function first_cb() {});
  assert.equal(String(withCallbacks), "Future(pending)"); // no cb=[...]
  withCallbacks.cancel();
  assert.equal(String(withCallbacks), "Future(cancelled)");
});

Deno.test("BaseFutureTests.test_tb_logger_abandoned / result_unretrieved / result_retrieved: nothing reported", () => {
  const loop = vloop();
  const seen = collect(loop);
  new Future(loop);
  new Future<number>(loop).setResult(42);
  const f = new Future<number>(loop);
  f.setResult(42);
  f.result();
  loop.close();
  assert.deepEqual(seen, []);
});

Deno.test("BaseFutureTests.test_tb_logger_exception_unretrieved: reported when the loop closes", async () => {
  const loop = vloop();
  const seen = collect(loop);
  new Future(loop).setException(new RuntimeError("boom"));
  await runBriefly(loop);
  loop.close();
  assert.equal(seen.length, 1);
  assert.match(seen[0]!.message, /^Future exception was never retrieved/);
  assert.ok(seen[0]!.exception instanceof RuntimeError);
});

Deno.test("BaseFutureTests.test_tb_logger_exception_retrieved / exception_result_retrieved: nothing reported", () => {
  const loop = vloop();
  const seen = collect(loop);
  const f1 = new Future(loop);
  f1.setException(new RuntimeError("boom"));
  f1.exception();
  const f2 = new Future(loop);
  f2.setException(new RuntimeError("boom"));
  assert.throws(() => f2.result(), RuntimeError);
  loop.close();
  assert.deepEqual(seen, []);
});

Deno.test("BaseFutureTests.test_future_exception_never_retrieved / _debug: message and exception", async () => {
  for (const debug of [false, true]) {
    const loop = vloop({ debug });
    const seen: ExceptionContext[] = collect(loop);
    const exc = new RangeError("memory");
    new Future(loop).setException(exc);
    await runBriefly(loop);
    loop.close();
    assert.equal(seen.length, 1, `debug=${debug}`);
    assert.match(seen[0]!.message, /^Future exception was never retrieved/);
    assert.equal(seen[0]!.exception, exc);
  }
});

Deno.test("futures.Future: awaiting a failed future retrieves its error", async () => {
  const loop = vloop();
  const seen = collect(loop);
  const f = new Future(loop);
  f.setException(new RuntimeError("boom"));
  await assert.rejects(loop.runUntilComplete(f), RuntimeError);
  loop.close();
  assert.deepEqual(seen, []);
});

// BaseFutureDoneCallbackTests

function bagAppender(bag: number[], thing: number) {
  return function bag_appender(_f: Future<unknown>) {
    bag.push(thing);
  };
}

Deno.test("BaseFutureDoneCallbackTests.test_callbacks_remove_first_callback", async () => {
  using loop = vloop();
  const bag: number[] = [];
  const f = new Future<string>(loop);
  const [cb1, cb2, cb3] = [42, 17, 100].map((n) => bagAppender(bag, n));
  f.addDoneCallback(cb1!);
  f.addDoneCallback(cb2!);
  f.addDoneCallback(cb3!);
  f.removeDoneCallback(cb1!);
  f.removeDoneCallback(cb1!);
  assert.deepEqual(bag, []);
  f.setResult("foo");
  await runBriefly(loop);
  assert.deepEqual(bag, [17, 100]);
  assert.equal(f.result(), "foo");
});

Deno.test("BaseFutureDoneCallbackTests.test_callbacks_remove_first_and_second_callback", async () => {
  using loop = vloop();
  const bag: number[] = [];
  const f = new Future<string>(loop);
  const [cb1, cb2, cb3] = [42, 17, 100].map((n) => bagAppender(bag, n));
  f.addDoneCallback(cb1!);
  f.addDoneCallback(cb2!);
  f.addDoneCallback(cb3!);
  f.removeDoneCallback(cb1!);
  f.removeDoneCallback(cb2!);
  f.removeDoneCallback(cb1!);
  f.setResult("foo");
  await runBriefly(loop);
  assert.deepEqual(bag, [100]);
});

Deno.test("BaseFutureDoneCallbackTests.test_callbacks_remove_third_callback", async () => {
  using loop = vloop();
  const bag: number[] = [];
  const f = new Future<string>(loop);
  const [cb1, cb2, cb3] = [42, 17, 100].map((n) => bagAppender(bag, n));
  f.addDoneCallback(cb1!);
  f.addDoneCallback(cb2!);
  f.addDoneCallback(cb3!);
  f.removeDoneCallback(cb3!);
  f.removeDoneCallback(cb3!);
  f.setResult("foo");
  await runBriefly(loop);
  assert.deepEqual(bag, [42, 17]);
});

Deno.test("BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_result: through the loop, in order", async () => {
  using loop = vloop();
  const bag: number[] = [];
  const f = new Future<string>(loop);
  f.addDoneCallback(bagAppender(bag, 42));
  f.addDoneCallback(bagAppender(bag, 17));
  assert.deepEqual(bag, []);
  f.setResult("foo");
  assert.deepEqual(bag, []); // not synchronously
  await runBriefly(loop);
  assert.deepEqual(bag, [42, 17]);
  assert.equal(f.result(), "foo");
});

Deno.test("BaseFutureDoneCallbackTests.test_callbacks_invoked_on_set_exception", async () => {
  using loop = vloop();
  const bag: number[] = [];
  const f = new Future(loop);
  f.addDoneCallback(bagAppender(bag, 100));
  const exc = new RuntimeError();
  f.setException(exc);
  await runBriefly(loop);
  assert.deepEqual(bag, [100]);
  assert.equal(f.exception(), exc);
});

Deno.test("futures.Future.cancel(): done callbacks run on cancel too", async () => {
  using loop = vloop();
  const bag: number[] = [];
  const f = new Future(loop);
  f.addDoneCallback(bagAppender(bag, 1));
  f.cancel();
  await runBriefly(loop);
  assert.deepEqual(bag, [1]);
});

Deno.test("BaseFutureDoneCallbackTests.test_remove_done_callback: counts", async () => {
  using loop = vloop();
  const bag: number[] = [];
  const f = new Future<string>(loop);
  const [cb1, cb2, cb3] = [1, 2, 3].map((n) => bagAppender(bag, n));
  f.addDoneCallback(cb1!);
  f.addDoneCallback(cb2!);
  assert.equal(f.removeDoneCallback(cb2!), 1);
  assert.equal(f.removeDoneCallback(cb3!), 0);
  f.addDoneCallback(cb2!);
  for (let i = 0; i < 5; i++) f.addDoneCallback(cb1!);
  assert.equal(f.removeDoneCallback(cb1!), 6);
  assert.deepEqual(bag, []);
  f.setResult("foo");
  await runBriefly(loop);
  assert.deepEqual(bag, [2]);
  assert.equal(f.result(), "foo");
});

Deno.test("BaseFutureDoneCallbackTests.test_schedule_callbacks_list_mutation_1: a callback removing others does not stop them", async () => {
  using loop = vloop();
  const ran: string[] = [];
  const str = () => ran.push("str");
  const f = new Future<number>(loop);
  f.addDoneCallback((fut) => {
    ran.push(`mut removed ${fut.removeDoneCallback(str)}`);
  });
  f.addDoneCallback(str);
  f.addDoneCallback(str);
  f.setResult(1);
  await runBriefly(loop);
  assert.deepEqual(ran, ["mut removed 0", "str", "str"]);
});

Deno.test("futures.Future.add_done_callback(): on a done future, scheduled at once (FIFO with callSoon)", async () => {
  using loop = vloop();
  const out: string[] = [];
  const f = new Future<number>(loop);
  f.setResult(1);
  loop.callSoon(() => out.push("a"));
  f.addDoneCallback(() => out.push("b"));
  loop.callSoon(() => out.push("c"));
  await runBriefly(loop);
  assert.deepEqual(out, ["a", "b", "c"]);
});

Deno.test("futures.Future.__schedule_callbacks(): done callbacks are queued at set_result(), behind earlier callSoon()s", async () => {
  using loop = vloop();
  const out: string[] = [];
  const f = new Future<number>(loop);
  f.addDoneCallback(() => out.push("done1"));
  f.addDoneCallback(() => out.push("done2"));
  loop.callSoon(() => out.push("before"));
  f.setResult(1);
  loop.callSoon(() => out.push("after"));
  await runBriefly(loop);
  assert.deepEqual(out, ["before", "done1", "done2", "after"]);
});

Deno.test("futures.Future: a done callback that throws is reported; the others still run", async () => {
  using loop = vloop();
  const seen = collect(loop);
  const out: string[] = [];
  const f = new Future<number>(loop);
  f.addDoneCallback(function bad() {
    throw new RuntimeError("cb");
  });
  f.addDoneCallback(() => out.push("good"));
  f.setResult(1);
  await runBriefly(loop);
  assert.deepEqual(out, ["good"]);
  assert.equal(seen.length, 1);
  assert.ok(seen[0]!.exception instanceof RuntimeError);
});
