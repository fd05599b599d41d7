import assert from "node:assert/strict";
import { CancelledError, createTask, sleep } from "../task/mod.ts";
import { Lock } from "./lock.ts";
import { ticks, vrun } from "../task/_test_util.ts";

Deno.test("Lock.acquire() resolves true and locked() follows acquire and release", async () => {
  await vrun(async () => {
    const lock = new Lock();
    assert.equal(lock.locked(), false);
    assert.equal(await lock.acquire(), true);
    assert.equal(lock.locked(), true);
    lock.release();
    assert.equal(lock.locked(), false);
  });
});

Deno.test("Lock.release() of an unlocked lock throws", () => {
  const lock = new Lock();
  assert.throws(
    () => lock.release(),
    { name: "Error", message: "Cannot release lock: lock is not acquired" },
  );
});

Deno.test("Lock serves waiters in the order they called acquire()", async () => {
  const order = await vrun(async () => {
    const lock = new Lock();
    const order: number[] = [];
    await lock.acquire();
    const tasks = [1, 2, 3].map((n) =>
      createTask(async () => {
        await lock.acquire();
        order.push(n);
        await sleep(1);
        lock.release();
      })
    );
    await ticks();
    assert.deepEqual(order, []);
    lock.release();
    for (const t of tasks) await t;
    return order;
  });
  assert.deepEqual(order, [1, 2, 3]);
});

Deno.test("Lock.release() hands the lock over: it stays locked and a newcomer waits behind the woken waiter", async () => {
  const order = await vrun(async () => {
    const lock = new Lock();
    const order: string[] = [];
    await lock.acquire();
    const waiter = createTask(async () => {
      await lock.acquire();
      order.push("waiter");
      lock.release();
    });
    await ticks();
    lock.release();
    assert.equal(lock.locked(), true);
    const newcomer = createTask(async () => {
      await lock.acquire();
      order.push("newcomer");
      lock.release();
    });
    await waiter;
    await newcomer;
    assert.equal(lock.locked(), false);
    return order;
  });
  assert.deepEqual(order, ["waiter", "newcomer"]);
});

Deno.test("Lock.acquire() cancelled while waiting leaves the line and the lock ends free", async () => {
  await vrun(async () => {
    const lock = new Lock();
    await lock.acquire();
    const t = createTask(() => lock.acquire());
    await ticks();
    assert.equal(String(lock), "Lock(locked, waiters=1)");
    t.cancel();
    assert.equal(String(lock), "Lock(locked)");
    await assert.rejects(t, CancelledError);
    lock.release();
    assert.equal(lock.locked(), false);
  });
});

Deno.test("Lock passes the lock to the next waiter when the first is cancelled in the same tick as the release", async () => {
  // CPython's test_cancel_race: A holds, B and C wait; B is cancelled and A
  // releases at once. C must get the lock, and the lock must end free.
  const log = await vrun(async () => {
    const lock = new Lock();
    const log: string[] = [];
    const lockit = (name: string) => async () => {
      await lock.acquire();
      log.push(name);
      lock.release();
    };
    await lock.acquire();
    const b = createTask(lockit("b"));
    const c = createTask(lockit("c"));
    await ticks();
    b.cancel();
    lock.release();
    await assert.rejects(b, CancelledError);
    await c;
    assert.equal(lock.locked(), false);
    return log;
  });
  assert.deepEqual(log, ["c"]);
});

Deno.test("Lock waiter cancelled after the hand-over holds the lock and gets CancelledError at its next wait", async () => {
  // CPython's test_cancel_release_race: the wakeup must not be lost.
  const log = await vrun(async () => {
    const lock = new Lock();
    const log: string[] = [];
    await lock.acquire();
    const b = createTask(async () => {
      await lock.acquire();
      log.push("b holds");
      try {
        await sleep(1);
      } finally {
        lock.release();
        log.push("b released");
      }
    });
    const c = createTask(async () => {
      await lock.acquire();
      log.push("c holds");
      lock.release();
    });
    await ticks();
    lock.release();
    b.cancel();
    await assert.rejects(b, CancelledError);
    await c;
    assert.equal(lock.locked(), false);
    return log;
  });
  assert.deepEqual(log, ["b holds", "b released", "c holds"]);
});

Deno.test("Lock.acquire() with an aborted signal rejects with its reason even when the lock is free", async () => {
  await vrun(async () => {
    const lock = new Lock();
    const reason = new Error("stop");
    await assert.rejects(
      lock.acquire({ signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
    assert.equal(lock.locked(), false);
  });
});

Deno.test("Lock.acquire() aborted while waiting rejects with exactly the reason and leaves the line", async () => {
  await vrun(async () => {
    const lock = new Lock();
    await lock.acquire();
    const controller = new AbortController();
    const reason = new Error("by signal");
    const t = createTask(() => lock.acquire({ signal: controller.signal }));
    await ticks();
    controller.abort(reason);
    await assert.rejects(t, (e) => e === reason);
    assert.equal(String(lock), "Lock(locked)");
    lock.release();
    assert.equal(lock.locked(), false);
  });
});

Deno.test("Lock.acquire() aborted while waiting removes its abort listener", async () => {
  await vrun(async () => {
    const lock = new Lock();
    await lock.acquire();
    const controller = new AbortController();
    let listeners = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    }) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listeners--;
      remove(...args);
    }) as typeof remove;
    const p = lock.acquire({ signal });
    assert.equal(listeners, 1);
    lock.release();
    assert.equal(await p, true);
    assert.equal(listeners, 0);
    lock.release();
  });
});

Deno.test("Lock.acquire() in a plain promise chain rejects with exactly the signal's CancelledError reason", async () => {
  await vrun(async () => {
    const lock = new Lock();
    await lock.acquire();
    const controller = new AbortController();
    const reason = new CancelledError("exact");
    const p = lock.acquire({ signal: controller.signal });
    controller.abort(reason);
    await assert.rejects(p, (e) => e === reason);
    lock.release();
  });
});

Deno.test("Lock.lock() returns a guard that releases at scope exit, also when the body throws", async () => {
  await vrun(async () => {
    const lock = new Lock();
    await assert.rejects(async () => {
      using _ = await lock.lock();
      assert.ok(lock.locked());
      throw new Error("body failed");
    }, /body failed/);
    assert.equal(lock.locked(), false);
    const guard = await lock.lock();
    guard.release();
    guard[Symbol.dispose]();
    assert.equal(lock.locked(), false);
  });
});

Deno.test("Lock.lock() cancelled while waiting returns no guard and holds nothing", async () => {
  await vrun(async () => {
    const lock = new Lock();
    await lock.acquire();
    const t = createTask(async () => {
      using _ = await lock.lock();
      return "got it";
    });
    await ticks();
    t.cancel();
    await assert.rejects(t, CancelledError);
    lock.release();
    assert.equal(lock.locked(), false);
  });
});

Deno.test("Lock.toString() shows the state and the waiters", async () => {
  await vrun(async () => {
    const lock = new Lock();
    assert.equal(String(lock), "Lock(unlocked)");
    await lock.acquire();
    const t = createTask(() => lock.acquire());
    await ticks();
    assert.equal(String(lock), "Lock(locked, waiters=1)");
    lock.release();
    await t;
    lock.release();
  });
});
