/**
 * User port 14: tracing the scheduler's loop with an `EventLoop` subclass
 * (overridden `callSoon` / `callLater` / `callAt` that count and wrap the
 * callbacks), the exception handler, and debug mode's slow-callback report.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  EventLoop,
  type ExceptionContext,
  type Handle,
  type TimerHandle,
  VirtualClock,
} from "@aio/asyncio/loop";
import { createTask, sleep, Task, timeout } from "@aio/asyncio/task";
import { Lock, Queue } from "@aio/asyncio/sync";

/** Counts and wraps every callback scheduled on it, by the callback's name. */
class TracingLoop extends EventLoop {
  scheduled: string[] = [];
  ran: string[] = [];
  override callSoon<A extends unknown[]>(
    cb: (...args: A) => unknown,
    ...args: A
  ): Handle {
    const name = cb.name || "<anonymous>";
    this.scheduled.push(`soon:${name}`);
    const ran = this.ran;
    return super.callSoon(function traced(...a: A) {
      ran.push(name);
      return cb(...a);
    }, ...args);
  }
  override callLater<A extends unknown[]>(
    delay: number,
    cb: (...args: A) => unknown,
    ...args: A
  ): TimerHandle {
    this.scheduled.push(`later(${delay}):${cb.name || "<anonymous>"}`);
    return super.callLater(delay, cb, ...args);
  }
  override callAt<A extends unknown[]>(
    when: number,
    cb: (...args: A) => unknown,
    ...args: A
  ): TimerHandle {
    this.scheduled.push(`at(${when}):${cb.name || "<anonymous>"}`);
    return super.callAt(when, cb, ...args);
  }
}

Deno.test("tracing: a callSoon/callLater/callAt override sees task starts, sleeps, timeouts and done callbacks, and wrapping keeps the program right", async () => {
  using loop = new TracingLoop({ clock: new VirtualClock() });
  const main = new Task(async () => {
    const child = createTask(async () => {
      await sleep(5);
      return 2;
    }, { name: "child" });
    child.addDoneCallback(function childDone() {});
    await sleep(0);
    await timeout(100, () => sleep(10));
    return 20 + await child;
  }, { loop, name: "main" });
  main.addDoneCallback(function mainDone() {});
  assert.equal(await loop.runUntilComplete(main), 22);
  loop.callSoon(function stopper() {
    loop.stop();
  });
  await loop.runForever();

  // The two task starts, sleep(0) as a soon-callback, sleep(5/10) and the
  // timeout as timers, done callbacks as soon-callbacks, all seen.
  const s = loop.scheduled;
  assert.equal(s.filter((x) => x === "soon:startTask").length, 2);
  assert.ok(s.includes("later(5):wakeSleeper"));
  assert.ok(s.includes("later(10):wakeSleeper"));
  assert.ok(s.some((x) => /^at\(\d+\):/.test(x)), "timeout() uses callAt");
  assert.ok(s.includes("soon:wakeSleeper")); // sleep(0)
  // Every soon-callback scheduled ran, through the wrapper, in order.
  assert.deepEqual(
    loop.ran,
    s.filter((x) => x.startsWith("soon:")).map((x) => x.slice(5)),
  );
});

Deno.test("tracing: wrapped callSoon under a queue + lock pipeline: results unchanged, every scheduled callback ran exactly once", async () => {
  using loop = new TracingLoop({ clock: new VirtualClock() });
  const main = new Task(async () => {
    const q = new Queue<number>(2);
    const lock = new Lock();
    const out: number[] = [];
    const prod = createTask(async () => {
      for (let i = 0; i < 50; i++) await q.put(i);
      q.shutdown();
    });
    const consumers = [0, 1, 2].map((c) =>
      createTask(async () => {
        for await (const x of q) {
          using _ = await lock.lock();
          await sleep(c); // hold the lock across a wait
          out.push(x);
        }
      })
    );
    await Promise.all([prod, ...consumers]);
    return out;
  }, { loop });
  const out = await loop.runUntilComplete(main);
  assert.deepEqual([...out].sort((a, b) => a - b), [...Array(50).keys()]);
  const soon = loop.scheduled.filter((x) => x.startsWith("soon:"));
  assert.equal(loop.ran.length, soon.length);
  assert.equal(soon.filter((x) => x === "soon:startTask").length, 5);
});

// asyncio passes the failed task as context["future"]; aio does not keep a
// failed task alive for its report (made when it is collected, or at
// close()), so the report names it in its message.
Deno.test("tracing: the exception handler gets a throwing callback (with its handle) and a never-retrieved task failure (at close)", async () => {
  const loop = new EventLoop({ clock: new VirtualClock() });
  const reports: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => reports.push(ctx));
  const main = new Task(async () => {
    createTask(async () => {
      throw new RangeError("never retrieved");
    }, { name: "orphan" });
    loop.callSoon(function thrower() {
      throw new TypeError("callback boom");
    });
    await sleep(0);
    await sleep(0);
  }, { loop });
  await loop.runUntilComplete(main);
  assert.equal(reports.length, 1);
  assert.equal(reports[0]!.handle?.callbackName, "thrower");
  assert.ok(reports[0]!.exception instanceof TypeError);
  loop.close();
  assert.equal(reports.length, 2);
  assert.ok(reports[1]!.exception instanceof RangeError);
  assert.equal(
    reports[1]!.message,
    "Task exception was never retrieved: Task(orphan, failed)",
  );
});

Deno.test("tracing: debug mode warns (console.warn) of a slow callback and a slow task step, by real time; a VirtualClock jump inside a callback is not slow", async () => {
  const clock = new VirtualClock();
  using loop = new EventLoop({ clock, debug: true, slowCallbackMs: 30 });
  const warned: string[] = [];
  const original = console.warn;
  console.warn = (...a: unknown[]) => warned.push(a.join(" "));
  const busy = (ms: number) => {
    const end = performance.now() + ms;
    while (performance.now() < end) { /* spin */ }
  };
  try {
    const main = new Task(async () => {
      loop.callSoon(function jumpsVirtualTime() {
        clock.advance(1_000);
      });
      loop.callSoon(function spins() {
        busy(40);
      });
      await sleep(0);
      busy(40); // a slow step of this task
      await sleep(0);
    }, { loop, name: "stepper" });
    await loop.runUntilComplete(main);
  } finally {
    console.warn = original;
  }
  // Other callbacks may run slow on a loaded machine: only these are
  // asserted, in their order.
  const ours = warned.filter((w) =>
    /Handle\((spins|jumpsVirtualTime)\)|step of Task\(stepper/.test(w)
  );
  assert.equal(ours.length, 2, warned.join("\n"));
  assert.match(ours[0]!, /^Executing Handle\(spins\) took \d+\.\d+ ms$/);
  assert.match(ours[1]!, /step of Task\(stepper/);
});

Deno.test("tracing: patching the running loop's callSoon from main (without run()'s loopFactory) sees the jobs' callbacks", async () => {
  const { getRunningLoop } = await import("@aio/asyncio/loop");
  const { run } = await import("@aio/asyncio/task");
  const seen = await run(async () => {
    const loop = getRunningLoop();
    const seen: string[] = [];
    const base = loop.callSoon.bind(loop);
    loop.callSoon = ((cb: (...a: unknown[]) => unknown, ...args: unknown[]) => {
      seen.push(cb.name || "<anonymous>");
      return base(cb, ...args);
    }) as typeof loop.callSoon;
    const job = createTask(async () => {
      await sleep(0);
      return 1;
    });
    job.addDoneCallback(function jobDone() {});
    await job;
    return seen;
  }, { clock: new VirtualClock() });
  assert.ok(seen.includes("startTask"), seen.join());
  assert.ok(seen.includes("wakeSleeper"), seen.join());
  assert.ok(seen.includes("runCallbacks"), seen.join());
});
