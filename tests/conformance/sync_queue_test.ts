/**
 * CPython `Lib/test/test_asyncio/test_queues.py` (3.13/3.14, shutdown
 * included), ported to aio on the virtual clock. Each test names its
 * CPython original; the join and shutdown mixins run on `Queue`,
 * `LifoQueue` and `PriorityQueue`.
 *
 * `sync/queue.ts` (class doc): "Items are handed over directly: `put()`
 * gives its item to the first waiting getter, `get()` lets the first
 * waiting putter's item in. So a cancelled `get()` never loses an item
 * ... and `qsize()` is right at every instant."
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  taskGroup,
  TimeoutError,
  waitFor,
} from "../../task/mod.ts";
import { getRunningLoop } from "../../loop/mod.ts";
import {
  LifoQueue,
  PriorityQueue,
  Queue,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
} from "../../sync/mod.ts";
import { count, tick, vrun } from "./_util.ts";

Deno.test("QueueBasicTests.test_repr: getters and putters", async () => {
  await vrun(async () => {
    const q = new Queue<number>();
    const getter = createTask(() => q.get());
    await tick();
    assert.equal(count(q, "getters"), 1);
    q.putNowait(0);
    assert.equal(await getter, 0);

    const q2 = new Queue<number>(1);
    q2.putNowait(1);
    const putter = createTask(() => q2.put(2));
    await tick();
    assert.equal(count(q2, "putters"), 1);
    q2.getNowait();
    await putter;
    assert.equal(q2.qsize(), 1);
  });
});

Deno.test("QueueBasicTests.test_empty / test_full / test_order / test_maxsize", async () => {
  await vrun(async () => {
    const q = new Queue<number>();
    assert.ok(q.empty());
    await q.put(1);
    assert.equal(q.empty(), false);
    assert.equal(await q.get(), 1);
    assert.ok(q.empty());
    assert.equal(q.full(), false);
    const q1 = new Queue<number>(1);
    await q1.put(1);
    assert.ok(q1.full());

    for (const i of [1, 3, 2]) await q.put(i);
    assert.deepEqual([await q.get(), await q.get(), await q.get()], [1, 3, 2]);

    const q2 = new Queue<number>(2);
    assert.equal(q2.maxsize, 2);
    const haveBeenPut: number[] = [];
    const t = createTask(async () => {
      for (let i = 0; i < 3; i++) {
        await q2.put(i);
        haveBeenPut.push(i);
      }
      return true;
    });
    await tick();
    await tick();
    assert.deepEqual(haveBeenPut, [0, 1]);
    assert.equal(await q2.get(), 0);
    // aio: the waiting putter's item went in at the get (hand-over).
    assert.equal(q2.qsize(), 2);
    await tick();
    assert.deepEqual(haveBeenPut, [0, 1, 2]);
    assert.equal(await q2.get(), 1);
    assert.equal(await q2.get(), 2);
    assert.equal(await t, true);
  });
});

Deno.test("QueueGetTests.test_blocking_get / test_nonblocking_get(_exception)", async () => {
  await vrun(async () => {
    const q = new Queue<number>();
    q.putNowait(1);
    assert.equal(await q.get(), 1);
    q.putNowait(1);
    assert.equal(q.getNowait(), 1);
    assert.throws(() => q.getNowait(), QueueEmpty);
  });
});

Deno.test("QueueGetTests.test_get_with_putters: a get lets the waiting putter in", async () => {
  await vrun(async () => {
    const q = new Queue<number>(1);
    await q.put(1);
    const putter = createTask(() => q.put(2));
    await tick();
    assert.equal(await q.get(), 1);
    await putter;
    assert.ok(putter.done());
    assert.equal(q.qsize(), 1);
    assert.equal(q.getNowait(), 2);
  });
});

Deno.test("QueueGetTests.test_blocking_get_wait", async () => {
  await vrun(async () => {
    const loop = getRunningLoop();
    const q = new Queue<number>();
    let finished = false;
    const t = createTask(async () => {
      const res = await q.get();
      finished = true;
      return res;
    });
    await tick();
    assert.equal(finished, false);
    loop.callLater(10, () => q.putNowait(1));
    assert.equal(await t, 1);
    assert.ok(finished);
    assert.equal(loop.time(), 10);
  });
});

Deno.test("QueueGetTests.test_get_cancelled_race", async () => {
  await vrun(async () => {
    const q = new Queue<string>();
    const t1 = createTask(() => q.get());
    const t2 = createTask(() => q.get());
    await tick();
    t1.cancel();
    await tick();
    assert.ok(t1.done());
    await q.put("a");
    await tick();
    assert.equal(await t2, "a");
    await assert.rejects(t1, CancelledError);
  });
});

Deno.test("QueueGetTests.test_get_with_waiting_putters", async () => {
  await vrun(async () => {
    const q = new Queue<string>(1);
    createTask(() => q.put("a"));
    createTask(() => q.put("b"));
    assert.equal(await q.get(), "a");
    assert.equal(await q.get(), "b");
  });
});

Deno.test("QueueGetTests.test_why_are_getters_waiting", async () => {
  await vrun(async () => {
    const q = new Queue<number>(1);
    await taskGroup((tg) => {
      tg.createTask(async () => {
        for (let i = 0; i < 5; i++) await q.put(i);
      });
      tg.createTask(async () => {
        for (let i = 0; i < 5; i++) await q.get();
      });
    });
    assert.ok(q.empty());
  });
});

Deno.test("QueueGetTests.test_cancelled_getters_not_being_held_in_self_getters", async () => {
  await vrun(async () => {
    const q = new Queue<number>(5);
    await assert.rejects(waitFor(q.get(), 100), TimeoutError);
    assert.equal(count(q, "getters"), 0);
  });
});

Deno.test("QueuePutTests.test_blocking_put / test_nonblocking_put(_exception)", async () => {
  await vrun(async () => {
    const q = new Queue<number>();
    await q.put(1);
    assert.equal(await q.get(), 1);
    q.putNowait(1);
    assert.equal(q.getNowait(), 1);
    const q1 = new Queue<number>(1);
    q1.putNowait(1);
    assert.throws(() => q1.putNowait(2), QueueFull);
  });
});

Deno.test("QueuePutTests.test_blocking_put_wait", async () => {
  await vrun(async () => {
    const loop = getRunningLoop();
    const q = new Queue<number>(1);
    let finished = false;
    loop.callLater(10, () => q.getNowait());
    const t = createTask(async () => {
      await q.put(1);
      await q.put(2);
      finished = true;
    });
    await tick();
    assert.equal(finished, false);
    await t;
    assert.ok(finished);
    assert.equal(loop.time(), 10);
  });
});

Deno.test("QueuePutTests.test_get_cancel_drop_one_pending_reader: no item lost to a cancelled getter", async () => {
  await vrun(async () => {
    const q = new Queue<number>();
    let reader = createTask(() => q.get());
    await tick();
    q.putNowait(1);
    q.putNowait(2);
    reader.cancel();
    let result: number;
    try {
      result = await reader;
      // aio: the reader was handed item 1 before the cancel and keeps it
      // (sync/mod.ts: "a waiter woken (handed ... an item) and cancelled
      // before it runs again keeps what it was handed").
    } catch (e) {
      assert.ok(e instanceof CancelledError);
      reader = createTask(() => q.get());
      result = await reader;
    }
    assert.equal(result, 1, "if we get 2, 1 got dropped");
  });
});

Deno.test("QueuePutTests.test_get_cancel_drop_many_pending_readers", async () => {
  await vrun(async () => {
    const q = new Queue<number>();
    const got: number[] = [];
    await taskGroup(async (tg) => {
      const reader1 = tg.createTask(() => q.get());
      const reader2 = tg.createTask(() => q.get());
      const reader3 = tg.createTask(() => q.get());
      await tick();
      q.putNowait(1);
      q.putNowait(2);
      reader1.cancel();
      // CPython: reader1 raises CancelledError and 1, 2 go to readers 2
      // and 3. aio: reader1 was handed item 1 before the cancel and keeps
      // it (sync/mod.ts, documented); reader2 gets 2, reader3 still waits.
      got.push(await reader1);
      got.push(await reader2);
      q.putNowait(3);
      got.push(await reader3);
    });
    assert.deepEqual(got, [1, 2, 3]);
  });
});

Deno.test("QueuePutTests.test_put_cancel_drop: a cancelled put inserts nothing (or completes)", async () => {
  await vrun(async () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    let writer = createTask(() => q.put(2));
    await tick();
    assert.equal(q.getNowait(), 1);
    writer.cancel();
    try {
      await writer;
      // aio: the get let item 2 in before the cancel (hand-over).
    } catch (e) {
      assert.ok(e instanceof CancelledError);
      writer = createTask(() => q.put(2));
      await writer;
    }
    assert.equal(q.getNowait(), 2);
    assert.equal(q.qsize(), 0);
  });
});

Deno.test("QueuePutTests.test_float_maxsize: aio refuses a non-integer maxsize", () => {
  // CPython: maxsize=1.3 holds 2 items. aio documents "@throws
  // {RangeError} If `maxsize` is not an integer".
  assert.throws(() => new Queue(1.3), RangeError);
});

Deno.test("QueuePutTests.test_put_cancelled", async () => {
  await vrun(async () => {
    const q = new Queue<number>();
    const t = createTask(async () => {
      await q.put(1);
      return true;
    });
    assert.equal(await q.get(), 1);
    assert.equal(await t, true);
  });
});

Deno.test("QueuePutTests.test_put_cancelled_race", async () => {
  await vrun(async () => {
    const q = new Queue<string>(1);
    const putA = createTask(() => q.put("a"));
    const putB = createTask(() => q.put("b"));
    const putC = createTask(() => q.put("X"));
    await tick();
    assert.ok(putA.done());
    assert.equal(putB.done(), false);
    putC.cancel();
    await tick();
    assert.ok(putC.done());
    assert.equal(q.getNowait(), "a");
    await tick();
    assert.equal(q.getNowait(), "b");
    await putB;
    await assert.rejects(putC, CancelledError);
    assert.ok(q.empty());
  });
});

Deno.test("QueuePutTests.test_put_with_waiting_getters", async () => {
  await vrun(async () => {
    const q = new Queue<string>();
    const t = createTask(() => q.get());
    await tick();
    await q.put("a");
    assert.equal(await t, "a");
  });
});

Deno.test("QueuePutTests.test_why_are_putters_waiting", async () => {
  await vrun(async () => {
    const q = new Queue<number>(2);
    await taskGroup((tg) => {
      tg.createTask(async () => {
        await tick();
        const num = q.qsize();
        for (let i = 0; i < num; i++) q.getNowait();
      });
      for (const i of [0, 1, 2, 3]) tg.createTask(() => q.put(i));
    });
    assert.equal(q.qsize(), 2);
  });
});

Deno.test("QueuePutTests.test_cancelled_puts_not_being_held_in_self_putters", async () => {
  await vrun(async () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    const putTask = createTask(() => q.put(1));
    await tick();
    assert.equal(count(q, "putters"), 1);
    putTask.cancel();
    await assert.rejects(putTask, CancelledError);
    assert.equal(count(q, "putters"), 0);
  });
});

Deno.test("QueuePutTests.test_cancelled_put_silence_value_error_exception", async () => {
  await vrun(async () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    const putTask = createTask(() => q.put(2));
    await tick();
    q.getNowait();
    putTask.cancel();
    // CPython: CancelledError (the put had not run yet). aio: the
    // getNowait() let item 2 in before the cancel, so the put resolved
    // (sync/mod.ts, documented: the woken waiter keeps what it was handed).
    await putTask;
    assert.equal(q.getNowait(), 2);
  });
});

Deno.test("LifoQueueTests.test_order / PriorityQueueTests.test_order", async () => {
  await vrun(async () => {
    const lq = new LifoQueue<number>();
    const pq = new PriorityQueue<number>();
    for (const i of [1, 3, 2]) {
      await lq.put(i);
      await pq.put(i);
    }
    assert.deepEqual([await lq.get(), await lq.get(), await lq.get()], [
      2,
      3,
      1,
    ]);
    assert.deepEqual([await pq.get(), await pq.get(), await pq.get()], [
      1,
      2,
      3,
    ]);
  });
});

const kinds = [
  ["Queue", <T>(n?: number) => new Queue<T>(n)],
  ["LifoQueue", <T>(n?: number) => new LifoQueue<T>(n)],
  ["PriorityQueue", <T>(n?: number) => new PriorityQueue<T>(n)],
] as const;

for (const [name, make] of kinds) {
  Deno.test(`${name}JoinTests.test_task_done_underflow`, () => {
    // CPython: ValueError; aio: RangeError (documented on taskDone()).
    assert.throws(() => make().taskDone(), RangeError);
  });

  Deno.test(`${name}JoinTests.test_task_done: join() waits for every taskDone()`, async () => {
    await vrun(async () => {
      const q = make<number>();
      for (let i = 0; i < 100; i++) q.putNowait(i);
      let acc = 0;
      let running = true;
      await taskGroup(async (tg) => {
        for (let k = 0; k < 2; k++) {
          tg.createTask(async () => {
            while (running) {
              const item = await q.get();
              acc += item;
              q.taskDone();
            }
          });
        }
        await q.join();
        assert.equal(acc, 4950);
        running = false;
        q.putNowait(0);
        q.putNowait(0);
      });
    });
  });

  Deno.test(`${name}JoinTests.test_join_empty_queue`, async () => {
    await vrun(async () => {
      const q = make<number>();
      await q.join();
      await q.join();
    });
  });

  Deno.test(`${name}ShutdownTests.test_shutdown_empty`, async () => {
    await vrun(async () => {
      const q = make<string>();
      const getTask = createTask(() => q.get());
      await tick();
      q.shutdown(false);
      assert.equal(q.qsize(), 0);
      await q.join();
      await tick();
      assert.ok(getTask.done());
      await assert.rejects(getTask, QueueShutDown);
      await assert.rejects(q.put("data"), QueueShutDown);
      assert.throws(() => q.putNowait("data"), QueueShutDown);
      await assert.rejects(q.get(), QueueShutDown);
      assert.throws(() => q.getNowait(), QueueShutDown);
    });
  });

  Deno.test(`${name}ShutdownTests.test_shutdown_nonempty`, async () => {
    await vrun(async () => {
      const q = make<string>(1);
      q.putNowait("data");
      const joinTask = createTask(() => q.join());
      const putTask = createTask(() => q.put("data2"));
      await tick();
      assert.equal(putTask.done(), false);
      q.shutdown(false);
      assert.equal(q.qsize(), 1);
      await tick();
      assert.ok(putTask.done());
      await assert.rejects(putTask, QueueShutDown);
      assert.equal(await q.get(), "data");
      await tick();
      assert.equal(joinTask.done(), false);
      await assert.rejects(q.put("data"), QueueShutDown);
      assert.throws(() => q.putNowait("data"), QueueShutDown);
      await assert.rejects(q.get(), QueueShutDown);
      assert.throws(() => q.getNowait(), QueueShutDown);
      q.taskDone();
      await tick();
      assert.ok(joinTask.done());
      await joinTask;
      assert.throws(() => q.taskDone(), RangeError);
    });
  });

  Deno.test(`${name}ShutdownTests.test_shutdown_immediate`, async () => {
    await vrun(async () => {
      const q = make<string>();
      q.putNowait("data");
      const joinTask = createTask(() => q.join());
      q.shutdown(true);
      assert.equal(q.qsize(), 0);
      await tick();
      assert.ok(joinTask.done());
      await joinTask;
      await assert.rejects(q.put("data"), QueueShutDown);
      assert.throws(() => q.putNowait("data"), QueueShutDown);
      await assert.rejects(q.get(), QueueShutDown);
      assert.throws(() => q.getNowait(), QueueShutDown);
      assert.throws(() => q.taskDone(), RangeError);
    });
  });

  Deno.test(`${name}ShutdownTests.test_shutdown_immediate_with_unfinished`, async () => {
    await vrun(async () => {
      const q = make<string>();
      q.putNowait("data");
      q.putNowait("data");
      const joinTask = createTask(() => q.join());
      assert.equal(await q.get(), "data");
      q.shutdown(true);
      assert.equal(q.qsize(), 0);
      await tick();
      assert.equal(joinTask.done(), false);
      await assert.rejects(q.put("data"), QueueShutDown);
      assert.throws(() => q.putNowait("data"), QueueShutDown);
      await assert.rejects(q.get(), QueueShutDown);
      assert.throws(() => q.getNowait(), QueueShutDown);
      q.taskDone();
      assert.throws(() => q.taskDone(), RangeError);
      await tick();
      assert.ok(joinTask.done());
      await joinTask;
    });
  });

  Deno.test(`${name}ShutdownTests.test_format: isShutdown()`, () => {
    const q = make();
    assert.equal(q.isShutdown(), false);
    q.shutdown();
    assert.ok(q.isShutdown());
    q.shutdown(true);
    assert.ok(q.isShutdown());
  });
}
