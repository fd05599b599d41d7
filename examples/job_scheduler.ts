/**
 * A job scheduler with a status API. Jobs are aio tasks; a `Deno.serve`
 * server on 127.0.0.1 (port 0) lists them at `GET /jobs` and cancels one at
 * `POST /jobs/:id/cancel`. The jobs mix the library with native JS: aio
 * `sleep`, `fetch` against the local server (with the task's or the
 * deadline's signal), plain `setTimeout` promises, `Promise.all` of native
 * promises and aio waits, a `Queue` + `Semaphore` + `Lock` pipeline run as a
 * `taskGroup()` batch, a `timeout()` around a request that never answers,
 * and a heartbeat driven by `loop.callAt`. A client cancels the hanging job
 * through the API; every job's `finally` runs, and nothing is left pending.
 *
 * Run: `deno run --allow-net=127.0.0.1 examples/job_scheduler.ts`
 *
 * @module
 */

import { getRunningLoop, type TimerHandle } from "../loop/mod.ts";
import {
  allTasks,
  createTask,
  currentSignal,
  formatTaskTree,
  run,
  sleep,
  type Task,
  taskGroup,
  timeout,
  TimeoutError,
} from "../task/mod.ts";
import { Lock, Queue, Semaphore } from "../sync/mod.ts";

/** Where a job is. */
export type JobState = "running" | "done" | "failed" | "cancelled";

/** What `GET /jobs` shows of a job. */
export interface JobInfo {
  id: number;
  name: string;
  state: JobState;
  result?: unknown;
  error?: string;
  startedAt: number;
  endedAt?: number;
}

/** Runs jobs as tasks of the running loop and keeps their status. */
export class JobScheduler {
  readonly #jobs = new Map<number, { task: Task<unknown>; info: JobInfo }>();
  readonly #loop = getRunningLoop();
  #nextId = 1;

  /** Starts `fn` as a task; returns its id and the task. */
  submit<T>(
    name: string,
    fn: (signal: AbortSignal) => Promise<T>,
  ): { id: number; task: Task<T> } {
    const id = this.#nextId++;
    const info: JobInfo = {
      id,
      name,
      state: "running",
      startedAt: this.#loop.time(),
    };
    const task = createTask(fn, { name: `job-${id}:${name}` });
    // A done callback, not `task.catch(...)`: it marks the failure handled
    // without tying the job to whoever calls `submit` (README, Pitfalls).
    task.addDoneCallback((t) => {
      info.endedAt = this.#loop.time();
      if (t.cancelled()) {
        info.state = "cancelled";
      } else if (t.exception() !== undefined) {
        info.state = "failed";
        info.error = String(t.exception());
      } else {
        info.state = "done";
        info.result = t.result();
      }
    });
    this.#jobs.set(id, { task: task as Task<unknown>, info });
    return { id, task };
  }

  /** Every job's status, by id. */
  list(): JobInfo[] {
    return [...this.#jobs.values()].map(({ info }) => ({ ...info }));
  }

  /** One job's status. */
  get(id: number): JobInfo | undefined {
    const job = this.#jobs.get(id);
    return job && { ...job.info };
  }

  /** Cancels a running job: `false` if unknown or already done. */
  cancel(id: number, msg?: string): boolean {
    return this.#jobs.get(id)?.task.cancel(msg) ?? false;
  }

  /** Jobs not done yet. */
  pending(): number {
    return [...this.#jobs.values()].filter(({ task }) => !task.done()).length;
  }

  /** Waits until every job is done, however it ends. */
  async settle(): Promise<void> {
    const tasks = [...this.#jobs.values()].map(({ task }) => task);
    // Done callbacks: they do not make the jobs waits of the caller.
    await Promise.all(
      tasks.map((t) =>
        new Promise<void>((resolve) => t.addDoneCallback(() => resolve()))
      ),
    );
  }

  /** Cancels every job still running and waits for them. */
  async shutdown(): Promise<void> {
    for (const { task } of this.#jobs.values()) task.cancel("shutdown");
    await this.settle();
  }
}

/**
 * Serves the status API: `GET /jobs`, `GET /jobs/:id`, `GET /tasks` (the
 * task tree),
 * `POST /jobs/:id/cancel`, plus two endpoints for jobs to call:
 * `GET /data/:n` (answers `{ n, square }` after `n` ms of aio sleep) and
 * `GET /hang` (sends headers, then a body that never ends; each time a
 * client gives up on one, `onHangCancelled` is called).
 */
export function serveStatus(
  scheduler: JobScheduler,
  options: { signal: AbortSignal; onHangCancelled?: () => void },
): Deno.HttpServer<Deno.NetAddr> {
  const { signal, onHangCancelled } = options;
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, signal, onListen() {} },
    async (req) => {
      const url = new URL(req.url);
      const parts = url.pathname.split("/").filter(Boolean);
      if (req.method === "GET" && url.pathname === "/tasks") {
        return new Response(formatTaskTree()); // the loop's task tree
      }
      if (req.method === "GET" && url.pathname === "/jobs") {
        return Response.json(scheduler.list());
      }
      if (parts[0] === "jobs" && parts.length >= 2) {
        const id = Number(parts[1]);
        const info = scheduler.get(id);
        if (!info) {
          return Response.json({ error: "no such job" }, { status: 404 });
        }
        if (parts.length === 2 && req.method === "GET") {
          return Response.json(info);
        }
        if (parts[2] === "cancel" && req.method === "POST") {
          const ok = scheduler.cancel(id, "cancelled through the API");
          return Response.json({ id, cancelled: ok }, {
            status: ok ? 202 : 409,
          });
        }
      }
      if (parts[0] === "data" && parts.length === 2) {
        const n = Number(parts[1]);
        // Outside any task (a host callback): aio's sleep still works on
        // the running loop.
        await sleep(n);
        return Response.json({ n, square: n * n });
      }
      if (url.pathname === "/hang") {
        // Headers now, then a body that never ends: the client's read of
        // it waits until the client aborts, which cancels this stream.
        return new Response(
          new ReadableStream<Uint8Array>({
            start(controller) {
              controller.enqueue(new TextEncoder().encode("waiting\n"));
            },
            cancel() {
              onHangCancelled?.();
            },
          }),
        );
      }
      return new Response("not found", { status: 404 });
    },
  );
}

/** The demo: returns the final job table and a log of events. */
export async function demo(): Promise<{ jobs: JobInfo[]; log: string[] }> {
  const loop = getRunningLoop();
  const log: string[] = [];
  const stopServer = new AbortController();
  const scheduler = new JobScheduler();
  let hangsCancelled = 0;
  const server = serveStatus(scheduler, {
    signal: stopServer.signal,
    onHangCancelled: () => hangsCancelled++,
  });
  const base = `http://127.0.0.1:${server.addr.port}`;

  // A heartbeat on loop timers, drift-free: k-th beat at start + k * 20.
  const start = loop.time();
  let beats = 0;
  let beat: TimerHandle | undefined;
  const onBeat = () => {
    beats++;
    beat = loop.callAt(start + (beats + 1) * 20, onBeat);
  };
  beat = loop.callAt(start + 20, onBeat);

  try {
    scheduler.submit("sleeper", async () => {
      await sleep(30);
      return "slept";
    });

    scheduler.submit("fetch-data", async () => {
      const res = await fetch(`${base}/data/7`, { signal: currentSignal() });
      const body = await res.json() as { square: number };
      return body.square;
    });

    scheduler.submit("native-mix", async () => {
      // Native timers and aio waits in one Promise.all.
      const nativeDelay = (ms: number, v: string) =>
        new Promise<string>((r) => setTimeout(() => r(v), ms));
      const values = await Promise.all([
        nativeDelay(10, "setTimeout"),
        sleep(15).then(() => "aio sleep"),
        Promise.resolve("resolved"),
      ]);
      return values.join("+");
    });

    scheduler.submit("pipeline", async () => {
      // A batch: producer, 4 workers limited to 2 at a time by a semaphore.
      const q = new Queue<number>(3);
      const limit = new Semaphore(2);
      const lock = new Lock();
      let total = 0;
      let peak = 0;
      let active = 0;
      await taskGroup(async (tg) => {
        tg.createTask(async () => {
          for (let i = 1; i <= 10; i++) await q.put(i);
          q.shutdown();
        });
        for (let w = 0; w < 4; w++) {
          tg.createTask(async () => {
            for await (const n of q) {
              using _permit = await limit.lock();
              active++;
              peak = Math.max(peak, active);
              await sleep(2);
              active--;
              using _lock = await lock.lock();
              const before = total;
              await sleep(0); // a read-modify-write across a wait: held lock
              total = before + n;
            }
          });
        }
      });
      return { total, peak };
    });

    scheduler.submit("deadline", async () => {
      try {
        return await timeout(40, async (scope) => {
          const res = await fetch(`${base}/hang`, { signal: scope.signal });
          return await res.text();
        });
      } catch (e) {
        if (e instanceof TimeoutError) return "timed out";
        throw e;
      }
    });

    const hang = scheduler.submit("hang", async (signal) => {
      try {
        const res = await fetch(`${base}/hang`, { signal });
        return await res.text(); // never ends: the body never does
      } finally {
        log.push("hang: finally ran");
      }
    });

    // The client side: read the table, cancel the hanging job, poll.
    await sleep(5);
    const listed = await fetch(`${base}/jobs`, {
      signal: AbortSignal.timeout(2_000),
    }).then((r) => r.json()) as JobInfo[];
    log.push(`listed ${listed.length} jobs`);
    const tree = await fetch(`${base}/tasks`, {
      signal: AbortSignal.timeout(2_000),
    }).then((r) => r.text());
    const hangLine = tree.split("\n").find((l) => l.includes(":hang"));
    log.push(`task tree: ${hangLine?.replace(/, age [^)]*/, "").trim()}`);
    const res = await fetch(`${base}/jobs/${hang.id}/cancel`, {
      method: "POST",
      signal: AbortSignal.timeout(2_000),
    });
    log.push(`cancel -> ${res.status} ${JSON.stringify(await res.json())}`);
    await scheduler.settle();
    log.push(`pending jobs: ${scheduler.pending()}`);
    // The server learns of each abandoned /hang body when its connection
    // goes; give it a moment (real time: it is network I/O).
    // Up to 2 s: a loaded machine (a full test run) took more than 0.5.
    for (let i = 0; i < 400 && hangsCancelled < 2; i++) await sleep(5);
    log.push(`hang bodies the server saw abandoned: ${hangsCancelled}`);
    log.push(`heartbeats: ${beats >= 1 ? "some" : "none"}`);
    return { jobs: scheduler.list(), log };
  } finally {
    beat?.cancel();
    await scheduler.shutdown();
    stopServer.abort();
    await server.finished;
    log.push(`tasks left besides main: ${allTasks().size - 1}`);
  }
}

if (import.meta.main) {
  const { jobs, log } = await run(demo);
  for (const line of log) console.log(line);
  for (const j of jobs) {
    const what = j.state === "done" ? JSON.stringify(j.result) : j.error ?? "";
    console.log(`job ${j.id} ${j.name}: ${j.state} ${what}`.trimEnd());
  }
}
