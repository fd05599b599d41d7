/**
 * User port 14: the job scheduler of `examples/job_scheduler.ts` and its
 * `Deno.serve` status API, on the real clock (it does network I/O), with
 * the sanitizers on.
 *
 * @module
 */
import assert from "node:assert/strict";
import { getRunningLoop } from "@aio/asyncio/loop";
import {
  allTasks,
  CancelledError,
  currentSignal,
  run,
  sleep,
  timeout,
  TimeoutError,
} from "@aio/asyncio/task";
import {
  demo,
  type JobInfo,
  JobScheduler,
  serveStatus,
} from "../../examples/job_scheduler.ts";

Deno.test("scheduler: the demo ends with the documented job table and nothing pending", async () => {
  const { jobs, log } = await run(demo);
  assert.deepEqual(
    jobs.map((j) => [j.id, j.name, j.state, j.result]),
    [
      [1, "sleeper", "done", "slept"],
      [2, "fetch-data", "done", 49],
      [3, "native-mix", "done", "setTimeout+aio sleep+resolved"],
      [4, "pipeline", "done", { total: 55, peak: 2 }],
      [5, "deadline", "done", "timed out"],
      [6, "hang", "cancelled", undefined],
    ],
  );
  assert.ok(log.includes("hang: finally ran"));
  assert.ok(
    log.includes(
      "task tree: └── job-6:hang (ready or awaiting a host promise)",
    ),
    log.join("\n"),
  );
  assert.ok(log.includes('cancel -> 202 {"id":6,"cancelled":true}'));
  assert.ok(log.includes("pending jobs: 0"));
  assert.ok(log.includes("hang bodies the server saw abandoned: 2"));
  assert.equal(log.at(-1), "tasks left besides main: 0");
});

/** Starts a scheduler and its server inside `run()`, runs `body`, stops. */
function withServer<T>(
  body: (
    s: JobScheduler,
    base: string,
    hangsCancelled: () => number,
  ) => Promise<T>,
): Promise<T> {
  return run(async () => {
    const stop = new AbortController();
    const scheduler = new JobScheduler();
    let hangs = 0;
    const server = serveStatus(scheduler, {
      signal: stop.signal,
      onHangCancelled: () => hangs++,
    });
    try {
      return await body(
        scheduler,
        `http://127.0.0.1:${server.addr.port}`,
        () => hangs,
      );
    } finally {
      await scheduler.shutdown();
      stop.abort();
      await server.finished;
    }
  });
}

Deno.test("scheduler: POST /jobs/:id/cancel cancels a job waiting in fetch; finally runs; second cancel is 409; unknown id 404", async () => {
  const out = await withServer(async (scheduler, base, hangsCancelled) => {
    const events: string[] = [];
    let reason: unknown;
    const { id, task } = scheduler.submit("hang", async (signal) => {
      try {
        const res = await fetch(`${base}/hang`, { signal });
        events.push("headers");
        return await res.text();
      } catch (e) {
        reason = e;
        throw e;
      } finally {
        events.push("finally");
      }
    });
    // Wait (by polling the API, as a client would) until the job has its
    // response headers.
    for (let i = 0; i < 1000 && !events.includes("headers"); i++) {
      await sleep(2);
    }
    const table = await (await fetch(`${base}/jobs`, {
      signal: AbortSignal.timeout(2_000),
    })).json() as JobInfo[];
    assert.deepEqual(table.map((j) => [j.id, j.state]), [[id, "running"]]);

    const r1 = await fetch(`${base}/jobs/${id}/cancel`, { method: "POST" });
    const b1 = await r1.json();
    await assert.rejects(task, CancelledError);
    assert.ok(task.cancelled());
    const r2 = await fetch(`${base}/jobs/${id}/cancel`, { method: "POST" });
    const b2 = await r2.json();
    const r3 = await fetch(`${base}/jobs/99/cancel`, { method: "POST" });
    await r3.body?.cancel();
    const after = await (await fetch(`${base}/jobs/${id}`)).json() as JobInfo;
    for (let i = 0; i < 1000 && hangsCancelled() === 0; i++) await sleep(2);
    return {
      events,
      reason,
      r1: [r1.status, b1],
      r2: [r2.status, b2],
      r3: r3.status,
      after,
      hangs: hangsCancelled(),
    };
  });
  assert.deepEqual(out.events, ["headers", "finally"]);
  // The body read was aborted by the task's signal: its reason is the
  // task's CancelledError, with the message given to cancel().
  assert.ok(out.reason instanceof CancelledError);
  assert.equal((out.reason as Error).message, "cancelled through the API");
  assert.deepEqual(out.r1, [202, { id: 1, cancelled: true }]);
  assert.deepEqual(out.r2, [409, { id: 1, cancelled: false }]);
  assert.equal(out.r3, 404);
  assert.equal(out.after.state, "cancelled");
  assert.equal(out.hangs, 1);
});

Deno.test("scheduler: timeout() around fetch + body read throws TimeoutError at the deadline and aborts the request", async () => {
  const out = await withServer(async (scheduler, base, hangsCancelled) => {
    const loop = getRunningLoop();
    const { task } = scheduler.submit("deadline", async () => {
      const t0 = loop.time();
      try {
        await timeout(30, async () => {
          const res = await fetch(`${base}/hang`, { signal: currentSignal() });
          return await res.text();
        });
        return "answered";
      } catch (e) {
        return `${(e as Error).name} after >=30: ${loop.time() - t0 >= 30}`;
      }
    });
    const v = await task;
    for (let i = 0; i < 1000 && hangsCancelled() === 0; i++) await sleep(2);
    return { v, hangs: hangsCancelled(), task: task.signal.aborted };
  });
  assert.deepEqual(out, {
    v: "TimeoutError after >=30: true",
    hangs: 1,
    task: false, // a handled timeout leaves the task's signal alone
  });
});

Deno.test("scheduler: shutdown() cancels running jobs of every kind; every finally runs; no task left", async () => {
  const out = await withServer(async (scheduler, base) => {
    const finals: string[] = [];
    const job = (name: string, fn: (signal: AbortSignal) => Promise<unknown>) =>
      scheduler.submit(name, async (signal) => {
        try {
          return await fn(signal);
        } finally {
          finals.push(name);
        }
      });
    job("aio-sleep", () => sleep(60_000));
    job(
      "fetch-hang",
      async (signal) => (await fetch(`${base}/hang`, { signal })).text(),
    );
    // A native timer the job awaits beside an aio sleep; it ends before the
    // shutdown (awaited below), so only the aio wait is left to cancel.
    const native = new Promise((r) => setTimeout(r, 1));
    job("native-and-aio", () => Promise.all([native, sleep(60_000)]));
    const data = job(
      "fetch-data",
      async () => (await fetch(`${base}/data/1`)).json(),
    );
    // Shut down once the quick job is done (not after a guessed delay):
    // the others are still waiting then, whatever the machine's load.
    await data.task;
    await native;
    await scheduler.shutdown();
    const states = scheduler.list().map((j) => [j.name, j.state]);
    return { finals: finals.sort(), states, left: allTasks().size };
  });
  assert.deepEqual(out.finals, [
    "aio-sleep",
    "fetch-data",
    "fetch-hang",
    "native-and-aio",
  ]);
  assert.deepEqual(out.states, [
    ["aio-sleep", "cancelled"],
    ["fetch-hang", "cancelled"],
    ["native-and-aio", "cancelled"],
    ["fetch-data", "done"],
  ]);
  assert.equal(out.left, 1); // main only
});

Deno.test("scheduler: a client's AbortSignal.timeout on /hang rejects with a TimeoutError DOMException (native), the server sees the body cancelled", async () => {
  const out = await withServer(async (_s, base, hangsCancelled) => {
    let err: unknown;
    try {
      const res = await fetch(`${base}/hang`, {
        signal: AbortSignal.timeout(30),
      });
      await res.text();
    } catch (e) {
      err = e;
    }
    for (let i = 0; i < 1000 && hangsCancelled() === 0; i++) await sleep(2);
    return {
      name: (err as Error).name,
      isAioTimeout: err instanceof TimeoutError,
      hangs: hangsCancelled(),
    };
  });
  assert.deepEqual(out, {
    name: "TimeoutError",
    isAioTimeout: false,
    hangs: 1,
  });
});
