/**
 * CPython `Lib/test/test_asyncio/test_locks.py`, class `ConditionTests`
 * (3.13/3.14 tests included), ported to aio on the virtual clock. Each test
 * names its CPython original.
 *
 * `sync/mod.ts` (module doc): "a waiter woken (handed ... a notification)
 * and cancelled before it runs again keeps what it was handed ... (a
 * `Condition` waiter that is cancelled while it takes the lock back does
 * pass its notification on)".
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  timeout,
  TimeoutError,
  waitFor,
} from "../../task/mod.ts";
import { getRunningLoop } from "../../loop/mod.ts";
import { Condition, Lock } from "../../sync/mod.ts";
import { count, settle, until, vrun } from "./_util.ts";

Deno.test("ConditionTests.test_wait: notify(n) wakes n, each takes the lock in turn", async () => {
  await vrun(async () => {
    const cond = new Condition();
    const result: number[] = [];
    const c = (n: number) => async () => {
      await cond.acquire();
      if (await cond.wait()) result.push(n);
      return true;
    };
    const t1 = createTask(c(1));
    const t2 = createTask(c(2));
    const t3 = createTask(c(3));
    // CPython: after one sleep(0) all three wait and the lock is free.
    // aio: the three acquire() calls of one tick interleave, so the 2nd
    // and 3rd queue behind the 1st and are handed the lock by its wait()
    // (README: "Tasks resumed in the same tick interleave at their
    // `await`s, even an `await` of ... a free `Lock`").
    await until(() => count(cond) === 3);
    assert.deepEqual(result, []);
    assert.equal(cond.locked(), false);

    assert.equal(await cond.acquire(), true);
    cond.notify();
    await settle();
    assert.deepEqual(result, []);
    assert.ok(cond.locked());

    cond.release();
    await settle();
    assert.deepEqual(result, [1]);
    assert.ok(cond.locked());

    cond.notify(2);
    await settle();
    assert.deepEqual(result, [1]);
    assert.ok(cond.locked());

    cond.release();
    await settle();
    assert.deepEqual(result, [1, 2]);
    assert.ok(cond.locked());

    cond.release();
    await settle();
    assert.deepEqual(result, [1, 2, 3]);
    assert.ok(cond.locked());

    assert.equal(await t1, true);
    assert.equal(await t2, true);
    assert.equal(await t3, true);
    cond.release();
  });
});

Deno.test("ConditionTests.test_wait_cancel: the cancelled wait holds the lock again and leaves no waiter", async () => {
  await vrun(async () => {
    const cond = new Condition();
    await cond.acquire();
    // CPython's create_task(cond.wait()) runs wait() inside the task; the
    // task here takes the lock over from the main task's acquire().
    const wait = createTask(() => cond.wait());
    getRunningLoop().callSoon(() => wait.cancel());
    await assert.rejects(wait, CancelledError);
    assert.equal(count(cond), 0);
    assert.ok(cond.locked());
    cond.release();
  });
});

Deno.test("ConditionTests.test_wait_cancel_contested: notified, then cancelled while the lock is contested", async () => {
  await vrun(async () => {
    const cond = new Condition();
    await cond.acquire();
    assert.ok(cond.locked());
    const waitTask = createTask(() => cond.wait());
    await settle();
    assert.equal(cond.locked(), false);

    await cond.acquire();
    assert.ok(cond.locked());
    cond.notify();
    getRunningLoop().callSoon(() => waitTask.cancel());
    getRunningLoop().callSoon(() => cond.release());
    try {
      await waitTask;
    } catch (e) {
      // CPython: "Should not happen, since no cancellation points"; its
      // test tolerates it either way.
      assert.ok(e instanceof CancelledError);
    }
    assert.ok(cond.locked());
    cond.release();
  });
});

Deno.test("ConditionTests.test_wait_cancel_after_notify: cancelled while taking the lock back", async () => {
  await vrun(async () => {
    let waited = false;
    const cond = new Condition();
    const waiter = createTask(async () => {
      using _ = await cond.lock();
      waited = true;
      await cond.wait();
    });
    await settle();

    await cond.acquire();
    cond.notify();
    await settle();
    waiter.cancel();
    await settle();
    cond.release();
    await settle();
    await assert.rejects(waiter, CancelledError);
    assert.ok(waiter.cancelled());
    assert.ok(waited);
    assert.equal(cond.locked(), false);
  });
});

Deno.test("ConditionTests.test_wait_unacquired", async () => {
  await vrun(async () => {
    const cond = new Condition();
    // CPython: RuntimeError; aio: Error (documented "@throws {Error} If
    // the lock is not held").
    await assert.rejects(cond.wait(), Error);
  });
});

Deno.test("ConditionTests.test_wait_for: the predicate is checked at each notification", async () => {
  await vrun(async () => {
    const cond = new Condition();
    let presult = false;
    const result: number[] = [];
    const t = createTask(async () => {
      await cond.acquire();
      if (await cond.waitFor(() => presult)) {
        result.push(1);
        cond.release();
      }
      return true;
    });
    await settle();
    assert.deepEqual(result, []);

    await cond.acquire();
    cond.notify();
    cond.release();
    await settle();
    assert.deepEqual(result, []);

    presult = true;
    await cond.acquire();
    cond.notify();
    cond.release();
    await settle();
    assert.deepEqual(result, [1]);
    assert.equal(await t, true);
  });
});

Deno.test("ConditionTests.test_wait_for_unacquired: a true predicate returns without the lock", async () => {
  await vrun(async () => {
    const cond = new Condition();
    assert.deepEqual(await cond.waitFor(() => [1, 2, 3]), [1, 2, 3]);
    await assert.rejects(cond.waitFor(() => false), Error);
  });
});

Deno.test("ConditionTests.test_notify: notify(1), then notify(1) + notify(2048)", async () => {
  await vrun(async () => {
    const cond = new Condition();
    const result: number[] = [];
    const c = (n: number) => async () => {
      await cond.acquire();
      if (await cond.wait()) {
        result.push(n);
        cond.release();
      }
      return true;
    };
    const t1 = createTask(c(1));
    const t2 = createTask(c(2));
    const t3 = createTask(c(3));
    await until(() => count(cond) === 3);
    assert.deepEqual(result, []);

    await cond.acquire();
    cond.notify(1);
    cond.release();
    await settle();
    assert.deepEqual(result, [1]);

    await cond.acquire();
    cond.notify(1);
    cond.notify(2048);
    cond.release();
    // CPython: [1, 2, 3] after one sleep(0) (each woken waiter finds the
    // lock free when it runs). aio hands the lock from one to the next, and
    // each resumes in the tick after the hand-over (README: "Sync
    // primitives hand the lock ... to the woken waiter").
    await until(() => result.length === 3, 4);
    assert.deepEqual(result, [1, 2, 3]);
    assert.equal(await t1, true);
    assert.equal(await t2, true);
    assert.equal(await t3, true);
  });
});

Deno.test("ConditionTests.test_notify_all", async () => {
  await vrun(async () => {
    const cond = new Condition();
    const result: number[] = [];
    const c = (n: number) => async () => {
      await cond.acquire();
      if (await cond.wait()) {
        result.push(n);
        cond.release();
      }
      return true;
    };
    const t1 = createTask(c(1));
    const t2 = createTask(c(2));
    await until(() => count(cond) === 2);
    assert.deepEqual(result, []);

    await cond.acquire();
    cond.notifyAll();
    cond.release();
    await until(() => result.length === 2, 4);
    assert.deepEqual(result, [1, 2]);
    assert.equal(await t1, true);
    assert.equal(await t2, true);
  });
});

Deno.test("ConditionTests.test_notify_unacquired / test_notify_all_unacquired", () => {
  const cond = new Condition();
  assert.throws(() => cond.notify(), Error);
  assert.throws(() => cond.notifyAll(), Error);
});

Deno.test("ConditionTests.test_repr", async () => {
  await vrun(async () => {
    const cond = new Condition();
    assert.match(String(cond), /unlocked/);
    await cond.acquire();
    assert.match(String(cond), /\(locked/);
    const t1 = createTask(async () => {
      using _ = await cond.lock();
      await cond.wait();
    });
    const t2 = createTask(async () => {
      using _ = await cond.lock();
      await cond.wait();
    });
    cond.release();
    await until(() => count(cond) === 2);
    await cond.acquire();
    cond.notifyAll();
    cond.release();
    await t1;
    await t2;
  });
});

Deno.test("ConditionTests.test_context_manager", async () => {
  await vrun(async () => {
    const cond = new Condition();
    assert.equal(cond.locked(), false);
    {
      using _ = await cond.lock();
      assert.ok(cond.locked());
    }
    assert.equal(cond.locked(), false);
  });
});

Deno.test("ConditionTests.test_explicit_lock: the condition and its lock share state", async () => {
  await vrun(async () => {
    const f = async (lock?: Lock, cond?: Condition) => {
      lock ??= new Lock();
      cond ??= new Condition(lock);
      assert.equal(lock.locked(), false);
      assert.equal(cond.locked(), false);
      {
        using _ = await cond.lock();
        assert.ok(lock.locked());
        assert.ok(cond.locked());
      }
      assert.equal(lock.locked(), false);
      assert.equal(cond.locked(), false);
      {
        using _ = await lock.lock();
        assert.ok(lock.locked());
        assert.ok(cond.locked());
      }
      assert.equal(lock.locked(), false);
      assert.equal(cond.locked(), false);
    };
    await f();
    await f(new Lock());
    const lock = new Lock();
    await f(lock, new Condition(lock));
  });
});

Deno.test("ConditionTests.test_timeout_in_block: waitFor(cond.wait(), ms) times out holding the lock", async () => {
  await vrun(async () => {
    const cond = new Condition();
    {
      using _ = await cond.lock();
      await assert.rejects(waitFor(cond.wait(), 500), TimeoutError);
      assert.ok(cond.locked());
    }
    assert.equal(cond.locked(), false);
  });
});

Deno.test("ConditionTests.test_cancelled_error_wakeup: the CancelledError is re-raised unmodified", async () => {
  await vrun(async () => {
    const wake = false;
    let raised: unknown = null;
    const cond = new Condition();
    const task = createTask(async () => {
      using _ = await cond.lock();
      try {
        await cond.waitFor(() => wake);
      } catch (e) {
        raised = e;
        throw e;
      }
      assert.fail("waitFor() returned");
    });
    await settle();
    task.cancel("foo");
    const err = await task.then(() => null, (e) => e);
    assert.ok(err instanceof CancelledError);
    assert.equal(err.message, "foo");
    // CPython also asserts `err is raised`; aio's task ends with a new
    // CancelledError (see sync_cancelled_error_bug_test.ts).
    assert.ok(raised instanceof CancelledError);
    assert.equal(raised.message, "foo");
    assert.equal(cond.locked(), false);
  });
});

Deno.test("ConditionTests.test_cancelled_error_re_aquire: cancelled while re-acquiring, re-raised unmodified", async () => {
  await vrun(async () => {
    let wake = false;
    let raised: unknown = null;
    const cond = new Condition();
    const task = createTask(async () => {
      using _ = await cond.lock();
      try {
        await cond.waitFor(() => wake);
      } catch (e) {
        raised = e;
        throw e;
      }
      assert.fail("waitFor() returned");
    });
    await settle();
    await cond.acquire();
    wake = true;
    cond.notify();
    await settle();
    task.cancel("foo");
    cond.release();
    const err = await task.then(() => null, (e) => e);
    assert.ok(err instanceof CancelledError);
    assert.equal(err.message, "foo");
    // CPython also asserts `err is raised`; aio's task ends with a new
    // CancelledError (see sync_cancelled_error_bug_test.ts).
    assert.ok(raised instanceof CancelledError);
    assert.equal(raised.message, "foo");
    assert.equal(cond.locked(), false);
  });
});

async function cancelledWakeup(relock: boolean): Promise<void> {
  const condition = new Condition();
  let state = 0;
  const consumer = async () => {
    using _ = await condition.lock();
    while (true) {
      await condition.waitFor(() => state !== 0);
      if (state < 0) return;
      state -= 1;
    }
  };
  const c = [createTask(consumer), createTask(consumer)];
  await until(() => count(condition) === 2);
  {
    using _ = await condition.lock();
    state += 1;
    condition.notify(1);
    if (relock) await settle();
    c[0]!.cancel();
    try {
      await timeout(10, () => condition.waitFor(() => state === 0));
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
    }
    assert.equal(state, 0, "the notification was lost to the cancel");
    state = -1;
    condition.notifyAll();
  }
  await c[1];
  await assert.rejects(c[0]!, CancelledError);
}

Deno.test("ConditionTests.test_cancelled_wakeup: a notify racing a cancel is not lost", async () => {
  await vrun(() => cancelledWakeup(false));
});

Deno.test("ConditionTests.test_cancelled_wakeup_relock: a notify racing a cancel at relock is not lost", async () => {
  await vrun(() => cancelledWakeup(true));
});
