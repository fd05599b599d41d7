/**
 * A rate-limited crawler on aio: a `Queue` of URLs, worker tasks in a task
 * group, a `Semaphore` on concurrent fetches, a `timeout()` per fetch with
 * the scope's signal handed to the native fetch, retries with `sleep()`
 * backoff, a `Lock` around the result map, an `Event` to stop early, a
 * deadline on the whole crawl, a periodic progress report on
 * `loop.callLater`, and a final flush under `shield()`.
 *
 * @module
 */
import { getRunningLoop, type TimerHandle } from "@aio/asyncio/loop";
import {
  CancelledError,
  createTask,
  currentSignal,
  shield,
  sleep,
  taskGroup,
  timeout,
  TimeoutError,
  wait,
} from "@aio/asyncio/task";
import { Event, Lock, Queue, Semaphore } from "@aio/asyncio/sync";
import type { FetchPage } from "./site.ts";

export type PageResult =
  | { kind: "ok"; attempts: number; links: string[] }
  | { kind: "failed"; attempts: number; error: string };

export interface ProgressSample {
  at: number;
  done: number;
  queued: number;
  inFlight: number;
}

export interface CrawlReport {
  pages: Map<string, PageResult>;
  /** The crawl deadline passed before the crawl finished. */
  timedOut: boolean;
  /** The stop event was set before the crawl finished. */
  stopped: boolean;
  progress: ProgressSample[];
  peakInFlight: number;
  startedAt: number;
  endedAt: number;
}

export interface CrawlOptions {
  fetchPage: FetchPage;
  workers: number;
  /** Fetches in flight at once, over all workers. */
  maxConcurrent: number;
  fetchTimeoutMs: number;
  maxAttempts: number;
  /** Backoff before attempt n+1 is `backoffMs * 2 ** (n - 1)`. */
  backoffMs: number;
  /** Deadline of the crawl phase (the flush comes after it). */
  deadlineMs: number | null;
  progressEveryMs: number;
  /** Persists the report; runs even if the crawl is cancelled. */
  flush: (report: CrawlReport) => Promise<void>;
  /** Set it to stop crawling early (pages in flight finish). */
  stop?: Event;
}

/** Same-origin links of a page, absolute, without fragments. */
export function extractLinks(body: string, base: string): string[] {
  const origin = new URL(base).origin;
  const out: string[] = [];
  for (const m of body.matchAll(/href="([^"]+)"/g)) {
    const u = new URL(m[1]!, base);
    u.hash = "";
    if (u.origin === origin) out.push(u.href);
  }
  return out;
}

export async function crawl(
  startUrl: string,
  o: CrawlOptions,
): Promise<CrawlReport> {
  const loop = getRunningLoop();
  const queue = new Queue<string>();
  const slots = new Semaphore(o.maxConcurrent);
  const lock = new Lock();
  const stop = o.stop ?? new Event();
  const seen = new Set<string>();
  const pages = new Map<string, PageResult>();
  const progress: ProgressSample[] = [];
  let inFlight = 0;
  let peakInFlight = 0;
  const startedAt = loop.time();

  // Progress: a loop callback that re-arms itself; the handle is cancelled
  // when the crawl ends, however it ends.
  let progressHandle: TimerHandle;
  const report = () => {
    progress.push({
      at: loop.time(),
      done: pages.size,
      queued: queue.qsize(),
      inFlight,
    });
    progressHandle = loop.callLater(o.progressEveryMs, report);
  };
  progressHandle = loop.callLater(o.progressEveryMs, report);

  const enqueue = async (url: string) => {
    using _ = await lock.lock();
    if (seen.has(url) || queue.isShutdown()) return;
    seen.add(url);
    queue.putNowait(url);
  };

  const record = async (url: string, result: PageResult) => {
    using _ = await lock.lock();
    if (pages.has(url)) throw new Error(`crawled twice: ${url}`);
    await sleep(0); // the "store write": other workers run while we hold the lock
    pages.set(url, result);
  };

  const fetchOnce = async (url: string) => {
    using _slot = await slots.lock();
    peakInFlight = Math.max(peakInFlight, ++inFlight);
    try {
      return await timeout(
        o.fetchTimeoutMs,
        () => o.fetchPage(url, currentSignal()!),
      );
    } finally {
      inFlight--;
    }
  };

  const fetchWithRetry = async (url: string): Promise<PageResult> => {
    let error = "";
    for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
      if (attempt > 1) await sleep(o.backoffMs * 2 ** (attempt - 2));
      try {
        const page = await fetchOnce(url);
        if (page.status >= 500) {
          error = `HTTP ${page.status}`;
          continue;
        }
        if (page.status !== 200) {
          return {
            kind: "failed",
            attempts: attempt,
            error: `HTTP ${page.status}`,
          };
        }
        return {
          kind: "ok",
          attempts: attempt,
          links: extractLinks(page.body, url),
        };
      } catch (e) {
        if (e instanceof TimeoutError) error = "timeout";
        else if (e instanceof CancelledError) throw e;
        else error = String(e);
      }
    }
    return { kind: "failed", attempts: o.maxAttempts, error };
  };

  const worker = async () => {
    for await (const url of queue) {
      try {
        const result = await fetchWithRetry(url);
        await record(url, result);
        if (result.kind === "ok") {
          for (const link of result.links) await enqueue(link);
        }
      } finally {
        queue.taskDone();
      }
    }
  };

  let timedOut = false;
  let rep: CrawlReport | undefined;
  try {
    await timeout(o.deadlineMs, () =>
      taskGroup(async (tg) => {
        for (let i = 0; i < o.workers; i++) {
          tg.createTask(worker, { name: `worker-${i}` });
        }
        await enqueue(new URL(startUrl).href);
        const drained = tg.createTask(() => queue.join(), { name: "drained" });
        const stopped = tg.createTask(() => stop.wait(), { name: "stop" });
        await wait([drained, stopped], { returnWhen: "FIRST_COMPLETED" });
        drained.cancel();
        stopped.cancel();
        queue.shutdown(true); // idle workers leave; busy ones finish their page
      }));
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    timedOut = true;
  } finally {
    progressHandle.cancel();
    rep = {
      pages,
      timedOut,
      stopped: stop.isSet(),
      progress,
      peakInFlight,
      startedAt,
      endedAt: loop.time(),
    };
    await flushShielded(o.flush, rep);
  }
  return rep;
}

/**
 * Runs the flush in a task of its own under `shield()`. If the caller is
 * cancelled meanwhile, its await ends with `CancelledError` at once, so we
 * shield again until the flush is done, then let the cancellation out. (A
 * plain `await flushing` there would pass a second cancel on to the flush.)
 */
async function flushShielded(
  flush: (report: CrawlReport) => Promise<void>,
  rep: CrawlReport,
): Promise<void> {
  const flushing = createTask(() => flush(rep), { name: "flush" });
  let cancelled: CancelledError | undefined;
  while (true) {
    try {
      await shield(flushing);
      break;
    } catch (e) {
      if (!(e instanceof CancelledError) || flushing.done()) throw e;
      cancelled ??= e;
    }
  }
  if (cancelled) throw cancelled;
}
