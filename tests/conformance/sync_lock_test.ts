/**
 * CPython `Lib/test/test_asyncio/test_locks.py`, class `LockTests`, ported
 * to aio on the virtual clock. Each test names its CPython original.
 *
 * `README.md`, "How it differs from asyncio": "Sync primitives hand the
 * lock, permit or item to the woken waiter, so `locked()`, `value` and
 * `qsize()` are right at every instant". CPython's `release()` sets
 * `_locked = False` and lets the woken waiter take it when it runs; aio
 * keeps it locked through the hand-over. Assertions that depend on this
 * say so.
 *
 * @module
 */

import assert from "node:assert/strict";
import { CancelledError, createTask, Future } from "../../task/mod.ts";
import { getRunningLoop } from "../../loop/mod.ts";
import { Condition, Lock } from "../../sync/mod.ts";
import { count, tick, vrun } from "./_util.ts";

Deno.test("LockTests.test_repr", async () => {
  await vrun(async () => {
    const lock = new Lock();
    assert.equal(String(lock), "Lock(unlocked)");
    await lock.acquire();
    assert.equal(String(lock), "Lock(locked)");
    lock.release();
  });
});

Deno.test("LockTests.test_acquire: waiters get the lock in FIFO order, one per release", async () => {
  await vrun(async () => {
    const lock = new Lock();
    const result: number[] = [];
    assert.equal(await lock.acquire(), true);
    const c = (n: number) => async () => {
      if (await lock.acquire()) result.push(n);
      return true;
    };
    const t1 = createTask(c(1));
    const t2 = createTask(c(2));
    await tick();
    assert.deepEqual(result, []);

    lock.release();
    await tick();
    assert.deepEqual(result, [1]);

    await tick();
    assert.deepEqual(result, [1]);

    const t3 = createTask(c(3));
    lock.release();
    await tick();
    assert.deepEqual(result, [1, 2]);

    lock.release();
    await tick();
    assert.deepEqual(result, [1, 2, 3]);

    assert.equal(await t1, true);
    assert.equal(await t2, true);
    assert.equal(await t3, true);
    assert.ok(lock.locked());
    lock.release();
  });
});

Deno.test("LockTests.test_acquire_cancel: a cancelled acquire() leaves no waiter", async () => {
  await vrun(async () => {
    const lock = new Lock();
    assert.equal(await lock.acquire(), true);
    const task = createTask(() => lock.acquire());
    getRunningLoop().callSoon(() => task.cancel());
    await assert.rejects(task, CancelledError);
    assert.ok(task.cancelled());
    assert.equal(count(lock), 0);
    lock.release();
    assert.equal(lock.locked(), false);
  });
});

Deno.test("LockTests.test_cancel_race: a waiter cancelled as the holder releases is skipped", async () => {
  await vrun(async () => {
    const lock = new Lock();
    const lockit = async (blocker: Future<void> | null) => {
      await lock.acquire();
      try {
        if (blocker !== null) await blocker;
      } finally {
        lock.release();
      }
    };
    const fa = new Future<void>();
    const ta = createTask(() => lockit(fa));
    await tick();
    assert.ok(lock.locked());
    const tb = createTask(() => lockit(null));
    await tick();
    assert.equal(count(lock), 1);
    const tc = createTask(() => lockit(null));
    await tick();
    assert.equal(count(lock), 2);

    fa.setResult();
    tb.cancel();
    // aio: the cancelled waiter leaves the line at once (CPython keeps a
    // cancelled future in _waiters until the task runs).
    assert.equal(count(lock), 1);
    await tick();
    // CPython: lock.locked() is False here (ta released, tc not run yet).
    // aio hands the lock to tc (README, "How it differs from asyncio":
    // "Sync primitives hand the lock ... to the woken waiter, so
    // `locked()` ... right at every instant").
    assert.equal(lock.locked(), true);
    await assert.rejects(tb, CancelledError);
    assert.ok(tb.cancelled());
    await ta;
    await tc;
    assert.equal(lock.locked(), false);
  });
});

Deno.test("LockTests.test_cancel_release_race: cancel + release in one callback takes the lock once", async () => {
  await vrun(async () => {
    const loop = getRunningLoop();
    const lock = new Lock();
    let lockCount = 0;
    let callCount = 0;
    const lockit = async () => {
      callCount++;
      await lock.acquire();
      lockCount++;
    };
    await lock.acquire();
    const t1 = createTask(lockit);
    const t2 = createTask(lockit);
    const t3 = createTask(lockit);
    await tick();
    loop.callSoon(() => {
      t1.cancel();
      lock.release();
    });
    await assert.rejects(t1, CancelledError);
    assert.equal(lockCount, 1);
    assert.equal(callCount, 3);
    assert.ok(t1.cancelled());
    await t2;
    assert.ok(t2.done());
    t3.cancel();
    await assert.rejects(t3, CancelledError);
    assert.ok(t3.cancelled());
    // t2 holds the lock and never released it.
    assert.ok(lock.locked());
  });
});

Deno.test("LockTests.test_finished_waiter_cancelled: the next waiter is not left behind", async () => {
  await vrun(async () => {
    const lock = new Lock();
    await lock.acquire();
    assert.ok(lock.locked());
    const tb = createTask(() => lock.acquire());
    await tick();
    assert.equal(count(lock), 1);

    const tc = createTask(() => lock.acquire());
    tb.cancel();
    lock.release();
    await tick();
    assert.ok(lock.locked());
    await assert.rejects(tb, CancelledError);
    assert.ok(tb.cancelled());
    assert.equal(await tc, true);
    lock.release();
    assert.equal(lock.locked(), false);
  });
});

Deno.test("LockTests.test_release_not_acquired", () => {
  // CPython raises RuntimeError; aio throws a plain Error (documented on
  // Lock.release: "@throws {Error} If the lock is not held").
  assert.throws(() => new Lock().release(), Error);
});

Deno.test("LockTests.test_release_no_waiters", async () => {
  await vrun(async () => {
    const lock = new Lock();
    await lock.acquire();
    assert.ok(lock.locked());
    lock.release();
    assert.equal(lock.locked(), false);
  });
});

Deno.test("LockTests.test_context_manager: `using` guard", async () => {
  await vrun(async () => {
    const lock = new Lock();
    assert.equal(lock.locked(), false);
    {
      using _ = await lock.lock();
      assert.ok(lock.locked());
    }
    assert.equal(lock.locked(), false);
  });
});

Deno.test("LockTests.test_lock_by_with_statement: a guard per lock-like primitive", async () => {
  await vrun(async () => {
    for (const l of [new Lock(), new Condition()]) {
      assert.equal(l.locked(), false);
      {
        using _ = await l.lock();
        assert.ok(l.locked());
      }
      assert.equal(l.locked(), false);
    }
  });
});
