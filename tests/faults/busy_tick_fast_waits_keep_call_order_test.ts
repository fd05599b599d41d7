/**
 * Review of attack round 25's fix (the busy tick).
 *
 * What: once a tick is "busy" (256 fast waits + 4 ms, loop/event_loop.ts
 * [busyTick]), the next fast-path call of Queue.put/get, Lock/Semaphore
 * .acquire or a set Event.wait no longer takes effect when it is called:
 * it returns `afterTick(() => retry)` (sync/_waiters.ts:205) and re-decides
 * one tick later. Calls made after it in the same tick take effect first.
 * `primeBusyTick()` puts the loop exactly in that state (deterministically).
 *
 * Measured (each test below fails):
 *  1. unbounded Queue, `q.put(1); q.put(2)` (both before any await, or in
 *     one Promise.all): items come out [2, 1]. Expected [1, 2]: FIFO order
 *     of calls; an unbounded put never waits, so nothing justifies reordering.
 *  2. `q.put(last); q.shutdown()`: the put rejects with QueueShutDown and the
 *     item is lost. Expected: put succeeded (queue had room when called).
 *  3. `q.put(x); await q.join()` returns at once (x is not yet in the
 *     queue) though nobody called taskDone(). Expected: join waits for x.
 *  4. Event set when wait() is called, cleared in the same tick (a gate that
 *     closes again): wait() never resolves (hang; here 1000 virtual ms).
 *     Expected true at once, as asyncio's `if self._value: return True`.
 *  5. `lock.acquire()` on a free lock, then `lock.locked()` is false and a
 *     later acquire (of another task) in the same tick gets the lock first.
 * Also: which call is deferred depends on performance.now(), so under
 * VirtualClock the ORDER of items/lock holders now depends on machine speed.
 * Cause: sync/queue.ts:219,289, sync/lock.ts:92, sync/semaphore.ts:135,
 * sync/event.ts:79 call afterTick(retry) instead of acting now and yielding
 * after. Fix: take the item/permit/lock now and only delay the *resolution*
 * (e.g. `afterTick(() => value)`), so the state change keeps call order.
 *
 * Fixed: the primitive acts at the call (the lock is taken, the item is in
 * or out of the queue, the event's state is read) and only the resolution
 * waits for the next tick (`grantNextTick()` in loop/settled.ts: a future
 * whose cancel() refuses, as a woken waiter's hand-over stands; the task
 * gets a cancellation at its next wait).
 */
import assert from "node:assert/strict";
import { createTask, run, sleep, waitFor } from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";
import { Event, Lock, Queue, QueueShutDown } from "../../sync/mod.ts";
import { primeBusyTick } from "./_busy_tick.ts";

const opts = { clock: new VirtualClock(), handleSigint: false };

Deno.test("1. unbounded Queue keeps the order of put() calls", async () => {
  const out = await run(async () => {
    const q = new Queue<number>();
    primeBusyTick();
    const a = q.put(1);
    const b = q.put(2);
    await Promise.all([a, b]);
    return [await q.get(), await q.get()];
  }, { ...opts, clock: new VirtualClock() });
  assert.deepEqual(out, [1, 2]);
});

Deno.test("2. put() called before shutdown() is not lost", async () => {
  const out = await run(async () => {
    const q = new Queue<string>();
    primeBusyTick();
    const p = q.put("last");
    q.shutdown();
    const r = await p.then(
      () => "ok",
      (e) => e instanceof QueueShutDown ? "QueueShutDown" : String(e),
    );
    return { put: r, qsize: q.qsize() };
  }, { ...opts, clock: new VirtualClock() });
  assert.deepEqual(out, { put: "ok", qsize: 1 });
});

Deno.test("3. join() after put() waits for the item", async () => {
  const out = await run(async () => {
    const q = new Queue<string>();
    primeBusyTick();
    void q.put("x");
    // Nobody calls taskDone(): join() must not return.
    return await waitFor(q.join(), 100).then(
      () => `joined with qsize ${q.qsize()}`,
      (e) => (e as Error).name,
    );
  }, { ...opts, clock: new VirtualClock() });
  assert.equal(out, "TimeoutError");
});

Deno.test("4. Event.wait() called while set resolves even if cleared in the same tick", async () => {
  const out = await run(async () => {
    const ev = new Event();
    ev.set();
    primeBusyTick();
    const w = ev.wait();
    ev.clear();
    try {
      return await waitFor(w, 1000);
    } catch (e) {
      return (e as Error).name;
    }
  }, { ...opts, clock: new VirtualClock() });
  assert.equal(out, true);
});

Deno.test("5. acquire() of a free Lock takes it at the call", async () => {
  const out = await run(async () => {
    const lock = new Lock();
    const order: string[] = [];
    primeBusyTick();
    const a = lock.acquire().then(() => {
      order.push("A");
      lock.release();
    });
    const lockedAfterA = lock.locked();
    const b = lock.acquire().then(() => {
      order.push("B");
      lock.release();
    });
    await Promise.all([a, b]);
    return { lockedAfterA, order };
  }, { ...opts, clock: new VirtualClock() });
  assert.deepEqual(out, { lockedAfterA: true, order: ["A", "B"] });
});

Deno.test("6. a granted get() under waitFor() gives its item; a cancel in the granted tick keeps it and reaches the next wait", async () => {
  const out = await run(async () => {
    const q = new Queue<string>();
    q.putNowait("x");
    q.putNowait("y");
    primeBusyTick();
    const viaWaitFor = await waitFor(q.get(), 50);
    const events: string[] = [];
    const task = createTask(async () => {
      primeBusyTick();
      const got = q.get(); // takes "y" now, resolves next tick
      events.push(`size ${q.qsize()}`);
      try {
        events.push(`got ${await got}`);
        await sleep(1);
        events.push("slept");
      } catch (error) {
        events.push(`next wait: ${(error as Error).name}`);
      }
    });
    await sleep(0); // the task has called get() and parks on it
    task.cancel();
    await task;
    return { viaWaitFor, events };
  }, opts);
  assert.deepEqual(out, {
    viaWaitFor: "x",
    events: ["size 0", "got y", "next wait: CancelledError"],
  });
});
