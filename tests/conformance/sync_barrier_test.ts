/**
 * CPython `Lib/test/test_asyncio/test_locks.py`, class `BarrierTests`,
 * ported to aio on the virtual clock. Each test names its CPython original.
 * aio's `reset()` and `abort()` are synchronous (CPython's are coroutines).
 *
 * `sync/barrier.ts` (class doc): "Unlike CPython's barrier there is no
 * draining phase: the release hands each waiter its index at once, so a
 * task arriving right after a release starts the next cycle without waiting
 * for the released ones to run."
 *
 * @module
 */

import assert from "node:assert/strict";
import { CancelledError, createTask, gather, wait } from "../../task/mod.ts";
import { Barrier, BrokenBarrierError } from "../../sync/mod.ts";
import { tick, until, vrun } from "./_util.ts";

const N = 5;

function makeTasks<T>(n: number, fn: () => Promise<T>) {
  return Array.from({ length: n }, () => createTask(fn));
}

Deno.test("BarrierTests.test_barrier / test_repr: filling, waiters=k/N", async () => {
  await vrun(async () => {
    const barrier = new Barrier(N);
    assert.match(String(barrier), /filling/);
    const waiters = makeTasks(2, () => barrier.wait());
    await tick();
    assert.match(String(barrier), /waiters=2\/5/);
    assert.match(String(barrier), /filling/);
    waiters.push(...makeTasks(N - barrier.nWaiting, () => barrier.wait()));
    await tick();
    // CPython shows "draining" here; aio has no draining phase.
    assert.doesNotMatch(String(barrier), /draining/);
    waiters.push(...makeTasks(2, () => barrier.wait()));
    await tick();
    barrier.reset();
    waiters.push(...makeTasks(2, () => barrier.wait()));
    await tick();
    barrier.abort();
    assert.match(String(barrier), /broken/);
    assert.ok(barrier.broken);
    await gather(waiters, { returnExceptions: true });
  });
});

Deno.test("BarrierTests.test_barrier_parties", () => {
  // CPython: ValueError; aio: RangeError (documented).
  assert.throws(() => new Barrier(0), RangeError);
  assert.throws(() => new Barrier(-4), RangeError);
  assert.ok(new Barrier(N) instanceof Barrier);
});

Deno.test("BarrierTests.test_context_manager: indices 0..N-1", async () => {
  await vrun(async () => {
    const barrier = new Barrier(3);
    const results: number[] = [];
    await gather(makeTasks(3, async () => {
      results.push(await barrier.wait());
    }));
    assert.deepEqual(results.sort(), [0, 1, 2]);
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
  });
});

Deno.test("BarrierTests.test_filling_one_task", async () => {
  await vrun(async () => {
    const barrier = new Barrier(1);
    assert.equal(await barrier.wait(), 0);
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
  });
});

Deno.test("BarrierTests.test_filling_one_task_twice", async () => {
  await vrun(async () => {
    const barrier = new Barrier(1);
    const t1 = createTask(() => barrier.wait());
    await tick();
    assert.equal(barrier.nWaiting, 0);
    const t2 = createTask(() => barrier.wait());
    await tick();
    assert.equal(await t1, await t2);
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
  });
});

Deno.test("BarrierTests.test_filling_task_by_task", async () => {
  await vrun(async () => {
    const barrier = new Barrier(3);
    const t1 = createTask(() => barrier.wait());
    await tick();
    assert.equal(barrier.nWaiting, 1);
    const t2 = createTask(() => barrier.wait());
    await tick();
    assert.equal(barrier.nWaiting, 2);
    const t3 = createTask(() => barrier.wait());
    await tick();
    await wait([t1, t2, t3]);
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
  });
});

Deno.test("BarrierTests.test_filling_tasks_wait_twice / test_filling_tasks_check_return_value", async () => {
  await vrun(async () => {
    const barrier = new Barrier(N);
    const results: boolean[] = [];
    const res = await gather(makeTasks(N, async () => {
      await barrier.wait();
      results.push(true);
      const i = await barrier.wait();
      results.push(false);
      return i;
    }));
    assert.equal(results.length, 2 * N);
    assert.equal(results.filter((x) => x).length, N);
    assert.deepEqual([...res].sort(), [0, 1, 2, 3, 4]);
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
  });
});

Deno.test("BarrierTests.test_draining_state: aio has no draining phase", async () => {
  await vrun(async () => {
    const barrier = new Barrier(N);
    const results: boolean[] = [];
    await gather(makeTasks(N, async () => {
      await barrier.wait();
      results.push(/draining/.test(String(barrier)));
    }));
    // CPython: [true x N-1, false]. aio (documented, no draining phase):
    // never draining.
    assert.deepEqual(results, Array(N).fill(false));
    assert.equal(barrier.nWaiting, 0);
  });
});

Deno.test("BarrierTests.test_blocking_tasks_while_draining", async () => {
  await vrun(async () => {
    const rewait = 2;
    const barrier = new Barrier(N);
    const barrierNowaiting = new Barrier(N - rewait);
    let rewaitN = rewait;
    await gather(makeTasks(N, async () => {
      await barrier.wait();
      if (rewaitN > 0) {
        rewaitN -= 1;
        await barrier.wait();
      } else {
        await barrierNowaiting.wait();
        await barrier.wait();
      }
    }));
    assert.equal(barrier.nWaiting, 0);
  });
});

Deno.test("BarrierTests.test_filling_tasks_cancel_one: a cancelled waiter leaves the count", async () => {
  await vrun(async () => {
    const barrier = new Barrier(3);
    const results: boolean[] = [];
    const coro = async () => {
      await barrier.wait();
      results.push(true);
    };
    const t1 = createTask(coro);
    await tick();
    assert.equal(barrier.nWaiting, 1);
    const t2 = createTask(coro);
    await tick();
    assert.equal(barrier.nWaiting, 2);
    t1.cancel();
    await tick();
    assert.equal(barrier.nWaiting, 1);
    await assert.rejects(t1, CancelledError);
    assert.ok(t1.cancelled());
    const t3 = createTask(coro);
    await tick();
    assert.equal(barrier.nWaiting, 2);
    const t4 = createTask(coro);
    await gather(t2, t3, t4);
    assert.equal(results.length, 3);
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
  });
});

Deno.test("BarrierTests.test_reset_barrier", () => {
  const barrier = new Barrier(1);
  barrier.reset();
  assert.equal(barrier.nWaiting, 0);
  assert.equal(barrier.broken, false);
});

Deno.test("BarrierTests.test_reset_barrier_while_tasks_waiting", async () => {
  await vrun(async () => {
    const barrier = new Barrier(N);
    const results: boolean[] = [];
    const tasks = makeTasks(N - 1, async () => {
      try {
        await barrier.wait();
      } catch (e) {
        if (e instanceof BrokenBarrierError) results.push(true);
        else throw e;
      }
    });
    await tick();
    createTask(async () => barrier.reset());
    await gather(tasks);
    assert.deepEqual(results, Array(N - 1).fill(true));
    assert.equal(barrier.nWaiting, 0);
    assert.doesNotMatch(String(barrier), /resetting/);
    assert.equal(barrier.broken, false);
  });
});

Deno.test("BarrierTests.test_reset_barrier_while_tasks_waiting_and_waiting_again", async () => {
  await vrun(async () => {
    const barrier = new Barrier(N);
    const results1: boolean[] = [];
    const results2: boolean[] = [];
    const tasks = makeTasks(N - 1, async () => {
      try {
        await barrier.wait();
      } catch (e) {
        if (e instanceof BrokenBarrierError) results1.push(true);
        else throw e;
      } finally {
        await barrier.wait();
        results2.push(true);
      }
    });
    createTask(async () => barrier.reset());
    await tick();
    const last = createTask(async () => {
      await barrier.wait();
      results2.push(true);
    });
    await gather(tasks);
    await last;
    assert.equal(barrier.broken, false);
    assert.deepEqual(results1, Array(N - 1).fill(true));
    assert.deepEqual(results2, Array(N).fill(true));
    assert.equal(barrier.nWaiting, 0);
  });
});

Deno.test("BarrierTests.test_reset_barrier_while_tasks_draining: no draining phase, so the reset breaks the next cycle", async () => {
  await vrun(async () => {
    const barrier = new Barrier(N);
    const results1: boolean[] = [];
    const results2: boolean[] = [];
    const results3: boolean[] = [];
    let n = 0;
    const tasks = makeTasks(N, async () => {
      await barrier.wait();
      n += 1;
      if (n === N) {
        barrier.reset();
        await barrier.wait();
      } else {
        try {
          await barrier.wait();
          results1.push(true);
        } catch {
          results2.push(true);
        }
      }
      await barrier.wait();
      results3.push(true);
    });
    // CPython: the N-1 first tasks are blocked by the draining phase when
    // the last one resets (count 0, nothing to break): results1 = N-1,
    // results2 = 0, results3 = N. aio (sync/barrier.ts: "no draining
    // phase ... a task arriving right after a release starts the next
    // cycle"): the N-1 are already waiting in the next cycle, so the reset
    // breaks them (results2 = N-1); their third wait and the last task's
    // second fill a cycle, and the last task's third wait is left alone.
    await until(() => results3.length === N - 1);
    assert.equal(results1.length, 0);
    assert.equal(results2.length, N - 1);
    assert.equal(barrier.nWaiting, 1);
    barrier.abort();
    const out = await gather(tasks, { returnExceptions: true });
    assert.equal(out.filter((r) => r instanceof BrokenBarrierError).length, 1);
  });
});

Deno.test("BarrierTests.test_abort_barrier", () => {
  const barrier = new Barrier(1);
  barrier.abort();
  assert.equal(barrier.nWaiting, 0);
  assert.ok(barrier.broken);
});

Deno.test("BarrierTests.test_abort_barrier_when_exception", async () => {
  await vrun(async () => {
    const barrier = new Barrier(N);
    const results1: boolean[] = [];
    const results2: boolean[] = [];
    await gather(makeTasks(N, async () => {
      try {
        const i = await barrier.wait();
        if (i === Math.floor(N / 2)) throw new RangeError("boom");
        await barrier.wait();
        results1.push(true);
      } catch (e) {
        if (e instanceof BrokenBarrierError) results2.push(true);
        else if (e instanceof RangeError) barrier.abort();
        else throw e;
      }
    }));
    assert.ok(barrier.broken);
    assert.equal(results1.length, 0);
    assert.equal(results2.length, N - 1);
    assert.equal(barrier.nWaiting, 0);
  });
});

Deno.test("BarrierTests.test_abort_barrier_when_exception_then_resetting", async () => {
  await vrun(async () => {
    const barrier1 = new Barrier(N);
    const barrier2 = new Barrier(N);
    const results1: boolean[] = [];
    const results2: boolean[] = [];
    const results3: boolean[] = [];
    await gather(makeTasks(N, async () => {
      try {
        const i = await barrier1.wait();
        if (i === Math.floor(N / 2)) throw new RangeError("boom");
        await barrier1.wait();
        results1.push(true);
      } catch (e) {
        if (e instanceof BrokenBarrierError) results2.push(true);
        else if (e instanceof RangeError) barrier1.abort();
        else throw e;
      }
      const i = await barrier2.wait();
      if (i === Math.floor(N / 2)) barrier1.reset();
      await barrier2.wait();
      await barrier1.wait();
      results3.push(true);
    }));
    assert.equal(barrier1.broken, false);
    assert.equal(results1.length, 0);
    assert.equal(results2.length, N - 1);
    assert.equal(results3.length, N);
    assert.equal(barrier1.nWaiting, 0);
  });
});

Deno.test("BarrierTests.test_abort_barrier_when_tasks_half_draining_half_blocking", async () => {
  await vrun(async () => {
    const barrier = new Barrier(N);
    const results1: boolean[] = [];
    const results2: boolean[] = [];
    const blocking = Math.floor(N / 2);
    let n = 0;
    await gather(makeTasks(N, async () => {
      try {
        await barrier.wait();
      } catch (e) {
        if (!(e instanceof BrokenBarrierError)) throw e;
        results1.push(true);
        return;
      }
      n += 1;
      if (n > blocking) {
        barrier.abort();
      } else {
        try {
          await barrier.wait();
        } catch (e) {
          if (!(e instanceof BrokenBarrierError)) throw e;
          results2.push(true);
        }
      }
    }));
    assert.ok(barrier.broken);
    // CPython: results1 = [True] * blocking (tasks still draining when the
    // abort comes get BrokenBarrierError from their first wait), results2 =
    // [True] * (N - blocking - 1). aio has no draining phase (documented):
    // every task passed the first wait, so results1 is empty; the `blocking`
    // tasks waiting a second time are broken by the abort, and the tasks
    // past n > blocking abort (the first) or see nothing.
    assert.deepEqual(results1, []);
    assert.deepEqual(results2, Array(blocking).fill(true));
    assert.equal(barrier.nWaiting, 0);
  });
});
