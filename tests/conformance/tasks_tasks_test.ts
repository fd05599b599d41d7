/**
 * Ports of the cancel, wait, as_completed, shield and gather cases of
 * CPython's Lib/test/test_asyncio/test_tasks.py to aio. CPython's
 * `test_utils.run_briefly(loop)` becomes `await sleep(0)` in a driving task
 * (one tick); its scripted test clock becomes a `VirtualClock`.
 */
import assert from "node:assert/strict";
import {
  asCompleted,
  CancelledError,
  createTask,
  currentTask,
  type Future,
  gather,
  getRunningLoop,
  shield,
  sleep,
  type Task,
  TimeoutError,
  wait,
} from "@aio/asyncio";
import {
  caught,
  newFuture,
  now,
  RuntimeError,
  vrun,
  ZeroDivisionError,
} from "./tasks_util.ts";

// ---------------------------------------------------------------- cancel

Deno.test("test_cancel: cancelled from a loop callback", async () => {
  await vrun(async () => {
    const t = createTask(async () => {
      await sleep(10_000);
      return 12;
    });
    getRunningLoop().callSoon(() => t.cancel());
    await assert.rejects(t, CancelledError);
    assert.ok(t.done());
    assert.ok(t.cancelled());
    assert.equal(t.cancel(), false);
  });
});

Deno.test("test_cancelling: cancel() counts", async () => {
  await vrun(async () => {
    const t = createTask(() => sleep(10_000));
    assert.equal(t.cancelling(), 0);
    assert.equal(t.cancel(), true);
    assert.equal(t.cancelling(), 1);
    assert.equal(t.cancel(), true);
    assert.equal(t.cancelling(), 2);
    await assert.rejects(t, CancelledError);
  });
});

Deno.test("test_uncancel: a task that uncancels goes on, and can be cancelled again", async () => {
  await vrun(async () => {
    let secondSleepCancelled = false;
    const t = createTask(async () => {
      try {
        await sleep(10_000);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        currentTask()!.uncancel();
        try {
          await sleep(10_000);
        } catch (e2) {
          secondSleepCancelled = e2 instanceof CancelledError;
          throw e2;
        }
      }
    });
    await sleep(10);
    assert.ok(t.cancel());
    assert.equal(t.cancelling(), 1);
    await sleep(10);
    assert.equal(t.cancelling(), 0);
    assert.ok(t.cancel());
    await assert.rejects(t, CancelledError);
    assert.ok(secondSleepCancelled);
  });
});

Deno.test("test_cancel_with_message_then_future_result / _exception: the message round-trips", async () => {
  await vrun(async () => {
    for (const msg of [undefined, "my message"]) {
      const task = createTask(() => sleep(10_000));
      await sleep(0);
      task.cancel(msg);
      await wait([task]);
      const e1 = await caught(() => task.result());
      assert.ok(e1 instanceof CancelledError);
      assert.equal(e1.message, msg ?? "");
      const e2 = await caught(() => task.exception());
      assert.ok(e2 instanceof CancelledError);
      assert.equal(e2.message, msg ?? "");
    }
  });
});

Deno.test("test_cancel_with_message_before_starting_task", async () => {
  await vrun(async () => {
    let ran = false;
    const task = createTask(async () => {
      ran = true;
      await sleep(10_000);
    });
    task.cancel("my message");
    await wait([task]);
    const e = await caught(() => task.exception());
    assert.ok(e instanceof CancelledError);
    assert.equal(e.message, "my message");
    assert.equal(ran, false);
  });
});

Deno.test("test_cancellation_exception_context: message of the awaited task's cancellation", async () => {
  await vrun(async () => {
    const fut = newFuture<void>();
    const innerTask = createTask(async () => {
      fut.setResult();
      await sleep(10_000);
    });
    await fut;
    getRunningLoop().callSoon(() => innerTask.cancel("msg"));
    const e = await caught(() => innerTask);
    assert.ok(e instanceof CancelledError);
    assert.equal(e.message, "msg");
  });
});

Deno.test("test_cancel_yield: cancelled between two sleep(0)", async () => {
  await vrun(async () => {
    const t = createTask(async () => {
      await sleep(0);
      await sleep(0);
      return 12;
    });
    await sleep(0); // start the task
    t.cancel();
    await assert.rejects(t, CancelledError);
    assert.ok(t.cancelled());
    assert.equal(t.cancel(), false);
  });
});

Deno.test("test_cancel_inner_future: cancelling the awaited future ends the task cancelled", async () => {
  await vrun(async () => {
    const f = newFuture<void>();
    const t = createTask(async () => {
      await f;
      return 12;
    });
    await sleep(0);
    f.cancel();
    await assert.rejects(t, CancelledError);
    assert.ok(f.cancelled());
    assert.ok(t.cancelled());
  });
});

Deno.test("test_cancel_both_task_and_inner_future", async () => {
  await vrun(async () => {
    const f = newFuture<void>();
    const t = createTask(async () => {
      await f;
      return 12;
    });
    await sleep(0);
    f.cancel();
    t.cancel();
    await assert.rejects(t, CancelledError);
    assert.ok(t.done());
    assert.ok(f.cancelled());
    assert.ok(t.cancelled());
  });
});

Deno.test("test_cancel_task_catching: a task that catches the cancel and returns", async () => {
  await vrun(async () => {
    const fut1 = newFuture<void>();
    const fut2 = newFuture<void>();
    const t = createTask(async () => {
      await fut1;
      try {
        await fut2;
      } catch (e) {
        if (e instanceof CancelledError) return 42;
        throw e;
      }
      return 0;
    });
    await sleep(0);
    fut1.setResult();
    await sleep(0);
    t.cancel();
    // CPython checks fut2.cancelled() synchronously here (the task is parked
    // on fut2 after one run_briefly). Documented difference, README "How it
    // differs from asyncio": "Tasks resumed in the same tick interleave at
    // their `await`s": t, resumed in the same tick as this code, may not
    // have reached `await fut2` yet; the cancel stays pending and cancels
    // fut2 there.
    assert.equal(await t, 42);
    assert.ok(fut2.cancelled());
    assert.equal(t.cancelled(), false);
  });
});

Deno.test("test_cancel_task_ignoring: a task that ignores the cancel goes on", async () => {
  await vrun(async () => {
    const fut1 = newFuture<void>();
    const fut2 = newFuture<void>();
    const fut3 = newFuture<number>();
    const t = createTask(async () => {
      await fut1;
      try {
        await fut2;
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      return await fut3;
    });
    await sleep(0);
    fut1.setResult();
    await sleep(0);
    t.cancel(); // interleaving: see test_cancel_task_catching
    await sleep(0);
    await sleep(0);
    assert.ok(fut2.cancelled());
    fut3.setResult(42);
    assert.equal(await t, 42);
    assert.equal(fut3.cancelled(), false);
    assert.equal(t.cancelled(), false);
  });
});

Deno.test("test_cancel_current_task: the next sleep is cancelled at once", async () => {
  await vrun(async () => {
    const t: Task<number> = createTask(async () => {
      t.cancel();
      await sleep(100_000);
      return 12;
    });
    await assert.rejects(t, CancelledError);
    assert.ok(t.cancelled());
    assert.equal(now(), 0);
    assert.equal(t.cancel(), false);
  });
});

// CPython: a task that cancels itself and returns before any await ends
// cancelled. Documented difference, README "How it differs from asyncio":
// "A task that returns before a pending cancellation reaches such a wait
// ends with its value".
Deno.test("test_cancel_at_end: a self-cancelled task that returns keeps its value (documented)", async () => {
  await vrun(async () => {
    const t: Task<number> = createTask(async () => {
      t.cancel();
      return 12;
    });
    assert.equal(await t, 12); // CPython: CancelledError
    assert.equal(t.cancelled(), false); // CPython: True
    assert.equal(t.cancel(), false);
  });
});

Deno.test("test_cancel_awaited_task: a self-cancel reaches the task it then awaits", async () => {
  await vrun(async () => {
    const fut = newFuture<void>();
    let nested!: Task<void>;
    const task: Task<void> = createTask(async () => {
      nested = createTask(async () => {
        await fut;
      });
      await sleep(0);
      task.cancel();
      await nested;
    });
    await assert.rejects(task, CancelledError);
    assert.ok(task.cancelled());
    assert.ok(nested.cancelled());
    assert.ok(fut.cancelled());
  });
});

Deno.test("test_task_cancel_sleeping_task", async () => {
  await vrun(async () => {
    const sleeper = createTask(() => sleep(5_000_000));
    getRunningLoop().callLater(100, () => sleeper.cancel());
    let outcome: string;
    try {
      await sleeper;
      outcome = "slept in";
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      outcome = "cancelled";
    }
    assert.equal(outcome, "cancelled");
    assert.equal(now(), 100);
  });
});

Deno.test("test_task_cancel_waiter_future", async () => {
  await vrun(async () => {
    const fut = newFuture<void>();
    const task = createTask(async () => {
      await fut;
    });
    await sleep(0);
    assert.deepEqual(task.pendingWaits().map((w) => w.future), [fut]);
    task.cancel();
    await sleep(0);
    await assert.rejects(task, CancelledError);
    assert.deepEqual(task.pendingWaits(), []);
    assert.ok(fut.cancelled());
  });
});

Deno.test("test_task_set_methods: a task refuses setResult/setException", async () => {
  await vrun(async () => {
    const task = createTask(async () => "ko");
    assert.throws(() => task.setResult("ok"), Error);
    assert.throws(() => task.setException(new Error()), Error);
    assert.equal(await task, "ko");
  });
});

Deno.test("test_yield_future_passes_cancel: outer -> inner -> waiter", async () => {
  await vrun(async () => {
    let proof = 0;
    const waiter = newFuture<void>();
    const inner = async () => {
      try {
        await waiter;
      } catch (e) {
        if (e instanceof CancelledError) proof += 1;
        throw e;
      }
      assert.fail("got past the waiter");
    };
    const f = createTask(async () => {
      try {
        await inner();
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        proof += 100;
        return;
      }
      proof += 10;
    });
    await sleep(0);
    f.cancel();
    await f;
    assert.equal(proof, 101);
    assert.ok(waiter.cancelled());
  });
});

Deno.test("test_yield_wait_does_not_shield_cancel: wait() ends early, its input runs on", async () => {
  await vrun(async () => {
    let proof = 0;
    const waiter = newFuture<void>();
    const f = createTask(async () => {
      await wait([createTask(async () => {
        await waiter;
        proof += 1;
      })]);
      proof += 100;
    });
    await sleep(0);
    f.cancel();
    await assert.rejects(f, CancelledError);
    waiter.setResult();
    await sleep(0);
    await sleep(0);
    assert.equal(proof, 1);
  });
});

// ------------------------------------------------------------------ wait

Deno.test("test_wait: ALL_COMPLETED, twice", async () => {
  await vrun(async () => {
    const a = createTask(() => sleep(100));
    const b = createTask(() => sleep(150));
    const foo = async () => {
      const { done, pending } = await wait([b, a]);
      assert.deepEqual(done, new Set([a, b]));
      assert.deepEqual(pending, new Set());
      return 42;
    };
    assert.equal(await createTask(foo), 42);
    assert.equal(now(), 150);
    assert.equal(await createTask(foo), 42);
    assert.equal(now(), 150);
  });
});

Deno.test("test_wait_duplicate_coroutines: duplicates merged", async () => {
  await vrun(async () => {
    const c = createTask(async () => "test");
    const { done, pending } = await wait([
      c,
      c,
      createTask(async () => "spam"),
    ]);
    assert.equal(pending.size, 0);
    assert.deepEqual(
      new Set([...done].map((f) => f.result())),
      new Set(["test", "spam"]),
    );
  });
});

Deno.test("test_wait_errors / test_wait_invalid_args", async () => {
  await vrun(async () => {
    await assert.rejects(wait([]), RangeError);
    const s = createTask(() => sleep(10));
    await assert.rejects(
      // deno-lint-ignore no-explicit-any
      wait([s], { returnWhen: -1 as any }),
      RangeError,
    );
    const fut = newFuture<void>();
    // deno-lint-ignore no-explicit-any
    await assert.rejects(wait(fut as any), TypeError);
    fut.cancel();
    await s;
  });
});

Deno.test("test_wait_first_completed", async () => {
  await vrun(async () => {
    const a = createTask(() => sleep(10_000));
    const b = createTask(() => sleep(100));
    const { done, pending } = await wait([b, a], {
      returnWhen: "FIRST_COMPLETED",
    });
    assert.deepEqual(done, new Set([b]));
    assert.deepEqual(pending, new Set([a]));
    assert.equal(a.done(), false);
    assert.ok(b.done());
    assert.equal(b.result(), undefined);
    assert.equal(now(), 100);
    a.cancel();
  });
});

Deno.test("test_wait_really_done: both done in the same ticks count", async () => {
  await vrun(async () => {
    const a = createTask(async () => {
      await sleep(0);
    });
    const b = createTask(async () => {
      await sleep(0);
      await sleep(0);
    });
    const { done } = await wait([b, a], { returnWhen: "FIRST_COMPLETED" });
    assert.deepEqual(done, new Set([a, b]));
    assert.ok(a.done() && b.done());
  });
});

Deno.test("test_wait_first_exception: a task already failed", async () => {
  await vrun(async () => {
    const a = createTask(() => sleep(10_000));
    const b = createTask(async () => {
      throw new ZeroDivisionError("err");
    });
    const { done, pending } = await wait([b, a], {
      returnWhen: "FIRST_EXCEPTION",
    });
    assert.deepEqual(done, new Set([b]));
    assert.deepEqual(pending, new Set([a]));
    assert.equal(now(), 0);
    b.exception();
    a.cancel();
  });
});

Deno.test("test_wait_first_exception_in_wait", async () => {
  await vrun(async () => {
    const a = createTask(() => sleep(10_000));
    const b = createTask(async () => {
      await sleep(10);
      throw new ZeroDivisionError("err");
    });
    const { done, pending } = await wait([b, a], {
      returnWhen: "FIRST_EXCEPTION",
    });
    assert.deepEqual(done, new Set([b]));
    assert.deepEqual(pending, new Set([a]));
    assert.equal(now(), 10);
    b.exception();
    a.cancel();
  });
});

Deno.test("test_wait_with_exception: ALL_COMPLETED with a failure", async () => {
  await vrun(async () => {
    const a = createTask(() => sleep(100));
    const b = createTask(async () => {
      await sleep(150);
      throw new ZeroDivisionError("really");
    });
    const foo = async () => {
      const { done, pending } = await wait([b, a]);
      assert.equal(done.size, 2);
      assert.equal(pending.size, 0);
      assert.equal([...done].filter((f) => f.exception() != null).length, 1);
    };
    await createTask(foo);
    assert.equal(now(), 150);
    await createTask(foo);
    assert.equal(now(), 150);
  });
});

Deno.test("test_wait_with_timeout / test_wait_concurrent_complete", async () => {
  await vrun(async () => {
    const a = createTask(() => sleep(100));
    const b = createTask(() => sleep(150));
    const r1 = await wait([b, a], { timeout: 110 });
    assert.deepEqual(r1.done, new Set([a]));
    assert.deepEqual(r1.pending, new Set([b]));
    assert.equal(now(), 110);
    await b;
    const c = createTask(() => sleep(100));
    const d = createTask(() => sleep(150));
    const r2 = await wait([d, c], { timeout: 100 });
    assert.deepEqual(r2.done, new Set([c]));
    assert.deepEqual(r2.pending, new Set([d]));
    assert.equal(now(), 250);
    await d;
  });
});

Deno.test("test_wait_with_iterator_of_tasks / test_wait_generator", async () => {
  await vrun(async () => {
    const a = createTask(() => sleep(100));
    const b = createTask(() => sleep(150));
    const r = await wait([b, a][Symbol.iterator]());
    assert.deepEqual(r.done, new Set([a, b]));
    function* gen() {
      for (let i = 0; i < 10; i++) yield createTask(async () => i);
    }
    const r2 = await wait(gen(), { returnWhen: "ALL_COMPLETED" });
    assert.equal(r2.done.size, 10);
    assert.equal(r2.pending.size, 0);
  });
});

// ---------------------------------------------------------- as_completed

Deno.test("test_as_completed: completion order, plain and async iteration", async () => {
  for (const style of ["iterator", "async iterator"]) {
    await vrun(async () => {
      const sleeper = (dt: number, x: string) => async () => {
        await sleep(dt);
        return x;
      };
      const aws = [sleeper(10, "b"), sleeper(150, "c"), sleeper(10, "a")];
      const values: string[] = [];
      if (style === "iterator") {
        for (const f of asCompleted(aws)) values.push(await f);
      } else {
        // Documented: for await gives the results, not awaitables (README,
        // "Moved in 0.2").
        for await (const v of asCompleted(aws)) values.push(v);
      }
      assert.equal(now(), 150);
      assert.ok(values.slice(0, 2).includes("a"));
      assert.ok(values.slice(0, 2).includes("b"));
      assert.equal(values[2], "c");
    });
  }
});

Deno.test("test_as_completed_with_timeout: the step past the deadline throws TimeoutError", async () => {
  await vrun(async () => {
    const a = createTask(async () => (await sleep(100), "a"));
    const b = createTask(async () => (await sleep(150), "b"));
    const values: [number, unknown][] = [];
    for (const f of asCompleted([a, b], { timeout: 120 })) {
      try {
        values.push([1, await f]);
      } catch (e) {
        values.push([2, e]);
      }
    }
    assert.equal(values.length, 2);
    assert.deepEqual(values[0], [1, "a"]);
    assert.equal(values[1]![0], 2);
    assert.ok(values[1]![1] instanceof TimeoutError);
    assert.equal(now(), 120);
    await wait([a, b]);
    // async iteration: the TimeoutError ends the loop
    const c = createTask(async () => (await sleep(100), "a"));
    const d = createTask(async () => (await sleep(150), "b"));
    const got: string[] = [];
    await assert.rejects(async () => {
      for await (const v of asCompleted([c, d], { timeout: 120 })) got.push(v);
    }, TimeoutError);
    assert.deepEqual(got, ["a"]);
    await wait([c, d]);
  });
});

Deno.test("test_as_completed_with_unused_timeout", async () => {
  await vrun(async () => {
    for (
      const f of asCompleted([async () => (await sleep(10), "a")], {
        timeout: 1000,
      })
    ) {
      assert.equal(await f, "a");
    }
    await sleep(2000); // the timer is gone: nothing fires
  });
});

// Python's `for ... break` leaves the iterator open; JS's `break` calls
// return(), which ends aio's iterator (documented in asCompleted's doc:
// "Leaving the loop early (`break`) stops the timer"). The port pulls with
// next(), as Python's for does, and checks the documented break too.
Deno.test("test_as_completed_resume_iterator", async () => {
  await vrun(async () => {
    const coro = (i: number) => async () => i;
    const iterator = asCompleted([coro(0), coro(1), coro(2), coro(3)]);
    const collected: number[] = [];
    for (let i = 0; i < 2; i++) collected.push(await iterator.next().value!);
    assert.equal(collected.length, 2);
    for (let r = iterator.next(); !r.done; r = iterator.next()) {
      collected.push(await r.value);
    }
    assert.deepEqual(collected.sort(), [0, 1, 2, 3]);
    const closed = asCompleted([coro(0), coro(1)]);
    for (const f of closed) {
      await f;
      break;
    }
    assert.equal(closed.next().done, true); // documented
  });
});

Deno.test("test_as_completed_concurrent: steps awaited concurrently", async () => {
  await vrun(async () => {
    const a = async () => (await sleep(50), "a");
    const b = async () => (await sleep(50), "b");
    const futs = [...asCompleted([a, b])];
    assert.equal(futs.length, 2);
    const { done } = await wait(futs.map((f) => createTask(() => f)));
    assert.deepEqual(
      new Set([...done].map((f) => f.result())),
      new Set(["a", "b"]),
    );
  });
});

// CPython's same coroutine object given twice counts once; aio's functions
// are task factories (README: "gather() of a function given twice runs it
// twice"), so the port passes the same task twice.
Deno.test("test_as_completed_duplicate_coroutines: the same awaitable counts once", async () => {
  await vrun(async () => {
    const c = createTask(async () => "ham");
    const result: string[] = [];
    for (const f of asCompleted([c, c, createTask(async () => "spam")])) {
      result.push(await f);
    }
    assert.deepEqual(new Set(result), new Set(["ham", "spam"]));
    assert.equal(result.length, 2);
  });
});

Deno.test("test_as_completed_invalid_args: a single future is refused", async () => {
  await vrun(async () => {
    const fut = newFuture<void>();
    // deno-lint-ignore no-explicit-any
    assert.throws(() => asCompleted(fut as any).next(), TypeError);
    fut.cancel();
  });
});

// ---------------------------------------------------------------- shield

Deno.test("test_shield_result", async () => {
  await vrun(async () => {
    const inner = newFuture<number>();
    const outer = shield(inner);
    inner.setResult(42);
    assert.equal(await outer, 42);
  });
});

Deno.test("test_shield_exception", async () => {
  await vrun(async () => {
    const inner = newFuture<number>();
    const outer = shield(inner);
    await sleep(0);
    const exc = new RuntimeError("expected");
    inner.setException(exc);
    await sleep(0);
    assert.equal(outer.exception(), exc);
  });
});

Deno.test("test_shield_cancel_inner", async () => {
  await vrun(async () => {
    const inner = newFuture<number>();
    const outer = shield(inner);
    await sleep(0);
    inner.cancel();
    await sleep(0);
    assert.ok(outer.cancelled());
  });
});

Deno.test("test_shield_cancel_outer / _outer_result: no report for a result", async () => {
  await vrun(async () => {
    const reports: unknown[] = [];
    getRunningLoop().setExceptionHandler((_l, ctx) => reports.push(ctx));
    const inner = newFuture<number>();
    const outer = shield(inner);
    await sleep(0);
    outer.cancel();
    await sleep(0);
    assert.ok(outer.cancelled());
    assert.equal(inner.cancelled(), false);
    inner.setResult(1);
    await sleep(0);
    assert.deepEqual(reports, []);
  });
});

Deno.test("test_shield_cancel_outer_exception: the inner error is reported once", async () => {
  const reports: unknown[] = [];
  await vrun(async () => {
    getRunningLoop().setExceptionHandler((_l, ctx) => reports.push(ctx));
    const inner = newFuture<number>();
    const outer = shield(inner);
    await sleep(0);
    outer.cancel();
    await sleep(0);
    inner.setException(new Error("foo"));
    await sleep(0);
  });
  assert.equal(reports.length, 1);
});

Deno.test("test_shield_shortcut: a done future comes back as is", async () => {
  await vrun(async () => {
    const fut = newFuture<number>();
    fut.setResult(42);
    assert.equal(shield(fut), fut);
    assert.equal(await shield(fut), 42);
  });
});

Deno.test("test_shield_effect: cancelling the caller does not reach the shielded work", async () => {
  await vrun(async () => {
    let proof = 0;
    const waiter = newFuture<void>();
    const inner = async () => {
      await waiter;
      proof += 1;
    };
    const f = createTask(async () => {
      await shield(inner);
      proof += 100;
    });
    await sleep(0);
    f.cancel();
    await assert.rejects(f, CancelledError);
    waiter.setResult();
    await sleep(0);
    await sleep(0);
    assert.equal(proof, 1);
  });
});

Deno.test("test_shield_gather: cancelling the shield leaves the gather running", async () => {
  await vrun(async () => {
    const child1 = newFuture<number>();
    const child2 = newFuture<number>();
    const parent = gather(child1, child2);
    const outer = shield(parent);
    await sleep(0);
    outer.cancel();
    await sleep(0);
    assert.ok(outer.cancelled());
    child1.setResult(1);
    child2.setResult(2);
    await sleep(0);
    assert.deepEqual(parent.result(), [1, 2]);
  });
});

// CPython: parent.exception() is a CancelledError (cancelled() False).
// Documented difference (gather's doc): "where asyncio completes the gather
// with a `CancelledError` as its exception ... this gather ends cancelled".
Deno.test("test_gather_shield: cancelling a gather of shields cancels the shields, not the children", async () => {
  await vrun(async () => {
    const child1 = newFuture<number>();
    const child2 = newFuture<number>();
    const inner1 = shield(child1);
    const inner2 = shield(child2);
    const parent = gather(inner1, inner2);
    await sleep(0);
    parent.cancel();
    await sleep(0);
    assert.ok(parent.cancelled()); // documented; CPython: exception()
    assert.ok(inner1.cancelled());
    assert.ok(inner2.cancelled());
    assert.equal(child1.cancelled(), false);
    assert.equal(child2.cancelled(), false);
    child1.setResult(1);
    child2.setResult(2);
    await sleep(0);
  });
});

// ---------------------------------------------------------------- gather

Deno.test("test_cancel_gather_2: a gather(returnExceptions) does not swallow its caller's cancellation", async () => {
  await vrun(async () => {
    for (const msg of [undefined, "my message"]) {
      const qwe = createTask(async () => {
        let time = 0;
        while (true) {
          time += 50;
          await gather([() => sleep(50)], { returnExceptions: true });
          if (time > 1000) return;
        }
      });
      await sleep(200);
      qwe.cancel(msg);
      const e = await caught(() => qwe);
      assert.ok(e instanceof CancelledError, String(e));
      assert.equal(e.message, msg ?? "");
    }
  });
});

Deno.test("GatherTests.test_success / test_result_exception_success: results in argument order", async () => {
  await vrun(async () => {
    for (const returnExceptions of [false, true]) {
      const [a, b, c] = [
        newFuture<number>(),
        newFuture<number>(),
        newFuture<number>(),
      ];
      const fut = gather([a, b, c], { returnExceptions });
      let called = 0;
      fut.addDoneCallback(() => called++);
      b.setResult(1);
      a.setResult(2);
      await sleep(0);
      await sleep(0);
      assert.equal(called, 0);
      assert.equal(fut.done(), false);
      c.setResult(3);
      await sleep(0);
      await sleep(0);
      assert.equal(called, 1);
      assert.deepEqual(fut.result(), [2, 1, 3]);
    }
  });
});

Deno.test("GatherTests.test_one_exception: the first error fails the gather", async () => {
  await vrun(async () => {
    const [a, b, c, d, e] = Array.from(
      { length: 5 },
      () => newFuture<number>(),
    );
    const fut = gather([a!, b!, c!, d!, e!]);
    const exc = new ZeroDivisionError();
    a!.setResult(1);
    b!.setException(exc);
    await sleep(0);
    await sleep(0);
    assert.ok(fut.done());
    assert.equal(fut.exception(), exc);
    c!.setResult(3);
    d!.cancel();
    e!.setException(new RuntimeError());
    e!.exception();
  });
});

Deno.test("GatherTests.test_return_exceptions: errors in place", async () => {
  await vrun(async () => {
    const [a, b, c, d] = Array.from({ length: 4 }, () => newFuture<number>());
    const fut = gather([a!, b!, c!, d!], { returnExceptions: true });
    const exc = new ZeroDivisionError();
    const exc2 = new RuntimeError();
    b!.setResult(1);
    c!.setException(exc);
    a!.setResult(3);
    await sleep(0);
    await sleep(0);
    assert.equal(fut.done(), false);
    d!.setException(exc2);
    await sleep(0);
    await sleep(0);
    assert.deepEqual(fut.result(), [3, 1, exc, exc2]);
  });
});

// CPython: fut.cancelled() is False, fut.exception() a CancelledError.
// Documented difference (gather's doc): "this gather ends cancelled
// (`cancelled()` is true) ... Awaiting it throws `CancelledError` either way".
Deno.test("FutureGatherTests.test_one_cancellation: a cancelled child ends the gather cancelled (documented)", async () => {
  await vrun(async () => {
    const [a, b, c, d, e] = Array.from(
      { length: 5 },
      () => newFuture<number>(),
    );
    const fut = gather([a!, b!, c!, d!, e!]);
    a!.setResult(1);
    b!.cancel();
    await sleep(0);
    await sleep(0);
    assert.ok(fut.done());
    assert.ok(fut.cancelled()); // CPython: False
    await assert.rejects(fut, CancelledError);
    c!.setResult(3);
    d!.cancel();
    e!.setException(new RuntimeError());
    e!.exception();
  });
});

Deno.test("FutureGatherTests.test_result_exception_one_cancellation: CancelledErrors in place", async () => {
  await vrun(async () => {
    const fs = Array.from({ length: 6 }, () => newFuture<number>());
    const [a, b, c, d, e, f] = fs as [
      Future<number>,
      Future<number>,
      Future<number>,
      Future<number>,
      Future<number>,
      Future<number>,
    ];
    const fut = gather(fs, { returnExceptions: true });
    a.setResult(1);
    const zde = new ZeroDivisionError();
    b.setException(zde);
    c.cancel();
    await sleep(0);
    await sleep(0);
    assert.equal(fut.done(), false);
    d.setResult(3);
    e.cancel();
    const rte = new RuntimeError();
    f.setException(rte);
    const res = await fut;
    assert.ok(res[2] instanceof CancelledError);
    assert.ok(res[4] instanceof CancelledError);
    res[2] = res[4] = null;
    assert.deepEqual(res, [1, zde, null, 3, null, rte]);
  });
});

Deno.test("FutureGatherTests.test_constructor_empty_sequence_use_running_loop", async () => {
  await vrun(async () => {
    const fut = gather();
    await sleep(0);
    assert.ok(fut.done());
    assert.deepEqual(fut.result(), []);
  });
});

// CPython passes one coroutine object three times: awaited once, its result
// three times. aio: the same future/promise given twice is awaited once
// (README); a function given twice runs twice (README: "functions are task
// factories").
Deno.test("CoroutineGatherTests.test_duplicate_coroutines: the same awaitable gives its result at each place", async () => {
  await vrun(async () => {
    let runs = 0;
    const c = createTask(async () => (runs++, "abc"));
    const res = await gather(c, c, async () => "def", c);
    assert.deepEqual(res, ["abc", "abc", "def", "abc"]);
    assert.equal(runs, 1);
    const p = Promise.resolve("p");
    assert.deepEqual(await gather(p, p), ["p", "p"]);
    let fnRuns = 0;
    const fn = async () => ++fnRuns;
    assert.deepEqual(await gather(fn, fn), [1, 2]); // documented
  });
});

Deno.test("CoroutineGatherTests.test_cancellation_broadcast: cancelling the caller cancels every child", async () => {
  await vrun(async () => {
    let proof = 0;
    const waiter = newFuture<void>();
    const inner = async () => {
      await waiter;
      proof += 1;
    };
    const child1 = createTask(inner);
    const child2 = createTask(inner);
    let gatherer!: Future<unknown>;
    const f = createTask(async () => {
      gatherer = gather(child1, child2);
      await gatherer;
      proof += 100;
    });
    await sleep(0);
    assert.ok(f.cancel());
    await assert.rejects(f, CancelledError);
    assert.equal(gatherer.cancel(), false);
    assert.ok(waiter.cancelled());
    assert.ok(child1.cancelled());
    assert.ok(child2.cancelled());
    await sleep(0);
    assert.equal(proof, 0);
  });
});

Deno.test("CoroutineGatherTests.test_exception_marking: the first failure fails the awaiting task", async () => {
  await vrun(async () => {
    const a = newFuture<void>();
    const b = newFuture<void>();
    const inner = (f: Future<void>) => async () => {
      await f;
      throw new RuntimeError("should not be ignored");
    };
    const f = createTask(async () => {
      await gather(inner(a), inner(b));
    });
    await sleep(0);
    a.setResult();
    await sleep(0);
    b.setResult();
    await sleep(0);
    await wait([f]);
    assert.ok(f.exception() instanceof RuntimeError);
  });
});

Deno.test("CoroutineGatherTests.test_issue46672: a non-awaitable is refused with TypeError", async () => {
  await vrun(async () => {
    // deno-lint-ignore no-explicit-any
    assert.throws(() => gather(async () => "abc", {} as any), TypeError);
  });
});

// ----------------------------------------------------------------- sleep

Deno.test("SleepTests.test_sleep_zero: callSoon callbacks run before sleep(0) returns", async () => {
  await vrun(async () => {
    let result = 0;
    getRunningLoop().callSoon(() => (result += 1));
    assert.equal(result, 0);
    await sleep(0);
    assert.equal(result, 1);
  });
});

Deno.test("test_sleep_when_delay_is_nan", async () => {
  await vrun(async () => {
    await assert.rejects(async () => await sleep(NaN), TypeError);
  });
});

Deno.test("test_cancel_traceback_for_future_result: awaiting a cancelled task rethrows CancelledError", async () => {
  await vrun(async () => {
    const task = createTask(() => sleep(10_000));
    await sleep(0);
    task.cancel();
    await assert.rejects(task, CancelledError);
  });
});
