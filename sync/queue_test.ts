import assert from "node:assert/strict";
import { CancelledError, createTask, sleep } from "../task/mod.ts";
import { QueueEmpty, QueueFull, QueueShutDown } from "./mod.ts";
import { Queue } from "./queue.ts";
import { ticks, vrun } from "../task/_test_util.ts";

Deno.test("Queue() refuses a fractional maxsize and treats 0 or less as unbounded", () => {
  assert.throws(() => new Queue(1.5), RangeError);
  const q = new Queue<number>(-1);
  for (let i = 0; i < 100; i++) q.putNowait(i);
  assert.equal(q.full(), false);
  assert.equal(q.qsize(), 100);
});

Deno.test("Queue.getNowait() returns items in FIFO order and throws QueueEmpty when empty", () => {
  const q = new Queue<string>();
  q.putNowait("a");
  q.putNowait("b");
  assert.equal(q.getNowait(), "a");
  assert.equal(q.getNowait(), "b");
  assert.throws(() => q.getNowait(), QueueEmpty);
  assert.ok(q.empty());
});

Deno.test("Queue.putNowait() throws QueueFull at maxsize", () => {
  const q = new Queue<number>(2);
  q.putNowait(1);
  assert.equal(q.full(), false);
  q.putNowait(2);
  assert.equal(q.full(), true);
  assert.throws(() => q.putNowait(3), QueueFull);
  assert.equal(q.qsize(), 2);
});

Deno.test("Queue.get() waits for an item and getters are served in FIFO order", async () => {
  const got = await vrun(async () => {
    const q = new Queue<number>();
    const got: string[] = [];
    const tasks = ["a", "b", "c"].map((name) =>
      createTask(async () => got.push(`${name}:${await q.get()}`))
    );
    await ticks();
    for (const n of [1, 2, 3]) q.putNowait(n);
    assert.equal(q.qsize(), 0, "items went straight to the getters");
    for (const t of tasks) await t;
    return got;
  });
  assert.deepEqual(got, ["a:1", "b:2", "c:3"]);
});

Deno.test("Queue.put() waits while full and putters get in in FIFO order", async () => {
  const got = await vrun(async () => {
    const q = new Queue<number>(1);
    q.putNowait(0);
    const tasks = [1, 2, 3].map((n) => createTask(() => q.put(n)));
    await ticks();
    assert.equal(q.qsize(), 1);
    const got: number[] = [];
    for (let i = 0; i < 4; i++) {
      got.push(await q.get());
      assert.equal(q.qsize(), i < 3 ? 1 : 0, "a putter's item took the slot");
    }
    for (const t of tasks) await t;
    return got;
  });
  assert.deepEqual(got, [0, 1, 2, 3]);
});

Deno.test("Queue.putNowait() by a newcomer does not overtake waiting putters", async () => {
  await vrun(async () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    const t = createTask(() => q.put(2));
    await ticks();
    assert.equal(q.getNowait(), 1);
    assert.throws(() => q.putNowait(3), QueueFull);
    assert.equal(q.getNowait(), 2);
    await t;
  });
});

Deno.test("Queue.get() cancelled while waiting loses no item", async () => {
  // CPython's test_get_cancelled_race.
  await vrun(async () => {
    const q = new Queue<string>();
    const a = createTask(() => q.get());
    const b = createTask(() => q.get());
    await ticks();
    a.cancel();
    q.putNowait("x");
    await assert.rejects(a, CancelledError);
    assert.equal(await b, "x");
    assert.equal(q.qsize(), 0);
  });
});

Deno.test("Queue.get() cancelled after the hand-over still returns the item", async () => {
  await vrun(async () => {
    const q = new Queue<string>();
    const seen: string[] = [];
    const a = createTask(async () => {
      seen.push(await q.get());
      await sleep(1);
    });
    await ticks();
    q.putNowait("x");
    a.cancel();
    await assert.rejects(a, CancelledError);
    assert.deepEqual(seen, ["x"]);
  });
});

Deno.test("Queue.put() cancelled while waiting never inserts its item", async () => {
  // CPython's test_put_cancelled_race.
  await vrun(async () => {
    const q = new Queue<string>(1);
    q.putNowait("first");
    const a = createTask(() => q.put("cancelled"));
    const b = createTask(() => q.put("kept"));
    await ticks();
    a.cancel();
    assert.equal(q.getNowait(), "first");
    await assert.rejects(a, CancelledError);
    await b;
    assert.equal(q.getNowait(), "kept");
    assert.ok(q.empty());
  });
});

Deno.test("Queue.get() and put() with a signal reject with its reason and change nothing", async () => {
  await vrun(async () => {
    const q = new Queue<number>(1);
    const reason = new Error("aborted");
    await assert.rejects(
      q.put(1, { signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
    assert.ok(q.empty(), "a pre-aborted put() inserts nothing");
    q.putNowait(1);
    await assert.rejects(
      q.get({ signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
    assert.equal(q.qsize(), 1, "a pre-aborted get() takes nothing");
    const controller = new AbortController();
    const p = createTask(() => q.put(2, { signal: controller.signal }));
    await ticks();
    controller.abort(reason);
    await assert.rejects(p, (e) => e === reason);
    assert.equal(q.getNowait(), 1);
    assert.ok(q.empty());
    const c2 = new AbortController();
    const g = createTask(() => q.get({ signal: c2.signal }));
    await ticks();
    c2.abort(reason);
    await assert.rejects(g, (e) => e === reason);
    q.putNowait(3);
    assert.equal(q.qsize(), 1);
  });
});

Deno.test("Queue.join() waits until taskDone() was called for every item", async () => {
  const log = await vrun(async () => {
    const q = new Queue<number>();
    const log: string[] = [];
    q.putNowait(1);
    q.putNowait(2);
    const joiner = createTask(async () => {
      await q.join();
      log.push("joined");
    });
    await ticks();
    q.getNowait();
    q.taskDone();
    await ticks();
    log.push("one done");
    q.getNowait();
    q.taskDone();
    await joiner;
    return log;
  });
  assert.deepEqual(log, ["one done", "joined"]);
});

Deno.test("Queue.taskDone() called more times than items were put throws RangeError", () => {
  const q = new Queue<number>();
  assert.throws(() => q.taskDone(), RangeError);
  q.putNowait(1);
  q.taskDone();
  assert.throws(
    () => q.taskDone(),
    /Cannot call taskDone\(\): called more times than items were put/,
  );
});

Deno.test("Queue.join() with a signal rejects with its reason", async () => {
  await vrun(async () => {
    const q = new Queue<number>();
    q.putNowait(1);
    const reason = new Error("stop joining");
    await assert.rejects(
      q.join({ signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
    const controller = new AbortController();
    const t = createTask(() => q.join({ signal: controller.signal }));
    await ticks();
    controller.abort(reason);
    await assert.rejects(t, (e) => e === reason);
  });
});

Deno.test("Queue.shutdown() lets gets drain the queue, then throws QueueShutDown everywhere", async () => {
  await vrun(async () => {
    const q = new Queue<number>();
    q.putNowait(1);
    q.putNowait(2);
    q.shutdown();
    assert.ok(q.isShutdown());
    assert.throws(() => q.putNowait(3), QueueShutDown);
    await assert.rejects(q.put(3), QueueShutDown);
    assert.equal(await q.get(), 1);
    assert.equal(q.getNowait(), 2);
    await assert.rejects(q.get(), QueueShutDown);
    assert.throws(() => q.getNowait(), QueueShutDown);
  });
});

Deno.test("Queue.shutdown() wakes blocked getters and putters with QueueShutDown; putters insert nothing", async () => {
  await vrun(async () => {
    const empty = new Queue<number>();
    const getter = createTask(() => empty.get());
    const full = new Queue<number>(1);
    full.putNowait(1);
    const putter = createTask(() => full.put(2));
    await ticks();
    empty.shutdown();
    full.shutdown();
    await assert.rejects(getter, QueueShutDown);
    await assert.rejects(putter, QueueShutDown);
    assert.equal(full.qsize(), 1);
    assert.equal(full.getNowait(), 1);
  });
});

Deno.test("Queue.shutdown(true) drops the items, counts them done and unblocks join()", async () => {
  await vrun(async () => {
    const q = new Queue<number>();
    q.putNowait(1);
    q.putNowait(2);
    q.putNowait(3);
    assert.equal(q.getNowait(), 1); // got, but taskDone() not called yet
    const joiner = createTask(() => q.join());
    await ticks();
    q.shutdown(true);
    assert.equal(q.qsize(), 0);
    await assert.rejects(q.get(), QueueShutDown);
    await ticks();
    assert.equal(joiner.done(), false, "item 1 is still being processed");
    q.taskDone();
    await joiner;
    assert.throws(() => q.taskDone(), RangeError);
  });
});

Deno.test("Queue async iteration gets items until the queue is shut down and empty", async () => {
  const got = await vrun(async () => {
    const q = new Queue<number>(1);
    const consumer = createTask(async () => {
      const got: number[] = [];
      for await (const n of q) {
        got.push(n);
        q.taskDone();
      }
      return got;
    });
    for (let i = 0; i < 5; i++) await q.put(i);
    await q.join();
    q.shutdown();
    return await consumer;
  });
  assert.deepEqual(got, [0, 1, 2, 3, 4]);
});

Deno.test("Queue async iteration cancelled while waiting loses no item", async () => {
  await vrun(async () => {
    const q = new Queue<number>();
    const consumer = createTask(async () => {
      for await (const _ of q) throw new Error("unreachable");
    });
    await ticks();
    consumer.cancel();
    await assert.rejects(consumer, CancelledError);
    q.putNowait(1);
    assert.equal(q.qsize(), 1);
  });
});

Deno.test("Queue.toString() shows size, waiters, unfinished items and shutdown", async () => {
  await vrun(async () => {
    const q = new Queue<number>(1);
    assert.equal(String(q), "Queue(maxsize=1, size=0)");
    const g = createTask(() => q.get());
    await ticks();
    assert.equal(String(q), "Queue(maxsize=1, size=0, getters=1)");
    q.putNowait(1);
    await g;
    q.putNowait(2);
    const p = createTask(() => q.put(3));
    await ticks();
    assert.equal(
      String(q),
      "Queue(maxsize=1, size=1, putters=1, unfinished=2)",
    );
    q.shutdown();
    await assert.rejects(p, QueueShutDown);
    assert.equal(
      String(q),
      "Queue(maxsize=1, size=1, unfinished=2, shut down)",
    );
  });
});
