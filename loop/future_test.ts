import assert from "node:assert/strict";
import { EventLoop, type ExceptionContext, VirtualClock } from "./mod.ts";
import {
  CancelledError,
  Future,
  InvalidStateError,
  isFuture,
  Task,
} from "../task/mod.ts";

async function drain(loop: EventLoop): Promise<void> {
  loop.stop();
  await loop.runForever();
}

Deno.test("Future.result() and exception() throw InvalidStateError while pending", () => {
  using loop = new EventLoop();
  const f = new Future<number>(loop);
  assert.equal(f.done(), false);
  assert.throws(() => f.result(), InvalidStateError);
  assert.throws(() => f.exception(), InvalidStateError);
  assert.equal(String(f), "Future(pending)");
  assert.equal(Object.prototype.toString.call(f), "[object Future]");
  assert.ok(isFuture(f));
});

Deno.test("Future.setResult() completes once; a second completion throws InvalidStateError", () => {
  using loop = new EventLoop();
  const f = new Future<number>(loop);
  f.setResult(5);
  assert.ok(f.done());
  assert.equal(f.result(), 5);
  assert.equal(f.exception(), undefined);
  assert.throws(() => f.setResult(6), InvalidStateError);
  assert.throws(() => f.setException(new Error()), InvalidStateError);
  assert.equal(f.cancel(), false);
  assert.equal(f.result(), 5);
  assert.equal(String(f), "Future(done, result=5)");
});

Deno.test("Future.setException() makes result() throw the error", () => {
  using loop = new EventLoop();
  const f = new Future<number>(loop);
  const e = new TypeError("t");
  f.setException(e);
  assert.throws(() => f.result(), (x) => x === e);
  assert.equal(f.exception(), e);
  // Without the stack: formatting one can kill Deno out of descriptors.
  assert.equal(String(f), "Future(done, exception=TypeError: t)");
  const c = new Future<number>(loop);
  const reason = new CancelledError("from a signal");
  c.setException(reason);
  assert.equal(c.cancelled(), false);
  assert.equal(c.exception(), reason);
});

Deno.test("Future.cancel() makes result() and exception() throw CancelledError with the message", () => {
  using loop = new EventLoop();
  const f = new Future<number>(loop);
  assert.equal(f.cancel("why"), true);
  assert.ok(f.cancelled());
  assert.ok(f.done());
  assert.throws(
    () => f.result(),
    (e) => e instanceof CancelledError && e.message === "why",
  );
  assert.throws(() => f.exception(), CancelledError);
  assert.equal(f.cancel(), false);
  assert.throws(() => f.setResult(1), InvalidStateError);
});

Deno.test("Future done callbacks run through the loop, in registration order, never synchronously", async () => {
  using loop = new EventLoop();
  const f = new Future<string>(loop);
  const out: string[] = [];
  f.addDoneCallback((d) => out.push("1:" + d.result()));
  f.addDoneCallback(() => out.push("2"));
  loop.callSoon(() => {
    f.setResult("x");
    out.push("after set");
  });
  await drain(loop);
  assert.deepEqual(out, ["after set"]);
  await drain(loop);
  assert.deepEqual(out, ["after set", "1:x", "2"]);
  // A callback added to a done future is scheduled, not called.
  f.addDoneCallback(() => out.push("late"));
  assert.equal(out.at(-1), "2");
  await drain(loop);
  assert.equal(out.at(-1), "late");
});

Deno.test("Future.removeDoneCallback() removes every registration and returns the count", async () => {
  using loop = new EventLoop();
  const f = new Future<number>(loop);
  const out: string[] = [];
  const cb = () => out.push("cb");
  const other = () => out.push("other");
  assert.equal(f.removeDoneCallback(cb), 0);
  f.addDoneCallback(cb);
  assert.equal(f.removeDoneCallback(other), 0);
  assert.equal(f.removeDoneCallback(cb), 1);
  f.addDoneCallback(cb);
  f.addDoneCallback(other);
  f.addDoneCallback(cb);
  assert.equal(f.removeDoneCallback(cb), 2);
  f.setResult(1);
  await drain(loop);
  assert.deepEqual(out, ["other"]);
  // deno-lint-ignore no-explicit-any
  assert.throws(() => f.addDoneCallback(1 as any), TypeError);
});

Deno.test("Future reports a throwing done callback to the exception handler", async () => {
  using loop = new EventLoop();
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, c) => seen.push(c));
  const f = new Future<number>(loop);
  const out: string[] = [];
  f.addDoneCallback(function boom() {
    throw new Error("cb");
  });
  f.addDoneCallback(() => out.push("next"));
  f.setResult(1);
  await drain(loop);
  assert.deepEqual(out, ["next"]);
  assert.match(seen[0]!.message, /Exception in done callback boom/);
  assert.equal(seen[0]!.future, f);
});

Deno.test("await on a done future resumes without waiting for a loop tick", async () => {
  using loop = new EventLoop();
  const f = new Future<number>(loop);
  f.setResult(3);
  // No loop is running: a done future must still resolve.
  assert.equal(await f, 3);
  const g = new Future<number>(loop);
  g.setException(new Error("g"));
  await assert.rejects(async () => await g, /g/);
  const h = new Future<number>(loop);
  h.cancel("gone");
  await assert.rejects(
    async () => await h,
    (e) => e instanceof CancelledError && e.message === "gone",
  );
});

Deno.test("await on a pending future resumes the task in the next tick, before the tick after", async () => {
  using loop = new EventLoop();
  const f = new Future<string>(loop);
  const out: string[] = [];
  const t = new Task(async () => {
    out.push("wait");
    out.push("got " + await f);
  }, { loop });
  // Tick 1 starts the task; it waits on f. Tick 2 completes f, which
  // schedules the task's wake-up for tick 3, ahead of A.
  loop.callSoon(() =>
    loop.callSoon(() => {
      f.setResult("v");
      loop.callSoon(() => {
        out.push("A (tick 3)");
        loop.callSoon(() => out.push("B (tick 4)"));
      });
    })
  );
  await loop.runUntilComplete(t);
  await drain(loop);
  // The task resumed in tick 3 runs to its end before tick 4 starts; within
  // tick 3 it runs after the tick's callbacks (see loop/event_loop.ts).
  assert.deepEqual(out, ["wait", "A (tick 3)", "got v", "B (tick 4)"]);
});

Deno.test("Future works with then, catch and finally like a promise", async () => {
  using loop = new EventLoop();
  const f = new Future<number>(loop);
  const chained = f.then((n) => n * 2);
  const caught = new Future<number>(loop).catch(() => -1);
  let fin = false;
  const fut3 = new Future<number>(loop);
  const finished = fut3.finally(() => (fin = true));
  loop.callSoon(() => f.setResult(21));
  assert.equal(await loop.runUntilComplete(chained), 42);
  assert.equal(fin, false);
  fut3.setResult(1);
  const c = await loop.runUntilComplete(
    new Task(async () => [await finished, fin], { loop }),
  );
  assert.deepEqual(c, [1, true]);
  caught.then(() => {}); // keep lint quiet about a floating promise
});

Deno.test("EventLoop.close() reports a future exception that was never retrieved", async () => {
  const loop = new EventLoop();
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, c) => seen.push(c));
  const lost = new Future<number>(loop);
  lost.setException(new Error("lost"));
  const seenOne = new Future<number>(loop);
  seenOne.setException(new Error("seen"));
  assert.throws(() => seenOne.result());
  await drain(loop);
  loop.close();
  assert.equal(seen.length, 1);
  assert.match(seen[0]!.message, /Future exception was never retrieved/);
  assert.equal((seen[0]!.exception as Error).message, "lost");
});

Deno.test("Future binds to the clock-driven loop it was created on", async () => {
  using loop = new EventLoop({ clock: new VirtualClock() });
  const f = new Future<number>(loop);
  assert.equal(f.getLoop(), loop);
  loop.callLater(100, () => f.setResult(loop.time()));
  assert.equal(await loop.runUntilComplete(f), 100);
});
