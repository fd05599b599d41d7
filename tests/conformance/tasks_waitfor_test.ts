/**
 * Ports of CPython's Lib/test/test_asyncio/test_waitfor.py (and the
 * wait_for cases of older test_tasks.py) to aio's `waitFor()`.
 */
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  getRunningLoop,
  shield,
  sleep,
  TimeoutError,
  wait,
  waitFor,
} from "@aio/asyncio";
import { caught, newFuture, now, SlowTask, vrun } from "./tasks_util.ts";

const EPSILON = 0.1;

// test_asyncio_wait_for_cancelled as CPython writes it (cancel after one
// sleep(0)) fails on aio: see tasks_waitfor_bug_test.ts. Here the inner
// function has started (two ticks) when the waitFor task is cancelled.
Deno.test("test_asyncio_wait_for_cancelled (inner started): the cancelled waitFor waits for its inner task", async () => {
  await vrun(async () => {
    const t = new SlowTask();
    const waitForTask = createTask(() =>
      waitFor(t.run, SlowTask.TASK_TIMEOUT * 2)
    );
    await sleep(0);
    await sleep(0);
    waitForTask.cancel();
    await wait([waitForTask]);
    assert.ok(t.exited);
  });
});

Deno.test("test_asyncio_wait_for_timeout: waitFor waits for an inner task that ignores the cancel", async () => {
  await vrun(async () => {
    const t = new SlowTask();
    try {
      await waitFor(t.run, SlowTask.TASK_TIMEOUT / 2);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
    }
    assert.ok(t.exited);
  });
});

Deno.test("test_wait_for_timeout_less_then_0_or_0_future_done", async () => {
  await vrun(async () => {
    const fut = newFuture<string>();
    fut.setResult("done");
    const t0 = now();
    const ret = await waitFor(fut, 0);
    assert.equal(ret, "done");
    assert.ok(fut.done());
    assert.ok(now() - t0 < 100);
  });
});

Deno.test("test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started", async () => {
  await vrun(async () => {
    let fooStarted = false;
    const t0 = now();
    await assert.rejects(
      waitFor(async () => {
        fooStarted = true;
      }, 0),
      TimeoutError,
    );
    assert.equal(fooStarted, false);
    assert.ok(now() - t0 < 100);
  });
});

Deno.test("test_wait_for_timeout_less_then_0_or_0: a started task is cancelled at once", async () => {
  await vrun(async () => {
    for (const limit of [0, -1]) {
      let fooRunning: boolean | null = null;
      const started = newFuture<void>();
      const fut = createTask(async () => {
        fooRunning = true;
        started.setResult();
        try {
          await sleep(10_000);
        } finally {
          fooRunning = false;
        }
        return "done";
      });
      await started;
      const t0 = now();
      await assert.rejects(waitFor(fut, limit), TimeoutError);
      assert.ok(fut.done());
      assert.ok(fut.cancelled());
      assert.equal(fooRunning, false);
      assert.ok(now() - t0 < 100);
    }
  });
});

Deno.test("test_wait_for: the task is cancelled at the deadline", async () => {
  await vrun(async () => {
    let fooRunning: boolean | null = null;
    const fut = createTask(async () => {
      fooRunning = true;
      try {
        await sleep(10_000);
      } finally {
        fooRunning = false;
      }
      return "done";
    });
    const t0 = now();
    await assert.rejects(waitFor(fut, 100), TimeoutError);
    assert.ok(fut.done());
    assert.ok(fut.cancelled());
    assert.ok(now() - t0 < 200);
    assert.equal(fooRunning, false);
  });
});

Deno.test("test_wait_for_blocking: timeout null", async () => {
  await vrun(async () => {
    assert.equal(await waitFor(async () => "done", null), "done");
  });
});

Deno.test("test_wait_for_race_condition: a future set before the deadline", async () => {
  await vrun(async () => {
    const fut = newFuture<string>();
    const task = waitFor(fut, 200);
    getRunningLoop().callLater(100, () => fut.setResult("ok"));
    assert.equal(await task, "ok");
  });
});

Deno.test("test_wait_for_cancellation_race_condition / test_wait_for_cancel_suppressed: a swallowed cancel's value is returned", async () => {
  await vrun(async () => {
    const res1 = await waitFor(async () => {
      await assert.rejects(sleep(1000), CancelledError);
      return 1;
    }, 10);
    assert.equal(res1, 1);
    const res2 = await waitFor(async () => {
      try {
        await sleep(10_000);
      } catch (e) {
        if (e instanceof CancelledError) return 42;
        throw e;
      }
      return 0;
    }, 100);
    assert.equal(res2, 42);
  });
});

for (const zero of [false, true]) {
  const name = zero
    ? "test_wait_for_waits_for_task_cancellation_w_timeout_0"
    : "test_wait_for_waits_for_task_cancellation";
  Deno.test(`${name}: TimeoutError after the task finished cancelling`, async () => {
    await vrun(async () => {
      let taskDone = false;
      const innerTask = createTask(async () => {
        try {
          await sleep(10_000);
        } catch (e) {
          if (e instanceof CancelledError) await sleep(EPSILON);
          throw e;
        } finally {
          taskDone = true;
        }
      });
      if (zero) await sleep(EPSILON);
      const e = await caught(() => waitFor(innerTask, zero ? 0 : EPSILON));
      assert.ok(e instanceof TimeoutError);
      assert.ok(taskDone);
      assert.ok(e.cause instanceof CancelledError);
    });
  });
}

Deno.test("test_wait_for_reraises_exception_during_cancellation", async () => {
  class FooException extends Error {}
  await vrun(async () => {
    const innerTask = createTask(async () => {
      try {
        await sleep(200);
      } finally {
        // deno-lint-ignore no-unsafe-finally
        throw new FooException();
      }
    });
    await assert.rejects(waitFor(innerTask, EPSILON), FooException);
  });
});

for (const limit of [null, 60_000]) {
  const name = limit === null
    ? "test_cancel_blocking_wait_for"
    : "test_cancel_wait_for";
  Deno.test(`${name}: cancelling the wait cancels the task (bpo-23219)`, async () => {
    await vrun(async () => {
      const task = createTask(async () => {
        await newFuture<void>(); // never set
      });
      const w = createTask(() => waitFor(task, limit));
      getRunningLoop().callSoon(() => w.cancel());
      await assert.rejects(w, CancelledError);
      assert.ok(task.cancelled());
    });
  });
}

Deno.test("test_wait_for_issue86296: a waitFor task cancelled after the inner task finished", async () => {
  await vrun(async () => {
    const innerTask = createTask(async () => "done");
    let reachedEnd = false;
    const task = createTask(async () => {
      await waitFor(innerTask, 100_000);
      await sleep(1000);
      reachedEnd = true;
    });
    assert.equal(task.done(), false);
    await sleep(0);
    task.cancel();
    await assert.rejects(task, CancelledError);
    assert.ok(innerTask.done());
    assert.equal(await innerTask, "done");
    assert.equal(reachedEnd, false);
  });
});

Deno.test("WaitForShieldTests.test_zero_timeout: the shield is cancelled, the task runs on", async () => {
  await vrun(async () => {
    const task = createTask(async () => {
      await sleep(10);
      return "done";
    });
    const shielded = shield(task);
    await assert.rejects(waitFor(shielded, 0), TimeoutError);
    assert.equal(task.done(), false);
    assert.equal(task.cancelled(), false);
    assert.ok(shielded.cancelled());
    await sleep(100);
    assert.ok(task.done());
  });
});

Deno.test("WaitForShieldTests.test_none_timeout", async () => {
  await vrun(async () => {
    const task = createTask(async () => {
      await sleep(100);
      return "done";
    });
    await waitFor(shield(task), null);
    assert.ok(task.done());
    assert.equal(await task, "done");
  });
});

Deno.test("WaitForShieldTests.test_shielded_timeout", async () => {
  await vrun(async () => {
    const task = createTask(async () => {
      await sleep(100);
      return "done";
    });
    await assert.rejects(waitFor(shield(task), 10), TimeoutError);
    assert.equal(task.done(), false);
    assert.equal(task.cancelled(), false);
    assert.equal(await task, "done");
  });
});
