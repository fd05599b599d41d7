/**
 * An HTTP load generator: `requests` requests to `url?id=N`, at most
 * `concurrency` at a time (a Semaphore), each attempt under its own
 * `timeout()` whose signal goes to `fetch`, retried with exponential backoff
 * on 5xx/429/timeouts/network errors, under an overall deadline. A fatal
 * answer (a 4xx) cancels everything at once (TaskGroup). Every attempt's
 * outcome goes through a Queue to one collector task, which builds the
 * statistics.
 *
 * Run: deno run --allow-net tests/user3/loadgen.ts http://127.0.0.1:8000/ 500 16
 */
import {
  createTask,
  Queue,
  run,
  Semaphore,
  sleep,
  taskGroup,
  timeout,
  TimeoutError,
} from "../../mod.ts";

export interface LoadOptions {
  url: string | URL;
  requests: number;
  concurrency: number;
  requestTimeoutMs: number;
  retries: number;
  backoffMs: number;
  deadlineMs: number;
}

export type AttemptEvent =
  | {
    kind: "ok";
    id: number;
    attempt: number;
    status: number;
    ms: number;
    body: string;
  }
  | { kind: "retry"; id: number; attempt: number; reason: string }
  | { kind: "gaveUp"; id: number; attempt: number; reason: string };

export interface LoadStats {
  outcome: "completed" | "deadline" | "fatal";
  fatal?: FatalResponse;
  ok: number;
  gaveUp: number;
  retries: number;
  timeouts: number;
  okIds: number[];
  gaveUpIds: number[];
  statusCounts: Record<number, number>;
  latencyP50: number;
  latencyMax: number;
}

export class FatalResponse extends Error {
  override name = "FatalResponse";
  constructor(readonly id: number, readonly status: number) {
    super(`request ${id}: fatal status ${status}`);
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

async function collect(
  events: Queue<AttemptEvent>,
): Promise<Omit<LoadStats, "outcome">> {
  const stats = {
    ok: 0,
    gaveUp: 0,
    retries: 0,
    timeouts: 0,
    okIds: [] as number[],
    gaveUpIds: [] as number[],
    statusCounts: {} as Record<number, number>,
    latencyP50: 0,
    latencyMax: 0,
  };
  const latencies: number[] = [];
  for await (const ev of events) {
    switch (ev.kind) {
      case "ok":
        stats.ok++;
        stats.okIds.push(ev.id);
        stats.statusCounts[ev.status] = (stats.statusCounts[ev.status] ?? 0) +
          1;
        latencies.push(ev.ms);
        break;
      case "retry":
        stats.retries++;
        if (ev.reason === "timeout") stats.timeouts++;
        if (/^\d+$/.test(ev.reason)) {
          const s = Number(ev.reason);
          stats.statusCounts[s] = (stats.statusCounts[s] ?? 0) + 1;
        }
        break;
      case "gaveUp":
        stats.gaveUp++;
        stats.gaveUpIds.push(ev.id);
        if (ev.reason === "timeout") stats.timeouts++;
        break;
    }
    events.taskDone();
  }
  latencies.sort((a, b) => a - b);
  stats.latencyP50 = percentile(latencies, 0.5);
  stats.latencyMax = latencies.at(-1) ?? 0;
  stats.okIds.sort((a, b) => a - b);
  stats.gaveUpIds.sort((a, b) => a - b);
  return stats;
}

export async function loadgen(opts: LoadOptions): Promise<LoadStats> {
  const sem = new Semaphore(opts.concurrency);
  const events = new Queue<AttemptEvent>();
  const collector = createTask(() => collect(events), { name: "collector" });

  async function attempt(
    id: number,
  ): Promise<{ status: number; body: string }> {
    const url = new URL(opts.url);
    url.searchParams.set("id", String(id));
    return await timeout(opts.requestTimeoutMs, async (scope) => {
      const res = await fetch(url, { signal: scope.signal });
      // The body is read under the same deadline.
      return { status: res.status, body: await res.text() };
    });
  }

  async function one(id: number): Promise<void> {
    using _permit = await sem.lock();
    for (let n = 0;; n++) {
      const t0 = performance.now();
      let reason: string;
      try {
        const { status, body } = await attempt(id);
        if (status < 400) {
          events.putNowait({
            kind: "ok",
            id,
            attempt: n,
            status,
            ms: performance.now() - t0,
            body,
          });
          return;
        }
        if (status < 500 && status !== 429) throw new FatalResponse(id, status);
        reason = String(status);
      } catch (e) {
        if (e instanceof TimeoutError) reason = "timeout";
        else if (e instanceof TypeError) reason = "network"; // fetch's network failure
        else throw e;
      }
      if (n >= opts.retries) {
        events.putNowait({ kind: "gaveUp", id, attempt: n, reason });
        return;
      }
      events.putNowait({ kind: "retry", id, attempt: n, reason });
      await sleep(opts.backoffMs * 2 ** n);
    }
  }

  let outcome: LoadStats["outcome"] = "completed";
  let fatal: FatalResponse | undefined;
  try {
    await timeout(opts.deadlineMs, () =>
      taskGroup((tg) => {
        for (let id = 0; id < opts.requests; id++) {
          tg.createTask(() => one(id), { name: `req-${id}` });
        }
      }));
  } catch (e) {
    if (e instanceof TimeoutError) outcome = "deadline";
    else if (
      e instanceof AggregateError && e.errors.length >= 1 &&
      e.errors.every((x) => x instanceof FatalResponse)
    ) {
      outcome = "fatal";
      fatal = e.errors[0];
    } else {
      events.shutdown(true);
      await collector;
      throw e;
    }
  } finally {
    events.shutdown(); // the collector drains what is queued, then ends
  }
  const stats = await collector;
  return { outcome, fatal, ...stats };
}

if (import.meta.main) {
  const [url = "http://127.0.0.1:8000/", n = "100", c = "8"] = Deno.args;
  const stats = await run(() =>
    loadgen({
      url,
      requests: Number(n),
      concurrency: Number(c),
      requestTimeoutMs: 2_000,
      retries: 3,
      backoffMs: 50,
      deadlineMs: 60_000,
    })
  );
  console.log(stats);
}
