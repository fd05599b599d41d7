/**
 * A cron-like job scheduler on the event loop's timers.
 *
 * - Each job runs every `everyMs`, at fixed times `k * everyMs + offsetMs`
 *   on the loop's clock (like `*\/15 * * * *`), whatever its runs take. A
 *   `callAt()` timer puts the occurrence into a `PriorityQueue` of due runs
 *   (ordered by priority, then due time); `workers` tasks pull from it.
 * - An occurrence due while the previous one of the same job is still queued
 *   or running is skipped (reported as such): runs never overlap.
 * - Each attempt runs under `timeout(job.timeoutMs)`; a failed attempt is
 *   retried `retries` times after `backoffMs * 2^(n-1)` plus jitter (a
 *   `callLater()` timer puts it back into the queue).
 * - `cancel(id)` removes a job: its timers are cancelled, its queued runs
 *   dropped, its running attempt cancelled (`finally` blocks run).
 * - Every finished occurrence adds a `RunReport`; the `reported` Event is
 *   set for whoever waits for the next one.
 * - A control socket (`startServer`) speaks a line protocol:
 *   `LIST`, `RUN <id>`, `CANCEL <id>`, `STATS`, `QUIT`.
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 tests/user4/scheduler.ts
 * ```
 *
 * @module
 */
import {
  CancelledError,
  createTask,
  getRunningLoop,
  openConnection,
  PriorityQueue,
  QueueShutDown,
  run,
  type Server,
  sleep,
  startServer,
  type StreamReader,
  type StreamWriter,
  type Task,
  timeout,
  TimeoutError,
  type TimerHandle,
  wait,
} from "../../mod.ts";
import { Event } from "../../mod.ts";

export interface JobContext {
  id: string;
  attempt: number;
  dueAt: number;
}

export interface JobSpec {
  id: string;
  everyMs: number;
  offsetMs?: number;
  /** Lower runs first when several are due. */
  priority?: number;
  timeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  run: (signal: AbortSignal, ctx: JobContext) => Promise<void>;
}

export type Outcome = "ok" | "failed" | "timeout" | "cancelled" | "skipped";

export interface RunReport {
  id: string;
  dueAt: number;
  outcome: Outcome;
  /** When each attempt started (loop time). */
  starts: number[];
  endedAt: number;
  error?: string;
}

interface Occurrence {
  job: JobEntry;
  dueAt: number;
  attempt: number;
  starts: number[];
}

interface JobEntry {
  spec: Required<Omit<JobSpec, "run">> & Pick<JobSpec, "run">;
  timer?: TimerHandle;
  retryTimer?: TimerHandle;
  waitingRetry?: Occurrence;
  busy: boolean; // an occurrence is queued, waiting for a retry, or running
  running?: Task<void>;
  cancelled: boolean;
  runs: number;
}

type DueItem = [priority: number, dueAt: number, seq: number, occ: Occurrence];

export interface SchedulerOptions {
  workers?: number;
  /** Jitter source, in [0, 1). */
  random?: () => number;
}

export class Scheduler {
  readonly reports: RunReport[] = [];
  readonly reported = new Event();
  readonly jobs = new Map<string, JobEntry>();
  #due = new PriorityQueue<DueItem>();
  #seq = 0;
  #workers: Task<void>[] = [];
  #random: () => number;
  #workerCount: number;
  #control: Server | undefined;

  constructor(options: SchedulerOptions = {}) {
    this.#workerCount = options.workers ?? 2;
    this.#random = options.random ?? Math.random;
  }

  get queued(): number {
    return this.#due.qsize();
  }

  add(spec: JobSpec): void {
    if (this.jobs.has(spec.id)) throw new Error(`job ${spec.id} exists`);
    const entry: JobEntry = {
      spec: {
        offsetMs: 0,
        priority: 10,
        timeoutMs: 10 * 60_000,
        retries: 0,
        backoffMs: 1_000,
        ...spec,
      },
      busy: false,
      cancelled: false,
      runs: 0,
    };
    this.jobs.set(spec.id, entry);
    this.#arm(entry);
  }

  /** The next due time after now, on the job's grid. */
  #nextDue(entry: JobEntry): number {
    const now = getRunningLoop().time();
    const { everyMs, offsetMs } = entry.spec;
    const k = Math.floor((now - offsetMs) / everyMs) + 1;
    return k * everyMs + offsetMs;
  }

  #arm(entry: JobEntry): void {
    const dueAt = this.#nextDue(entry);
    entry.timer = getRunningLoop().callAt(dueAt, () => {
      this.#arm(entry); // the next one, whatever this one does
      this.#fire(entry, dueAt);
    });
  }

  #fire(entry: JobEntry, dueAt: number): void {
    if (entry.busy) {
      this.#report({
        id: entry.spec.id,
        dueAt,
        outcome: "skipped",
        starts: [],
      });
      return;
    }
    entry.busy = true;
    this.#enqueue({ job: entry, dueAt, attempt: 1, starts: [] });
  }

  #enqueue(occ: Occurrence): void {
    this.#due.putNowait([occ.job.spec.priority, occ.dueAt, this.#seq++, occ]);
  }

  #report(r: Omit<RunReport, "endedAt">): void {
    this.reports.push({ ...r, endedAt: getRunningLoop().time() });
    this.reported.set();
  }

  /** Waits until at least `n` reports exist. */
  async untilReports(n: number): Promise<RunReport[]> {
    while (this.reports.length < n) {
      this.reported.clear();
      await this.reported.wait();
    }
    return this.reports;
  }

  /** Runs `id` now (outside its grid), unless it is busy. */
  runNow(id: string): boolean {
    const entry = this.jobs.get(id);
    if (!entry || entry.busy) return false;
    entry.busy = true;
    this.#enqueue({
      job: entry,
      dueAt: getRunningLoop().time(),
      attempt: 1,
      starts: [],
    });
    return true;
  }

  /** Removes a job; returns what it was doing, or `undefined` if unknown. */
  cancel(id: string): "running" | "scheduled" | undefined {
    const entry = this.jobs.get(id);
    if (!entry) return undefined;
    this.jobs.delete(id);
    entry.cancelled = true;
    entry.timer?.cancel();
    if (entry.retryTimer) {
      // Waiting for a retry: that occurrence ends here.
      entry.retryTimer.cancel();
      entry.retryTimer = undefined;
      const occ = entry.waitingRetry!;
      this.#report({
        id,
        dueAt: occ.dueAt,
        outcome: "cancelled",
        starts: occ.starts,
      });
      return "scheduled";
    }
    if (entry.running) {
      entry.running.cancel(`job ${id} cancelled`);
      return "running";
    }
    return "scheduled";
  }

  start(): void {
    for (let i = 0; i < this.#workerCount; i++) {
      this.#workers.push(
        createTask(() => this.#work(), { name: `worker${i}` }),
      );
    }
  }

  async #work(): Promise<void> {
    try {
      for (;;) {
        const [, , , occ] = await this.#due.get();
        await this.#execute(occ);
      }
    } catch (e) {
      if (!(e instanceof QueueShutDown)) throw e;
    }
  }

  async #execute(occ: Occurrence): Promise<void> {
    const job = occ.job;
    const { id } = job.spec;
    if (job.cancelled) {
      this.#report({
        id,
        dueAt: occ.dueAt,
        outcome: "cancelled",
        starts: occ.starts,
      });
      return;
    }
    const loop = getRunningLoop();
    occ.starts.push(loop.time());
    const attempt = createTask(
      () =>
        timeout(
          job.spec.timeoutMs,
          (scope) =>
            job.spec.run(scope.signal, {
              id,
              attempt: occ.attempt,
              dueAt: occ.dueAt,
            }),
        ),
      { name: `${id}#${occ.attempt}` },
    );
    job.running = attempt;
    try {
      await wait([attempt]);
    } finally {
      job.running = undefined;
    }
    let outcome: Outcome;
    let error: string | undefined;
    if (attempt.cancelled()) {
      outcome = "cancelled";
    } else if (attempt.exception() === undefined) {
      outcome = "ok";
    } else {
      const e = attempt.exception();
      outcome = e instanceof TimeoutError ? "timeout" : "failed";
      error = e instanceof Error ? e.message : String(e);
    }
    if (
      (outcome === "failed" || outcome === "timeout") &&
      occ.attempt <= job.spec.retries && !job.cancelled
    ) {
      const base = job.spec.backoffMs * 2 ** (occ.attempt - 1);
      const delay = base + Math.floor(this.#random() * job.spec.backoffMs);
      occ.attempt++;
      job.waitingRetry = occ;
      job.retryTimer = loop.callLater(delay, () => {
        job.retryTimer = undefined;
        job.waitingRetry = undefined;
        this.#enqueue(occ);
      });
      return;
    }
    job.busy = false;
    job.runs++;
    this.#report({ id, dueAt: occ.dueAt, outcome, starts: occ.starts, error });
  }

  /** Serves the control protocol on 127.0.0.1:`port`. */
  async listen(port = 0): Promise<number> {
    this.#control = await startServer((r, w) => this.#session(r, w), { port });
    return this.#control.port;
  }

  async #session(reader: StreamReader, writer: StreamWriter): Promise<void> {
    const dec = new TextDecoder();
    for await (const raw of reader) {
      const [cmd = "", arg = ""] = dec.decode(raw).trim().split(/\s+/);
      switch (cmd.toUpperCase()) {
        case "LIST": {
          for (
            const [id, j] of [...this.jobs].sort(([a], [b]) =>
              a.localeCompare(b)
            )
          ) {
            writer.write(
              `${id} next=${j.timer?.when()} running=${
                j.running !== undefined
              } runs=${j.runs}\n`,
            );
          }
          writer.write(".\n");
          break;
        }
        case "RUN":
          writer.write(
            this.runNow(arg) ? `OK ${arg} queued\n` : `ERR cannot run ${arg}\n`,
          );
          break;
        case "CANCEL": {
          const was = this.cancel(arg);
          writer.write(was ? `OK ${arg} ${was}\n` : `ERR no such job ${arg}\n`);
          break;
        }
        case "STATS": {
          const counts: Record<string, number> = {};
          for (const r of this.reports) {
            counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
          }
          writer.write(`${JSON.stringify(counts)}\n`);
          break;
        }
        case "QUIT":
          writer.write("BYE\n");
          await writer.drain();
          return;
        default:
          writer.write(`ERR unknown command ${cmd}\n`);
      }
      await writer.drain();
    }
  }

  /** Stops everything: timers, control server, workers, running attempts. */
  async stop(): Promise<void> {
    for (const j of this.jobs.values()) {
      j.timer?.cancel();
      j.retryTimer?.cancel();
      j.running?.cancel("scheduler stopping");
    }
    this.#due.shutdown(true);
    if (this.#control) {
      this.#control.close();
      this.#control.closeClients();
      await this.#control.waitClosed();
    }
    if (this.#workers.length > 0) await wait(this.#workers);
    for (const w of this.#workers) {
      if (!w.cancelled() && w.exception() !== undefined) throw w.exception();
    }
  }
}

/** A line-protocol client for the control socket. */
export async function control(
  port: number,
  ...commands: string[]
): Promise<string[]> {
  const [r, w] = await openConnection({ port });
  try {
    const out: string[] = [];
    const dec = new TextDecoder();
    for (const c of commands) {
      w.write(c + "\n");
      for (;;) {
        const line = dec.decode(await r.readLine()).trimEnd();
        out.push(line);
        if (!c.startsWith("LIST") || line === ".") break;
      }
    }
    return out;
  } finally {
    w.close();
    await w.waitClosed();
  }
}

if (import.meta.main) {
  await run(async () => {
    const s = new Scheduler({ workers: 2 });
    s.add({
      id: "tick",
      everyMs: 200,
      run: async () =>
        console.log("tick at", Math.round(getRunningLoop().time())),
    });
    s.add({
      id: "flaky",
      everyMs: 500,
      retries: 2,
      backoffMs: 50,
      run: async (_s, { attempt }) => {
        if (attempt < 2) throw new Error("first try fails");
      },
    });
    s.start();
    const port = await s.listen();
    await sleep(1_100);
    console.log(await control(port, "LIST", "CANCEL tick", "STATS"));
    await s.stop();
    for (const r of s.reports) console.log(r.id, r.outcome, r.starts.length);
  }).catch((e) => {
    if (!(e instanceof CancelledError)) throw e;
  });
}
