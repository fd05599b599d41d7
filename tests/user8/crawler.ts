/**
 * A web crawler on aio: a worker pool over a `Queue`, a `Semaphore` bounding
 * requests in flight, a per-request `timeout()` whose signal goes to `fetch`,
 * retries with exponential backoff (`sleep`), a global deadline around the
 * whole `taskGroup()`, a progress reporter task, and a "stop" `Event` that
 * drains gracefully (workers finish the page they hold, nothing new starts).
 *
 * Run against the local origin:
 * `deno run -A --config deno.json tests/user8/crawler.ts`
 *
 * @module
 */

import { readerFromStream } from "@aio/asyncio/io";
import { getRunningLoop } from "@aio/asyncio/loop";
import { Event, Queue, Semaphore } from "@aio/asyncio/sync";
import {
  CancelledError,
  createTask,
  currentSignal,
  run,
  sleep,
  taskGroup,
  timeout,
  TimeoutError,
  wait,
  waitFor,
} from "@aio/asyncio/task";

export class HttpError extends Error {
  constructor(readonly status: number, readonly url: string) {
    super(`HTTP ${status} for ${url}`);
    this.name = "HttpError";
  }
}

export class BodyTooLargeError extends Error {
  constructor(readonly url: string, readonly limit: number) {
    super(`body of ${url} is over ${limit} bytes`);
    this.name = "BodyTooLargeError";
  }
}

export type FetchFn = (
  url: string,
  init: { signal: AbortSignal },
) => Promise<Response>;

export interface Progress {
  at: number;
  done: number;
  failed: number;
  inFlight: number;
  queued: number;
  final: boolean;
}

export type CrawlEvent =
  | { kind: "fetch"; url: string; at: number; attempt: number }
  | { kind: "page"; url: string; at: number }
  | { kind: "error"; url: string; at: number; error: Error }
  | { kind: "retry"; url: string; at: number; delayMs: number };

export interface CrawlOptions {
  start: string;
  /** Worker tasks pulling from the queue. */
  workers?: number;
  /** Requests in flight at most (a `Semaphore`). */
  maxInFlight?: number;
  requestTimeoutMs?: number;
  retries?: number;
  backoffMs?: number;
  /** Whole-crawl deadline; `null` for none. */
  deadlineMs?: number | null;
  maxBodyBytes?: number;
  maxPages?: number;
  /** Set it to stop gracefully: no new page starts, pages held finish. */
  stop?: Event;
  fetch?: FetchFn;
  progressEveryMs?: number;
  onProgress?: (p: Progress) => void;
  onEvent?: (e: CrawlEvent) => void;
  /** A job run on each page's body (say, an indexer process). */
  index?: (body: string) => Promise<string>;
  /** Index jobs running at once at most. */
  maxJobs?: number;
}

export interface PageResult {
  url: string;
  status: number;
  bytes: number;
  links: string[];
  attempts: number;
  /** What `index` returned. */
  digest?: string;
}

export interface CrawlReport {
  pages: Map<string, PageResult>;
  errors: Map<string, Error>;
  stoppedBy: "done" | "deadline" | "stop";
  peakInFlight: number;
  elapsedMs: number;
}

const LINK = /href="([^"]*)"/g;

export async function crawl(options: CrawlOptions): Promise<CrawlReport> {
  const {
    start,
    workers = 4,
    maxInFlight = workers,
    requestTimeoutMs = 1_000,
    retries = 2,
    backoffMs = 50,
    deadlineMs = null,
    maxBodyBytes = 256 * 1024,
    maxPages = 1_000,
    stop = new Event(),
    fetch: fetchFn = (url, init) => fetch(url, init),
    progressEveryMs = 100,
    onProgress,
    onEvent,
    index,
    maxJobs = 2,
  } = options;
  const loop = getRunningLoop();
  const t0 = loop.time();
  const now = () => loop.time() - t0;
  const origin = new URL(start).origin;
  const pages = new Map<string, PageResult>();
  const errors = new Map<string, Error>();
  const seen = new Set<string>();
  const disallowed: string[] = [];
  const queue = new Queue<string>();
  const permits = new Semaphore(maxInFlight);
  const jobs = new Semaphore(maxJobs);
  const finished = new Event();
  let inFlight = 0;
  let peakInFlight = 0;
  let stoppedBy: CrawlReport["stoppedBy"] = "done";

  const enqueue = (href: string, base: string) => {
    let url: URL;
    try {
      url = new URL(href, base);
    } catch {
      return;
    }
    url.hash = "";
    if (url.origin !== origin) return;
    if (disallowed.some((p) => url.pathname.startsWith(p))) return;
    const key = url.href;
    if (seen.has(key) || seen.size >= maxPages) return;
    seen.add(key);
    queue.putNowait(key);
  };

  const readBody = async (url: string, res: Response, signal: AbortSignal) => {
    // Our own controller as well, to let the body go when it is too big.
    const giveUp = new AbortController();
    const reader = readerFromStream(res.body!, {
      signal: AbortSignal.any([signal, giveUp.signal]),
    });
    const chunks: Uint8Array[] = [];
    let total = 0;
    while (true) {
      const chunk = await reader.read(64 * 1024);
      if (chunk.length === 0) break;
      total += chunk.length;
      if (total > maxBodyBytes) {
        const error = new BodyTooLargeError(url, maxBodyBytes);
        giveUp.abort(error);
        throw error;
      }
      chunks.push(chunk);
    }
    const text = await new Blob(chunks as BlobPart[]).text();
    return { text, bytes: total };
  };

  const fetchOnce = async (url: string, attempt: number) => {
    using _permit = await permits.lock();
    peakInFlight = Math.max(peakInFlight, ++inFlight);
    try {
      onEvent?.({ kind: "fetch", url, at: now(), attempt });
      return await timeout(requestTimeoutMs, async (scope) => {
        const res = await fetchFn(url, { signal: scope.signal });
        if (!res.ok) {
          await res.body?.cancel();
          throw new HttpError(res.status, url);
        }
        const { text, bytes } = await readBody(url, res, scope.signal);
        const links = [...text.matchAll(LINK)].map((m) => m[1]!);
        return {
          url,
          status: res.status,
          bytes,
          links,
          attempts: attempt,
          text,
        };
      });
    } finally {
      inFlight--;
    }
  };

  const fetchWithRetry = async (
    url: string,
  ): Promise<PageResult & { text: string }> => {
    for (let attempt = 1;; attempt++) {
      try {
        return await fetchOnce(url, attempt);
      } catch (e) {
        const retriable = (e instanceof HttpError && e.status >= 500) ||
          e instanceof TimeoutError;
        if (!retriable || attempt > retries) throw e;
        const delayMs = backoffMs * 2 ** (attempt - 1);
        onEvent?.({ kind: "retry", url, at: now(), delayMs });
        await sleep(delayMs);
      }
    }
  };

  const worker = async () => {
    for await (const url of queue) {
      // A stop set while we waited: the page stays undone.
      if (stop.isSet()) {
        queue.taskDone();
        break;
      }
      try {
        const { text, ...page }: PageResult & { text?: string } =
          await fetchWithRetry(url);
        if (index) {
          using _job = await jobs.lock();
          page.digest = await index(text!);
        }
        pages.set(url, page);
        onEvent?.({ kind: "page", url, at: now() });
        for (const link of page.links) enqueue(link, url);
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        const error = e instanceof Error ? e : new Error(String(e));
        errors.set(url, error);
        onEvent?.({ kind: "error", url, at: now(), error });
      } finally {
        queue.taskDone();
      }
    }
  };

  const snapshot = (final: boolean): Progress => ({
    at: now(),
    done: pages.size,
    failed: errors.size,
    inFlight,
    queued: queue.qsize(),
    final,
  });

  const reporter = createTask(async () => {
    while (true) {
      try {
        await waitFor(finished.wait(), progressEveryMs);
        break;
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
      }
      onProgress?.(snapshot(false));
    }
    onProgress?.(snapshot(true));
  }, { name: "progress" });

  try {
    await timeout(deadlineMs, async () => {
      // robots.txt and the sitemap at once: plain Promise.all and fetch,
      // under the deadline through the innermost scope's signal.
      const [robots, sitemap] = await Promise.all(
        ["robots.txt", "sitemap.txt"].map(async (name) => {
          const res = await fetchFn(`${origin}/${name}`, {
            // The innermost scope here is the deadline's timeout.
            signal: currentSignal()!,
          });
          return res.ok ? await res.text() : (await res.body?.cancel(), "");
        }),
      );
      for (const line of robots!.split("\n")) {
        const m = /^Disallow:\s*(\S+)/.exec(line);
        if (m) disallowed.push(m[1]!);
      }
      enqueue(start, start);
      for (const line of sitemap!.split("\n")) {
        if (line.trim()) enqueue(line.trim(), start);
      }
      await taskGroup(async (tg) => {
        for (let i = 0; i < workers; i++) {
          tg.createTask(worker, { name: `worker-${i}` });
        }
        const joined = tg.createTask(() => queue.join(), { name: "join" });
        const stopped = tg.createTask(() => stop.wait(), { name: "stop" });
        await wait([joined, stopped], { returnWhen: "FIRST_COMPLETED" });
        if (joined.done()) {
          stopped.cancel();
          queue.shutdown();
        } else {
          stoppedBy = "stop";
          joined.cancel();
          queue.shutdown(true);
        }
      });
    });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    stoppedBy = "deadline";
  } finally {
    finished.set();
    queue.shutdown(true);
    await reporter;
  }
  return { pages, errors, stoppedBy, peakInFlight, elapsedMs: now() };
}

if (import.meta.main) {
  const { startOrigin } = await import("./origin.ts");
  await run(async () => {
    await using origin = await startOrigin();
    const report = await crawl({
      start: origin.url,
      requestTimeoutMs: 300,
      deadlineMs: 3_000,
      onProgress: (p) => console.log("progress", p),
    });
    console.log("stopped by", report.stoppedBy, "in", report.elapsedMs, "ms");
    for (const url of [...report.pages.keys()].sort()) console.log("ok ", url);
    for (const [url, e] of report.errors) console.log("err", url, e.name);
  });
}
