import assert from "node:assert/strict";
import { CancelledError, createTask, sleep } from "../task/mod.ts";
import { BoundedSemaphore } from "./bounded_semaphore.ts";
import { Semaphore } from "./semaphore.ts";
import { ticks, vrun } from "../task/_test_util.ts";

Deno.test("Semaphore() refuses a negative or fractional value", () => {
  assert.throws(() => new Semaphore(-1), RangeError);
  assert.throws(() => new Semaphore(1.5), RangeError);
  assert.equal(new Semaphore().value, 1);
  assert.equal(new Semaphore(0).value, 0);
});

Deno.test("Semaphore.acquire() takes permits and locked() is true when none is left", async () => {
  await vrun(async () => {
    const sem = new Semaphore(2);
    assert.equal(await sem.acquire(), true);
    assert.equal(sem.value, 1);
    assert.equal(sem.locked(), false);
    await sem.acquire();
    assert.equal(sem.value, 0);
    assert.equal(sem.locked(), true);
    sem.release();
    sem.release();
    assert.equal(sem.value, 2);
  });
});

Deno.test("Semaphore.release() without waiters grows value past the initial one", () => {
  const sem = new Semaphore(0);
  sem.release();
  sem.release();
  assert.equal(sem.value, 2);
});

Deno.test("Semaphore serves waiters in FIFO order and a newcomer does not overtake them", async () => {
  // CPython's test_acquire_fifo_order_2 and _3.
  const order = await vrun(async () => {
    const sem = new Semaphore(1);
    const order: string[] = [];
    await sem.acquire();
    const worker = (name: string) =>
      createTask(async () => {
        await sem.acquire();
        order.push(name);
        await sleep(1);
        sem.release();
      });
    const a = worker("a");
    const b = worker("b");
    await ticks();
    sem.release();
    assert.equal(sem.value, 0, "the permit went straight to a");
    const c = worker("c");
    await a;
    await b;
    await c;
    assert.equal(sem.value, 1);
    return order;
  });
  assert.deepEqual(order, ["a", "b", "c"]);
});

Deno.test("Semaphore.acquire() cancelled while waiting loses no permit", async () => {
  await vrun(async () => {
    const sem = new Semaphore(1);
    await sem.acquire();
    const b = createTask(() => sem.acquire());
    const c = createTask(() => sem.acquire());
    await ticks();
    b.cancel();
    sem.release();
    await assert.rejects(b, CancelledError);
    assert.equal(await c, true);
    assert.equal(sem.value, 0);
    sem.release();
    assert.equal(sem.value, 1);
  });
});

Deno.test("Semaphore waiters all cancelled before a release leave the permit free", async () => {
  // CPython's test_acquire_no_hang / test_acquire_cancel_before_awoken.
  await vrun(async () => {
    const sem = new Semaphore(0);
    const waiters = [1, 2, 3].map(() => createTask(() => sem.acquire()));
    await ticks();
    for (const t of waiters) t.cancel();
    sem.release();
    for (const t of waiters) await assert.rejects(t, CancelledError);
    assert.equal(sem.value, 1);
    assert.equal(await sem.acquire(), true);
  });
});

Deno.test("Semaphore waiter cancelled after the hand-over keeps the permit until it releases", async () => {
  await vrun(async () => {
    const sem = new Semaphore(1);
    await sem.acquire();
    const b = createTask(async () => {
      using _ = await sem.lock();
      await sleep(10);
    });
    await ticks();
    sem.release();
    b.cancel();
    assert.equal(sem.value, 0);
    await assert.rejects(b, CancelledError);
    assert.equal(sem.value, 1);
  });
});

Deno.test("Semaphore.acquire() with an aborted signal rejects even when a permit is free", async () => {
  await vrun(async () => {
    const sem = new Semaphore(3);
    const reason = new Error("no");
    await assert.rejects(
      sem.acquire({ signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
    assert.equal(sem.value, 3);
  });
});

Deno.test("Semaphore.acquire() aborted while waiting rejects with the reason and loses no permit", async () => {
  await vrun(async () => {
    const sem = new Semaphore(0);
    const controller = new AbortController();
    const reason = new Error("timeout");
    const t = createTask(() => sem.acquire({ signal: controller.signal }));
    await ticks();
    controller.abort(reason);
    await assert.rejects(t, (e) => e === reason);
    sem.release();
    assert.equal(sem.value, 1);
  });
});

Deno.test("Semaphore.lock() guard gives the permit back at scope exit", async () => {
  await vrun(async () => {
    const sem = new Semaphore(2);
    {
      using _a = await sem.lock();
      using _b = await sem.lock();
      assert.equal(sem.value, 0);
    }
    assert.equal(sem.value, 2);
  });
});

Deno.test("Semaphore.toString() shows value and waiters", async () => {
  await vrun(async () => {
    const sem = new Semaphore(0);
    const t = createTask(() => sem.acquire());
    await ticks();
    assert.equal(String(sem), "Semaphore(locked, value=0, waiters=1)");
    sem.release();
    await t;
    assert.equal(
      String(new BoundedSemaphore(2)),
      "BoundedSemaphore(unlocked, value=2)",
    );
  });
});

Deno.test("BoundedSemaphore.release() past the initial value throws RangeError and changes nothing", async () => {
  await vrun(async () => {
    const sem = new BoundedSemaphore(2);
    assert.throws(() => sem.release(), RangeError);
    assert.equal(sem.value, 2);
    await sem.acquire();
    sem.release();
    assert.throws(
      () => sem.release(),
      /value would exceed its bound of 2/,
    );
    assert.equal(sem.value, 2);
  });
});

Deno.test("BoundedSemaphore.release() hands the permit to a waiter", async () => {
  await vrun(async () => {
    const sem = new BoundedSemaphore(1);
    await sem.acquire();
    const t = createTask(() => sem.acquire());
    await ticks();
    sem.release();
    assert.equal(await t, true);
    assert.equal(sem.value, 0);
    sem.release();
    assert.throws(() => sem.release(), RangeError);
  });
});
