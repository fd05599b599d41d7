import assert from "node:assert/strict";
import { getRunningLoop, VirtualClock } from "../loop/mod.ts";
import { run } from "../task/mod.ts";
import { Lock, Queue } from "../sync/mod.ts";
import {
  CancelledError,
  createTask,
  sleep,
  TimeoutError,
  waitFor,
} from "../task/mod.ts";

const vrun = <T>(main: () => Promise<T>): Promise<T> =>
  run(main, { clock: new VirtualClock(), handleSigint: false });

Deno.test("A Queue.get() task woken, then cancelled before it resumes, loses no item", async () => {
  await vrun(async () => {
    const q = new Queue<number>();
    const t = createTask(() => q.get());
    await sleep(0);
    q.putNowait(1); // hands the item to t, which resumes next tick
    t.cancel(); // before it resumed
    let got: number | undefined;
    try {
      got = await t;
    } catch (e) {
      assert.ok(e instanceof CancelledError);
    }
    // The item is either the task's result or still in the queue.
    assert.equal((got === 1 ? 1 : 0) + q.qsize(), 1);
  });
});

Deno.test("A lock acquire woken, then cancelled before it resumes, never leaves the lock held by nobody", async () => {
  await vrun(async () => {
    const lock = new Lock();
    await lock.acquire();
    const t = createTask(() => lock.acquire());
    await sleep(0);
    lock.release(); // hands the lock to t
    t.cancel();
    let acquired = false;
    try {
      acquired = await t;
    } catch (e) {
      assert.ok(e instanceof CancelledError);
    }
    // Whoever holds it can release it; nobody holds it unless t says so.
    assert.equal(lock.locked(), acquired);
    if (acquired) lock.release();
    assert.equal(lock.locked(), false);
  });
});

Deno.test("Cancelling at every point of a queue hand-off loses no item", async () => {
  for (let delay = 0; delay < 6; delay++) {
    await vrun(async () => {
      const loop = getRunningLoop();
      const q = new Queue<number>(1);
      const got: number[] = [];
      const consumer = createTask(async () => {
        for (;;) got.push(await q.get());
      });
      for (let i = 0; i < 5; i++) await q.put(i);
      loop.callLater(delay, () => consumer.cancel());
      await consumer.catch(() => {});
      const left: number[] = [];
      while (!q.empty()) left.push(q.getNowait());
      assert.deepEqual([...got, ...left], [0, 1, 2, 3, 4]);
    });
  }
});

Deno.test("waitFor() on lock.lock() that times out leaves no orphan waiter holding the lock", async () => {
  await vrun(async () => {
    const lock = new Lock();
    await lock.acquire();
    await assert.rejects(waitFor(lock.lock(), 10), TimeoutError);
    lock.release();
    assert.equal(lock.locked(), false);
  });
});

Deno.test("waitFor() on Queue.get({ signal }) that times out leaves no orphan getter", async () => {
  await vrun(async () => {
    const q = new Queue<number>();
    const controller = new AbortController();
    await assert.rejects(
      waitFor(q.get({ signal: controller.signal }), 10),
      TimeoutError,
    );
    q.putNowait(1);
    assert.equal(q.qsize(), 1);
  });
});

Deno.test("waitFor() of a fast-path Queue.get() promise returns the item it already took", async () => {
  await vrun(async () => {
    for (const ms of [0, 10]) {
      const q = new Queue<number>();
      q.putNowait(ms);
      // get() took the item synchronously and returned a settled promise.
      assert.equal(await waitFor(q.get(), ms), ms);
      assert.equal(q.qsize(), 0);
    }
  });
});
