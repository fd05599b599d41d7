/**
 * User port 14: cancelling running jobs (`task.cancel()`, `timeout()`, a
 * failing `TaskGroup` child) whose code mixes native promises with aio
 * futures, queues, locks and semaphores. Checks `finally` blocks run, the
 * primitives are left consistent, and nothing is left pending.
 *
 * @module
 */
import assert from "node:assert/strict";
import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import {
  allTasks,
  CancelledError,
  createTask,
  Future,
  run,
  sleep,
  taskGroup,
  timeout,
  TimeoutError,
  wait,
} from "@aio/asyncio/task";
import { Event, Lock, Queue, Semaphore } from "@aio/asyncio/sync";

const vclock = () => ({ clock: new VirtualClock() });

Deno.test("cancel: task.cancel() of a job in Promise.all(aio sleep, q.get, lock, native) runs finally; queue, lock and semaphore stay consistent", async () => {
  const out = await run(async () => {
    const loop = getRunningLoop();
    const q = new Queue<string>();
    const lock = new Lock();
    const sem = new Semaphore(1);
    await lock.acquire(); // main holds it: the job waits
    await sem.acquire();
    const events: string[] = [];
    const job = createTask(async () => {
      try {
        await Promise.all([
          sleep(1_000),
          q.get(),
          lock.acquire(),
          sem.acquire(),
          Promise.resolve("native"),
        ]);
        events.push("all done?!");
      } catch (e) {
        events.push(`caught ${(e as Error).name} at ${loop.time()}`);
        throw e;
      } finally {
        events.push("finally");
      }
    }, { name: "job" });
    await sleep(10);
    assert.equal(job.pendingWaits().length, 4);
    job.cancel("stop");
    await assert.rejects(
      job,
      (e) => e instanceof CancelledError && e.message === "stop",
    );
    // Nothing taken: an item put now is there, the lock and the permit
    // go straight back to us.
    q.putNowait("x");
    lock.release();
    sem.release();
    return {
      events,
      qsize: q.qsize(),
      locked: lock.locked(),
      sem: sem.value,
      left: allTasks().size,
    };
  }, vclock());
  assert.deepEqual(out, {
    events: ["caught CancelledError at 10", "finally"],
    qsize: 1,
    locked: false,
    sem: 1,
    left: 1,
  });
});

Deno.test("cancel: timeout() around a job's waits throws TimeoutError at the deadline, finally runs, the task's signal is untouched", async () => {
  const out = await run(async (mainSignal) => {
    const loop = getRunningLoop();
    const events: string[] = [];
    const ev = new Event();
    const job = createTask(async (signal) => {
      try {
        await timeout(250, async (scope) => {
          try {
            await Promise.all([ev.wait(), sleep(10_000)]);
          } finally {
            events.push(
              `inner finally at ${loop.time()} scope aborted=${scope.signal.aborted}`,
            );
          }
        });
      } catch (e) {
        events.push(
          `${(e as Error).name}; task signal aborted=${signal.aborted}`,
        );
      }
      await sleep(5); // the task goes on after a handled timeout
      return loop.time();
    });
    const end = await job;
    return { events, end, main: mainSignal.aborted };
  }, vclock());
  assert.deepEqual(out, {
    events: [
      "inner finally at 250 scope aborted=true",
      "TimeoutError; task signal aborted=false",
    ],
    end: 255,
    main: false,
  });
});

Deno.test("cancel: a taskGroup batch: a failing job cancels the others (finally runs in each), AggregateError, nothing pending", async () => {
  const out = await run(async () => {
    const loop = getRunningLoop();
    const finals: string[] = [];
    const sem = new Semaphore(2);
    let err: unknown;
    try {
      await taskGroup(async (tg) => {
        for (let i = 0; i < 5; i++) {
          tg.createTask(async () => {
            try {
              using _ = await sem.lock();
              await sleep(100 * (i + 1));
              if (i === 1) throw new RangeError(`job ${i} failed`);
            } finally {
              finals.push(`${i}@${loop.time()}`);
            }
          }, { name: `batch-${i}` });
        }
      });
    } catch (e) {
      err = e;
    }
    return {
      err,
      finals,
      sem: sem.value,
      left: allTasks().size,
      t: loop.time(),
    };
  }, vclock());
  assert.ok(out.err instanceof AggregateError);
  assert.equal(out.err.errors.length, 1);
  assert.ok(out.err.errors[0] instanceof RangeError);
  // Jobs 0 and 1 hold the permits; 0 ends at 100, 2 starts at 100 (ends 300),
  // 1 fails at 200: 2 (in its sleep), 3 and 4 (waiting for a permit) are
  // cancelled at 200.
  assert.deepEqual(out.finals.sort(), [
    "0@100",
    "1@200",
    "2@200",
    "3@200",
    "4@200",
  ]);
  assert.equal(out.sem, 2);
  assert.equal(out.left, 1);
  assert.equal(out.t, 200);
});

Deno.test("cancel: a job cancelled while it awaits a native setTimeout promise (no signal) is cancelled at its next library wait", async () => {
  // Real clock: the job waits on host timers.
  const out = await run(async () => {
    const events: string[] = [];
    const started = new Event();
    const job = createTask(async () => {
      try {
        started.set();
        await new Promise((r) => setTimeout(r, 30));
        events.push("native wait ended");
        await sleep(0);
        events.push("after sleep(0)?!");
      } finally {
        events.push("finally");
      }
    });
    await started.wait();
    job.cancel();
    const r = await Promise.allSettled([job]);
    return { events, status: r[0].status, cancelled: job.cancelled() };
  });
  assert.deepEqual(out, {
    events: ["native wait ended", "finally"],
    status: "rejected",
    cancelled: true,
  });
});

Deno.test("cancel: work started from a setTimeout callback inside a job belongs to the job: cancelling the job cancels it", async () => {
  const out = await run(async () => {
    const events: string[] = [];
    const inner = new Future<void>();
    const job = createTask(async () => {
      setTimeout(() => {
        sleep(10_000).then(
          () => events.push("inner slept?!"),
          (e) => events.push(`inner ${(e as Error).name}`),
        ).finally(() => inner.setResult());
      }, 0);
      await sleep(10_000);
    });
    await sleep(20); // the host timer has fired by then (real clock)
    job.cancel();
    await Promise.allSettled([job]);
    await inner;
    return events;
  });
  assert.deepEqual(out, ["inner CancelledError"]);
});

Deno.test("cancel: race a queue get against a native timer with wait(FIRST_COMPLETED), cancel the loser: no item lost", async () => {
  const out = await run(async () => {
    const q = new Queue<number>();
    const nativeTimer = new Promise<string>((r) =>
      setTimeout(() => r("timer"), 10)
    );
    // Typed Promise<number>, documented as a cancellable Future: cast.
    const get = q.get() as Future<number>;
    const { done, pending } = await wait([get, nativeTimer], {
      returnWhen: "FIRST_COMPLETED",
    });
    for (const p of pending) if (p === get) get.cancel();
    await Promise.allSettled([get]);
    q.putNowait(1);
    q.putNowait(2);
    return {
      winner: done.has(nativeTimer),
      getCancelled: get.cancelled(),
      items: [q.getNowait(), q.getNowait()],
    };
  });
  assert.deepEqual(out, { winner: true, getCancelled: true, items: [1, 2] });
});

Deno.test("cancel: a job's nested timeout that expires while the job itself is cancelled propagates CancelledError, not TimeoutError", async () => {
  const out = await run(async () => {
    let seen = "";
    const job = createTask(async () => {
      try {
        await timeout(100, () => sleep(1_000));
      } catch (e) {
        seen = (e as Error).name;
        throw e;
      }
    });
    await sleep(50);
    job.cancel();
    await Promise.allSettled([job]);
    return { seen, cancelled: job.cancelled() };
  }, vclock());
  assert.deepEqual(out, { seen: "CancelledError", cancelled: true });
});

Deno.test("cancel: run() cancels jobs still pending when main returns; their finally blocks run before run() resolves", async () => {
  const finals: string[] = [];
  const v = await run(async () => {
    for (const name of ["a", "b"]) {
      createTask(async () => {
        try {
          await sleep(60_000);
        } finally {
          finals.push(name);
        }
      });
    }
    await sleep(1);
    return "main done";
  }, vclock());
  assert.equal(v, "main done");
  assert.deepEqual(finals, ["a", "b"]);
});

Deno.test("cancel: TimeoutError of timeout() is the library's, distinct from AbortSignal.timeout's DOMException", async () => {
  await run(async () => {
    await assert.rejects(timeout(5, () => sleep(10)), TimeoutError);
  }, vclock());
});
