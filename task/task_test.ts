import assert from "node:assert/strict";
import {
  EventLoop,
  type ExceptionContext,
  getRunningLoop,
} from "../loop/mod.ts";
import { run } from "./mod.ts";
import {
  allTasks,
  CancelledError,
  createTask,
  currentTask,
  Future,
  sleep,
  Task,
} from "./mod.ts";
import { vrun } from "./_test_util.ts";

Deno.test("Task schedules its first step instead of running eagerly", async () => {
  using loop = new EventLoop();
  const out: string[] = [];
  const t = new Task(() => {
    out.push("task");
    return 1;
  }, { loop });
  out.push("created");
  loop.callSoon(() => out.push("callback scheduled after"));
  assert.equal(await loop.runUntilComplete(t), 1);
  assert.deepEqual(out, ["created", "task", "callback scheduled after"]);
});

Deno.test("Task names default to Task-N and can be given", async () => {
  using loop = new EventLoop();
  const a = new Task(async () => {}, { loop });
  const b = new Task(async () => {}, { loop });
  const c = new Task(async () => {}, { loop, name: "worker" });
  const na = Number(a.name.slice(5));
  assert.match(a.name, /^Task-\d+$/);
  assert.equal(b.name, `Task-${na + 1}`);
  assert.equal(c.name, "worker");
  assert.equal(String(c), "Task(worker, pending)");
  await loop.runUntilComplete(c);
  assert.equal(String(c), "Task(worker, done)");
  await loop.runUntilComplete(b);
});

Deno.test("Task rejects a target that is neither a function nor a promise", () => {
  using loop = new EventLoop();
  assert.throws(
    // deno-lint-ignore no-explicit-any
    () => new Task(42 as any, { loop }),
    /expected an async function or a promise/,
  );
});

Deno.test("Task.cancel() throws CancelledError at the wait, with the message, and finally runs", async () => {
  const events = await vrun(async () => {
    const events: string[] = [];
    const t = createTask(async () => {
      try {
        events.push("start");
        await sleep(1000);
        events.push("not reached");
      } catch (e) {
        events.push(`caught ${(e as Error).name}: ${(e as Error).message}`);
        throw e;
      } finally {
        events.push("finally");
      }
    });
    await sleep(10);
    assert.equal(t.cancel("stop now"), true);
    await assert.rejects(
      t,
      (e) => e instanceof CancelledError && e.message === "stop now",
    );
    assert.ok(t.cancelled());
    assert.equal(t.cancel(), false);
    events.push(`at ${getRunningLoop().time()}`);
    return events;
  });
  assert.deepEqual(events, [
    "start",
    "caught CancelledError: stop now",
    "finally",
    "at 10",
  ]);
});

Deno.test("A task that catches CancelledError and returns ends normally", async () => {
  const result = await vrun(async () => {
    const t = createTask(async () => {
      try {
        await sleep(1000);
        return "slept";
      } catch (e) {
        if (e instanceof CancelledError) return "handled";
        throw e;
      }
    });
    await sleep(1);
    t.cancel();
    return [await t, t.cancelled(), t.cancelling()];
  });
  assert.deepEqual(result, ["handled", false, 1]);
});

Deno.test("Task.cancel() twice before delivery counts in cancelling(), and uncancel() takes one back", async () => {
  await vrun(async () => {
    const t = createTask(async () => {
      await sleep(5);
    });
    await sleep(1);
    assert.equal(t.cancel(), true);
    assert.equal(t.cancel(), true);
    assert.equal(t.cancelling(), 2);
    assert.equal(t.uncancel(), 1);
    await assert.rejects(t, CancelledError);
    assert.equal(t.uncancel(), 0);
    assert.equal(t.uncancel(), 0);
  });
});

Deno.test("Task cancelled before its first step never runs its function", async () => {
  await vrun(async () => {
    let ran = false;
    const t = createTask(async () => {
      ran = true;
    });
    t.cancel();
    await assert.rejects(t, CancelledError);
    assert.equal(ran, false);
  });
});

Deno.test("A task that returns before its pending cancellation reaches a wait ends with its value", async () => {
  await vrun(async () => {
    const t = createTask(async () => {
      await Promise.resolve(); // a native await is not a library wait
      currentTask()!.cancel("self");
      return "value";
    });
    assert.equal(await t, "value");
    assert.equal(t.cancelled(), false);
    assert.equal(t.cancelling(), 1);
    assert.ok(t.signal.aborted);
  });
});

Deno.test("A task woken by a future and cancelled before it resumes keeps the value", async () => {
  await vrun(async () => {
    const loop = getRunningLoop();
    const f = new Future<number>(loop);
    const t = createTask(() => f);
    await sleep(0);
    f.setResult(7); // wakes t in the next tick
    t.cancel(); // before it resumed
    assert.equal(await t, 7);
  });
});

Deno.test("A task blocked on a native promise gets its signal aborted at once and CancelledError at its next wait", async () => {
  const events = await vrun(async () => {
    const events: string[] = [];
    let release!: () => void;
    const native = new Promise<void>((r) => (release = r));
    const t = createTask(async (signal: AbortSignal) => {
      signal.addEventListener("abort", () => {
        events.push(`abort: ${(signal.reason as Error).name}`);
      });
      await native;
      events.push("native done");
      try {
        await sleep(10);
        events.push("not reached");
      } catch (e) {
        events.push(`next wait: ${(e as Error).name}`);
        throw e;
      }
    });
    await sleep(1);
    t.cancel();
    events.push("cancel called");
    release();
    await assert.rejects(t, CancelledError);
    return events;
  });
  assert.deepEqual(events, [
    "abort: CancelledError",
    "cancel called",
    "native done",
    "next wait: CancelledError",
  ]);
});

Deno.test("Cancelling a task that awaits another task cancels the inner task too", async () => {
  await vrun(async () => {
    const inner = createTask(async () => {
      await sleep(1000);
    });
    const outer = createTask(async () => {
      await inner;
    });
    await sleep(1);
    outer.cancel();
    await assert.rejects(outer, CancelledError);
    assert.ok(inner.cancelled());
  });
});

Deno.test("Task.signal is aborted with a CancelledError and is created lazily", async () => {
  await vrun(async () => {
    const t = createTask(async () => {
      await sleep(100);
    });
    await sleep(1);
    t.cancel("m");
    // Read after the cancel: the lazily created signal is already aborted.
    assert.ok(t.signal.aborted);
    assert.ok(t.signal.reason instanceof CancelledError);
    assert.equal((t.signal.reason as Error).message, "m");
    await assert.rejects(t, CancelledError);
  });
});

Deno.test("Tasks resumed in one tick run to their next wait before the next tick", async () => {
  const log = await vrun(async () => {
    const log: string[] = [];
    const worker = (name: string) => async () => {
      for (let i = 0; i < 3; i++) {
        log.push(`${name}${i}`);
        await Promise.resolve(); // native awaits stay inside the step
        await null;
        log.push(`${name}${i}'`);
        await sleep(0);
      }
    };
    const a = createTask(worker("a"));
    const b = createTask(worker("b"));
    const ticker = createTask(async () => {
      for (let i = 0; i < 3; i++) {
        log.push(`tick${i}`);
        await sleep(0);
      }
    });
    await a;
    await b;
    await ticker;
    return log;
  });
  // Tick 1 starts a, b and ticker; a and b reach sleep(0) only after their
  // native awaits, so ticker's wake-up (scheduled synchronously) comes first
  // in tick 2. No line of tick N+1 appears before a line of tick N.
  assert.deepEqual(log, [
    "a0",
    "b0",
    "tick0",
    "a0'",
    "b0'",
    "tick1",
    "a1",
    "b1",
    "a1'",
    "b1'",
    "tick2",
    "a2",
    "b2",
    "a2'",
    "b2'",
  ]);
});

Deno.test("sleep(0) yields exactly one tick", async () => {
  const log = await vrun(async () => {
    const log: string[] = [];
    const loop = getRunningLoop();
    loop.callSoon(() => {
      log.push("tick 1");
      loop.callSoon(() => log.push("tick 2"));
    });
    log.push("before");
    await sleep(0);
    log.push("after");
    return log;
  });
  // main runs in tick 1 ahead of the callback; sleep(0) resumes it in tick 2,
  // before tick 2's callback scheduled later.
  assert.deepEqual(log, ["before", "tick 1", "after", "tick 2"]);
});

Deno.test("currentTask() follows a task across native awaits, host timers included", async () => {
  await vrun(async () => {
    const me = currentTask();
    assert.ok(me instanceof Task);
    assert.equal(me.name, "main");
    const child: Task<boolean> = createTask(async (): Promise<boolean> => {
      await new Promise((r) => setTimeout(r, 1));
      await Promise.resolve();
      // Compare here: returning a Task from an async function would adopt it.
      return currentTask() === child;
    });
    assert.equal(await child, true);
    assert.equal(currentTask(), me);
  });
  getRunningLoopOutsideIsNone();
});

function getRunningLoopOutsideIsNone(): void {
  assert.equal(currentTask(), undefined);
}

Deno.test("A task that waited on a host promise is still cancellable at its next library wait", async () => {
  // Real clock: a virtual clock would jump over the host timer.
  await run(async () => {
    const child = createTask(async () => {
      await new Promise((r) => setTimeout(r, 1));
      await sleep(60_000);
    });
    for (let i = 0; i < 1000 && child.pendingWaits().length === 0; i++) {
      await new Promise((r) => setTimeout(r, 1));
    }
    assert.deepEqual(child.pendingWaits().map((w) => w.future.label), [
      "sleep(60000)",
    ]);
    child.cancel();
    await assert.rejects(child, CancelledError);
  }, { handleSigint: false });
});

Deno.test("allTasks() lists unfinished tasks, and a dropped task still runs to completion", async () => {
  await vrun(async () => {
    let finished = false;
    createTask(async () => {
      await sleep(50);
      finished = true;
    }, { name: "dropped" });
    const names = [...allTasks()].map((t) => t.name).sort();
    assert.deepEqual(names, ["dropped", "main"]);
    await sleep(100);
    assert.ok(finished);
    assert.deepEqual([...allTasks()].map((t) => t.name), ["main"]);
  });
});

Deno.test("A task exception nobody retrieved is reported when the loop closes, with the creation site in debug mode", async () => {
  const loop = new EventLoop({ debug: true });
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, c) => seen.push(c));
  const t = new Task(async () => {
    throw new Error("nobody looked");
  }, { loop, name: "careless" });
  const ok = new Task(async () => {
    throw new Error("looked");
  }, { loop });
  await assert.rejects(loop.runUntilComplete(ok), /looked/);
  assert.ok(t.done());
  loop.close();
  assert.equal(seen.length, 1);
  assert.match(
    seen[0]!.message,
    /Task exception was never retrieved: Task\(careless, failed\)/,
  );
  assert.equal((seen[0]!.exception as Error).message, "nobody looked");
  assert.match(String(seen[0]!.source), /task_test\.ts/);
});

Deno.test("A task still pending when the loop closes is reported", async () => {
  const loop = new EventLoop();
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, c) => seen.push(c));
  const f = new Future<void>(loop);
  const t = new Task(async () => {
    await f;
  }, { loop, name: "stuck" });
  loop.stop();
  await loop.runForever();
  loop.close();
  assert.equal(seen.length, 1);
  assert.match(
    seen[0]!.message,
    /Task was destroyed but it is pending: Task\(stuck, pending\)/,
  );
  assert.equal(seen[0]!.task, t);
});

Deno.test("A task of a bare promise stops waiting when cancelled", async () => {
  using loop = new EventLoop();
  let resolve!: (v: number) => void;
  const p = new Promise<number>((r) => (resolve = r));
  const t = new Task(p, { loop });
  loop.callSoon(() => loop.callSoon(() => t.cancel()));
  await assert.rejects(loop.runUntilComplete(t), CancelledError);
  resolve(1);
  const u = new Task(Promise.resolve(7), { loop });
  assert.equal(await loop.runUntilComplete(u), 7);
});

Deno.test("Task does not support setResult() or setException()", async () => {
  using loop = new EventLoop();
  const t = new Task(async () => 1, { loop });
  assert.throws(() => t.setResult(2), /Task does not support setResult/);
  assert.throws(
    () => t.setException(new Error()),
    /Task does not support setException/,
  );
  await loop.runUntilComplete(t);
});

Deno.test("createTask() needs a running loop", () => {
  assert.throws(() => createTask(async () => {}), /no running event loop/);
});

Deno.test("Task.uncancel() to zero gives the task a fresh signal", async () => {
  await vrun(async () => {
    const me = currentTask()!;
    const first = me.signal;
    me.cancel();
    assert.ok(first.aborted);
    await assert.rejects(sleep(1), CancelledError);
    assert.equal(me.uncancel(), 0);
    assert.ok(first.aborted);
    assert.notEqual(me.signal, first);
    assert.equal(me.signal.aborted, false);
  });
});

Deno.test("Debug mode reports a task step that blocks the loop, with the task's name", async () => {
  const warnings: string[] = [];
  const original = console.warn;
  console.warn = (...a: unknown[]) => warnings.push(a.join(" "));
  try {
    using loop = new EventLoop({ debug: true, slowCallbackMs: 20 });
    const f = new Future<void>(loop);
    const hog = new Task(async () => {
      await f;
      const until = performance.now() + 30;
      while (performance.now() < until) {
        // a step that never yields
      }
    }, { loop, name: "hog" });
    loop.callSoon(() => loop.callSoon(() => f.setResult()));
    await loop.runUntilComplete(hog);
  } finally {
    console.warn = original;
  }
  assert.ok(
    warnings.some((w) =>
      /^Executing step of Task\(hog, \w+\) took \d+\.\d{3} ms$/.test(w)
    ),
    warnings.join("\n"),
  );
});
