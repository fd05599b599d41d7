/**
 * A task looping on waits that need not wait (draining a backlog, a free
 * lock, a set event) lets the loop run other tasks on each busy tick, but a
 * `cancel()` made by them never reached it (attack round 26): each
 * busy-tick wait is a `Granted` future that refuses the cancellation and
 * keeps it pending, and every other wait of the loop is a fast path that
 * never looked at it. The task ran to the end of its backlog (or for ever),
 * and `timeout()` around such a loop never fired. A fast path on a busy
 * tick now delivers a pending cancellation before it acts.
 */
import assert from "node:assert/strict";
import {
  createTask,
  currentTask,
  gather,
  run,
  sleep,
  timeout,
} from "../../task/mod.ts";
import { primeBusyTick } from "./_busy_tick.ts";
import { VirtualClock } from "../../loop/mod.ts";
import { Event, Lock, Queue, Semaphore } from "../../sync/mod.ts";

const N = 300_000;

const loops: Record<string, () => (i: number) => Promise<unknown>> = {
  "Queue.get() of a backlog": () => {
    const q = new Queue<number>();
    for (let i = 0; i < N; i++) q.putNowait(i);
    return () => q.get();
  },
  "Queue.put() with room": () => {
    const q = new Queue<number>();
    return (i) => q.put(i);
  },
  "Lock.acquire() of a free lock": () => {
    const lock = new Lock();
    return async () => {
      await lock.acquire();
      lock.release();
    };
  },
  "Semaphore.acquire() with permits": () => {
    const sem = new Semaphore(1);
    return async () => {
      await sem.acquire();
      sem.release();
    };
  },
  "Event.wait() on a set event": () => {
    const e = new Event();
    e.set();
    return () => e.wait();
  },
};

for (const [name, make] of Object.entries(loops)) {
  Deno.test(`cancel() reaches a task looping on ${name}`, async () => {
    const out = await run(async () => {
      const step = make();
      let done = 0;
      const looper = createTask(async () => {
        for (let i = 0; i < N; i++) {
          await step(i);
          done++;
        }
        return "finished";
      });
      // Runs once the looper's busy tick gives way.
      const canceller = createTask(async () => {
        await sleep(0);
        looper.cancel();
        return done;
      });
      const atCancel = await canceller;
      const outcome = await looper.then(
        (v) => v,
        (e) => (e as Error).name,
      );
      return { outcome, atCancel, done };
    }, { clock: new VirtualClock(), handleSigint: false });
    assert.ok(out.atCancel < N, "the canceller ran before the end");
    assert.equal(out.outcome, "CancelledError");
    assert.ok(out.done < N, `the looper went on to ${out.done} after cancel()`);
  });
}

Deno.test("a Queue.get() refused by a pending cancellation leaves the item", async () => {
  const out = await run(async () => {
    const q = new Queue<number>();
    for (let i = 0; i < N; i++) q.putNowait(i);
    const got: number[] = [];
    const consumer = createTask(async () => {
      for (;;) got.push(await q.get());
    });
    await sleep(0);
    consumer.cancel();
    await consumer.catch(() => {});
    return { got: got.length, left: q.qsize() };
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.equal(out.got + out.left, N, "every item is either taken or left");
});

// Second review: with a cancellation pending, the first get() of
// `gather(q.get(), q.get())` on a busy tick took it, and the second, made
// before the code awaited, took an item the cancelled gather dropped.
for (const busy of [false, true]) {
  Deno.test(`gather(q.get(), q.get()) with a cancel pending loses no item (busy tick: ${busy})`, async () => {
    const out = await run(async () => {
      const q = new Queue<string>();
      q.putNowait("a");
      q.putNowait("b");
      const t = createTask(async () => {
        currentTask()!.cancel();
        if (busy) primeBusyTick();
        return await gather(q.get(), q.get());
      });
      const got = await t.then((v) => v, () => [] as string[]);
      return { got, left: q.qsize() };
    }, { clock: new VirtualClock(), handleSigint: false });
    assert.equal(out.got.length + out.left, 2, JSON.stringify(out));
  });
}

Deno.test("after a busy-tick wait took a cancellation, the code's cleanup waits as usual", async () => {
  const out = await run(async () => {
    const q = new Queue<string>();
    q.putNowait("a");
    const log: string[] = [];
    const t = createTask(async () => {
      currentTask()!.cancel();
      primeBusyTick();
      try {
        await q.get();
        log.push("got");
      } catch (error) {
        log.push((error as Error).name);
        await q.put("returned"); // in a later microtask: not refused
        log.push("put");
      }
    });
    await t;
    return { log, items: [q.getNowait(), q.getNowait()] };
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.deepEqual(out, {
    log: ["CancelledError", "put"],
    items: ["a", "returned"],
  });
});

// Third review: the second wait ran in another scope the cancellation
// covers (a `timeout()` body beside the task's root), so it took an item.
for (const order of ["root first", "timeout first"]) {
  Deno.test(`gather(q.get(), timeout(null, q.get)) with a cancel pending loses no item on a busy tick (${order})`, async () => {
    const out = await run(async () => {
      const q = new Queue<string>();
      q.putNowait("a");
      q.putNowait("b");
      const t = createTask(async () => {
        currentTask()!.cancel();
        primeBusyTick();
        return order === "root first"
          ? await gather(q.get(), timeout(null, () => q.get()))
          : await gather(timeout(null, () => q.get()), q.get());
      });
      const got = await t.then((v) => v, () => [] as string[]);
      return { got, left: q.qsize() };
    }, { clock: new VirtualClock(), handleSigint: false });
    assert.equal(out.got.length + out.left, 2, JSON.stringify(out));
  });
}

// Fourth review: an untagged cancellation (a `timeout()` future cancelled
// directly) was refused only in the exact scope that took it.
Deno.test("gather(q.get(), timeout(null, q.get)) under an untagged cancellation loses no item on a busy tick", async () => {
  const out = await run(async () => {
    const q = new Queue<string>();
    q.putNowait("a");
    q.putNowait("b");
    // deno-lint-ignore prefer-const
    let outer: Promise<string[]> & { cancel?: () => boolean };
    outer = timeout(null, async () => {
      await sleep(0);
      outer.cancel!(); // untagged, and kept pending: no wait is pending
      primeBusyTick();
      return await gather(q.get(), timeout(null, () => q.get()));
    });
    const got = await outer.then((v) => v, () => [] as string[]);
    return { got, left: q.qsize() };
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.equal(out.got.length + out.left, 2, JSON.stringify(out));
});

// The README's advice for a quiet tick (fourth review's older finding, left
// open): gather() of functions runs each as a task, stopped before it takes
// anything when the gather is cancelled.
Deno.test("gather() of functions with a cancel pending takes nothing", async () => {
  const out = await run(async () => {
    const q = new Queue<string>();
    q.putNowait("a");
    q.putNowait("b");
    const t = createTask(async () => {
      currentTask()!.cancel();
      return await gather(() => q.get(), () => timeout(null, () => q.get()));
    });
    const got = await t.then((v) => v, () => [] as string[]);
    return { got, left: q.qsize() };
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.deepEqual(out, { got: [], left: 2 });
});
