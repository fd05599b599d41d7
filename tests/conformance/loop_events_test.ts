/**
 * CPython `Lib/test/test_asyncio/test_events.py`, the loop-generic parts
 * (`EventLoopTestsMixin` without sockets, pipes, signals and subprocesses;
 * `GetEventLoopTestsMixin`), ported to aio on the virtual clock, plus the
 * scheduling rules of `base_events.py` (`_run_once`: timers due join the
 * ready queue behind it; a tick runs the callbacks ready at its start;
 * `stop()` ends the loop after the running tick). Each test names its
 * CPython original (or the `base_events.py` rule it checks).
 *
 * Documented differences asserted here:
 * - times are milliseconds (`EventLoop.time()`: "The loop's current time in
 *   milliseconds");
 * - equal deadlines run in scheduling order (`callLater()`: "Timers with
 *   equal deadlines run in the order they were scheduled");
 * - `getEventLoop()` with no loop set makes one (`getEventLoop()`: "else a
 *   new loop that becomes the set one"), where asyncio 3.14 raises.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  EventLoop,
  getEventLoop,
  getRunningLoop,
  newEventLoop,
  setEventLoop,
  VirtualClock,
} from "../../loop/mod.ts";
import { CancelledError, sleep, Task } from "../../task/mod.ts";
import { runBriefly, vloop } from "./_loop_util.ts";

Deno.test("EventLoopTestsMixin.test_run_until_complete_nesting: runUntilComplete() inside the running loop is refused", async () => {
  using loop = vloop();
  const coro2 = new Task(async () => {
    assert.equal(loop.isRunning(), true);
    await loop.runUntilComplete(sleep(0));
  }, { loop });
  await assert.rejects(loop.runUntilComplete(coro2), /already running/);
});

Deno.test("EventLoopTestsMixin.test_run_until_complete: sleep(100) takes 100 ms", async () => {
  using loop = vloop();
  const t0 = loop.time();
  await loop.runUntilComplete(new Task(() => sleep(100), { loop }));
  assert.equal(loop.time() - t0, 100);
});

Deno.test("EventLoopTestsMixin.test_run_until_complete_stopped: stop() before the future is done is an error", async () => {
  using loop = vloop();
  const task = new Task(async () => {
    loop.stop();
    await sleep(100);
  }, { loop });
  await assert.rejects(
    loop.runUntilComplete(task),
    /stopped before the future completed/,
  );
  task.cancel();
  await loop.runUntilComplete(task).catch(() => {});
});

Deno.test("EventLoopTestsMixin.test_call_later", async () => {
  using loop = vloop();
  const results: string[] = [];
  loop.callLater(100, (arg: string) => {
    results.push(arg);
    loop.stop();
  }, "hello world");
  await loop.runForever();
  assert.deepEqual(results, ["hello world"]);
  assert.equal(loop.time(), 100);
});

Deno.test("EventLoopTestsMixin.test_call_soon: arguments are passed", async () => {
  using loop = vloop();
  const results: [string, string][] = [];
  loop.callSoon(
    (a: string, b: string) => {
      results.push([a, b]);
      loop.stop();
    },
    "hello",
    "world",
  );
  await loop.runForever();
  assert.deepEqual(results, [["hello", "world"]]);
});

Deno.test("EventLoopTestsMixin.test_call_soon_threadsafe_same_thread: FIFO with callSoon", async () => {
  using loop = vloop();
  const results: string[] = [];
  const callback = (arg: string) => {
    results.push(arg);
    if (results.length >= 2) loop.stop();
  };
  loop.callSoonThreadsafe(callback, "hello");
  loop.callSoon(callback, "world");
  await loop.runForever();
  assert.deepEqual(results, ["hello", "world"]);
});

Deno.test("EventLoopTestsMixin.test_call_soon_threadsafe: from a host callback, wakes the idle loop", async () => {
  // No threads in JS: callSoonThreadsafe() is "documented as safe from any
  // host callback" and "always wakes an idle loop". A real clock here: an
  // idle virtual loop with no timer just waits, which is what is tested.
  using loop = new EventLoop();
  const results: string[] = [];
  const callback = (arg: string) => {
    results.push(arg);
    if (results.length >= 2) loop.stop();
  };
  loop.callSoon(callback, "world");
  const timer = setTimeout(() => loop.callSoonThreadsafe(callback, "hello"), 5);
  try {
    await loop.runForever();
  } finally {
    clearTimeout(timer);
  }
  assert.deepEqual(results, ["world", "hello"]);
});

Deno.test("EventLoopTestsMixin.test_prompt_cancellation: callSoon(f.cancel) reaches the task awaiting f", async () => {
  using loop = vloop();
  const f = loop.createFuture<number>();
  const t = new Task(async () => {
    let res: string | null = null;
    try {
      loop.callSoon(() => f.cancel());
      await f;
    } catch (e) {
      if (e instanceof CancelledError) res = "cancelled";
    } finally {
      loop.stop();
    }
    return res;
  }, { loop });
  await loop.runForever();
  if (!t.done()) await loop.runUntilComplete(t);
  assert.equal(t.result(), "cancelled");
  assert.throws(() => f.result(), CancelledError);
  assert.equal(loop.time(), 0);
});

Deno.test("EventLoopTestsMixin.test_timeout_rounding: tiny sleeps end, at the sum of their delays", async () => {
  using loop = vloop();
  const t = new Task(async () => {
    await sleep(10);
    await sleep(0.1);
    await sleep(1e-3);
    await sleep(1e-5);
    await sleep(1e-7);
  }, { loop });
  await loop.runUntilComplete(t);
  assert.ok(Math.abs(loop.time() - 10.10101) < 1e-6, String(loop.time()));
});

Deno.test("EventLoopTestsMixin.test_close_running_event_loop: close() while running throws", async () => {
  using loop = vloop();
  const t = new Task(async () => {
    loop.close();
  }, { loop });
  await assert.rejects(
    loop.runUntilComplete(t),
    /Cannot close a running event loop/,
  );
  assert.equal(loop.isClosed(), false);
});

Deno.test("EventLoopTestsMixin.test_close: every scheduling call on a closed loop throws", async () => {
  const loop = vloop();
  loop.close();
  const func = () => false;
  await assert.rejects(loop.runForever(), /closed/);
  await assert.rejects(loop.runUntilComplete(loop.createFuture()), /closed/);
  assert.throws(() => loop.callSoon(func), /closed/);
  assert.throws(() => loop.callSoonThreadsafe(func), /closed/);
  assert.throws(() => loop.callLater(1000, func), /closed/);
  assert.throws(() => loop.callAt(loop.time(), func), /closed/);
  assert.throws(() => new Task(async () => {}, { loop }), /closed/);
});

Deno.test("base_events.close(): pending callbacks and timers are dropped", async () => {
  const loop = vloop();
  const ran: string[] = [];
  loop.callSoon(() => ran.push("soon"));
  loop.callLater(10, () => ran.push("later"));
  loop.close();
  await new Promise((r) => setTimeout(r, 1));
  assert.deepEqual(ran, []);
});

Deno.test("base_events._run_once: callSoon runs FIFO", async () => {
  using loop = vloop();
  const out: number[] = [];
  for (let i = 0; i < 5; i++) loop.callSoon((n: number) => out.push(n), i);
  await runBriefly(loop);
  assert.deepEqual(out, [0, 1, 2, 3, 4]);
});

Deno.test("base_events._run_once: equal deadlines run in scheduling order (documented)", async () => {
  using loop = vloop();
  const out: string[] = [];
  loop.callLater(50, () => out.push("a"));
  loop.callAt(50, () => out.push("b"));
  loop.callLater(50, () => out.push("c"));
  loop.callLater(60, () => loop.stop());
  await loop.runForever();
  assert.deepEqual(out, ["a", "b", "c"]);
});

Deno.test("base_events._run_once: timers due run after the callbacks already ready", async () => {
  using loop = vloop();
  const out: string[] = [];
  loop.callLater(0, () => out.push("timer"));
  loop.callSoon(() => out.push("soon"));
  await runBriefly(loop);
  assert.deepEqual(out, ["soon", "timer"]);
});

Deno.test("base_events._run_once: a callback scheduled in a tick runs in the next", async () => {
  using loop = vloop();
  const out: string[] = [];
  loop.callSoon(() => {
    out.push("a");
    loop.callSoon(() => out.push("c"));
  });
  loop.callSoon(() => out.push("b"));
  await runBriefly(loop);
  assert.deepEqual(out, ["a", "b"]);
  await runBriefly(loop);
  assert.deepEqual(out, ["a", "b", "c"]);
});

Deno.test("base_events.stop(): stop() in a callback finishes the tick, then returns", async () => {
  using loop = vloop();
  const out: string[] = [];
  loop.callSoon(() => {
    out.push("a");
    loop.stop();
    loop.callSoon(() => out.push("next tick"));
  });
  loop.callSoon(() => out.push("b"));
  loop.callLater(0, () => out.push("timer"));
  await loop.runForever();
  assert.deepEqual(out, ["a", "b", "timer"]);
  assert.equal(loop.isRunning(), false);
  await runBriefly(loop);
  assert.deepEqual(out, ["a", "b", "timer", "next tick"]);
});

Deno.test("base_events.stop(): stop() twice is one stop; the next run goes on", async () => {
  using loop = vloop();
  const out: string[] = [];
  loop.callSoon(() => {
    loop.stop();
    loop.stop();
  });
  await loop.runForever();
  loop.callSoon(() => out.push("x"));
  loop.callLater(10, () => {
    out.push("y");
    loop.stop();
  });
  await loop.runForever();
  assert.deepEqual(out, ["x", "y"]);
  assert.equal(loop.time(), 10);
});

Deno.test("base_events.call_at(): a deadline in the past runs in the next tick", async () => {
  using loop = new EventLoop({ clock: new VirtualClock(1000) });
  const out: string[] = [];
  loop.callAt(5, () => out.push("past"));
  await runBriefly(loop);
  assert.deepEqual(out, ["past"]);
  assert.equal(loop.time(), 1000);
});

Deno.test("base_events: a cancelled TimerHandle never runs and the clock does not jump to it", async () => {
  using loop = vloop();
  const out: string[] = [];
  const h = loop.callLater(10, () => out.push("x"));
  loop.callLater(20, () => {
    out.push("y");
    loop.stop();
  });
  loop.callLater(5, () => h.cancel());
  await loop.runForever();
  assert.deepEqual(out, ["y"]);
  assert.equal(h.cancelled(), true);
  assert.equal(loop.time(), 20);
});

Deno.test("base_events: cancelling a handle from an earlier callback of the same tick", async () => {
  using loop = vloop();
  const out: string[] = [];
  // deno-lint-ignore prefer-const
  let h2: { cancel(): void };
  loop.callSoon(() => {
    out.push("1");
    h2.cancel();
  });
  h2 = loop.callSoon(() => out.push("2"));
  await runBriefly(loop);
  assert.deepEqual(out, ["1"]);
});

Deno.test("GetEventLoopTestsMixin.test_get_event_loop_returns_running_loop: get*Loop() inside and outside", async () => {
  using loop = newEventLoop({ clock: new VirtualClock() });
  assert.throws(() => getRunningLoop(), /no running/);
  const t = new Task(async () => {
    assert.equal(getEventLoop(), loop);
    assert.equal(getRunningLoop(), loop);
  }, { loop });
  await loop.runUntilComplete(t);
  assert.throws(() => getRunningLoop(), /no running/);
});

Deno.test("PolicyTests.test_set_event_loop / test_get_event_loop_after_set_none (documented: a new loop is made)", () => {
  using loop = newEventLoop();
  setEventLoop(loop);
  try {
    assert.equal(getEventLoop(), loop);
  } finally {
    setEventLoop(null);
  }
  // asyncio 3.14 raises RuntimeError here; aio's getEventLoop(): "else a
  // new loop that becomes the set one".
  const made = getEventLoop();
  try {
    assert.notEqual(made, loop);
    assert.equal(getEventLoop(), made);
  } finally {
    setEventLoop(null);
    made.close();
  }
});
