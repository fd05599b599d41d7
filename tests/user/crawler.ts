/**
 * A crawler for a small local site, written the way Deno code usually is
 * (`fetch`, `Deno.serve`, `Promise.all`, `AbortSignal`, `for await`), with
 * aio for the structure: worker tasks pulling from a `Queue`, a `timeout()`
 * per page whose signal goes to `fetch`, an overall deadline, and
 * cancellation of the whole crawl.
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 tests/user/crawler.ts
 * ```
 *
 * @module
 */
import {
  createTask,
  currentSignal,
  type Task,
  timeout,
  TimeoutError,
} from "@aio/asyncio/task";
import { Queue } from "@aio/asyncio/sync";

// ---------------------------------------------------------------------------
// The site: 50 pages, some slow, some failing, some hanging forever.
// ---------------------------------------------------------------------------

/** How a page of the test site behaves. */
export type PageKind =
  | "normal"
  | "slow" // answers after `SLOW_MS`
  | "error" // 500, and so is its meta
  | "error-meta-hangs" // 500, but its meta never answers
  | "hang" // never answers (page and meta)
  | "stall-body"; // headers, a first chunk, then nothing

/** Number of pages on the site. */
export const PAGES = 50;
/** Delay of a slow page, in milliseconds. */
export const SLOW_MS = 80;

/** The kind of page `i`. */
export function kindOf(i: number): PageKind {
  if (i === 27) return "error-meta-hangs";
  if (i === 44) return "stall-body";
  if (i % 10 === 9) return "hang";
  if (i % 10 === 7) return "error";
  if (i % 10 === 3) return "slow";
  return "normal";
}

/** The pages page `i` links to. */
export function linksOf(i: number): number[] {
  return [(2 * i + 1) % PAGES, (3 * i + 2) % PAGES, (i + 1) % PAGES];
}

/** Whether a page of this kind yields its links to a crawler. */
export function yieldsLinks(kind: PageKind): boolean {
  return kind === "normal" || kind === "slow";
}

/** The pages a perfect crawler reaches from page 0, by kind. */
export function reachable(): Map<number, PageKind> {
  const seen = new Map<number, PageKind>([[0, kindOf(0)]]);
  const todo = [0];
  while (todo.length > 0) {
    const i = todo.shift()!;
    if (!yieldsLinks(kindOf(i))) continue;
    for (const j of linksOf(i)) {
      if (!seen.has(j)) {
        seen.set(j, kindOf(j));
        todo.push(j);
      }
    }
  }
  return seen;
}

const delay = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const id = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(id);
      resolve();
    }, { once: true });
  });

/** A running test site; `await using` shuts it down. */
export class Site implements AsyncDisposable {
  /** Requests received, by path. */
  readonly requests: string[] = [];
  /** Hanging requests (and stalled bodies) that the client gave up on. */
  readonly abortedByClient: string[] = [];
  /** Hanging requests still open when the site shut down (leaks). */
  readonly releasedAtShutdown: string[] = [];
  /** Handlers (or stalled bodies) currently pending. */
  active = 0;
  readonly #release = new AbortController();
  readonly #server: Deno.HttpServer<Deno.NetAddr>;

  constructor() {
    this.#server = Deno.serve({
      hostname: "127.0.0.1",
      port: 0,
      onListen() {},
    }, (req) => this.#handle(req));
  }

  /** `http://127.0.0.1:port`. */
  get base(): string {
    return `http://127.0.0.1:${this.#server.addr.port}`;
  }

  /** Resolves once every pending handler and stalled body has ended. */
  async settled(maxMs = 2000): Promise<void> {
    const end = Date.now() + maxMs;
    while (this.active > 0 && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async #hang(req: Request, path: string): Promise<Response> {
    this.active++;
    try {
      await new Promise<void>((resolve) => {
        req.signal.addEventListener("abort", () => {
          this.abortedByClient.push(path);
          resolve();
        }, { once: true });
        this.#release.signal.addEventListener("abort", () => {
          this.releasedAtShutdown.push(path);
          resolve();
        }, { once: true });
      });
      return new Response("too late", { status: 504 });
    } finally {
      this.active--;
    }
  }

  #stalledBody(path: string): Response {
    this.active++;
    let done = false;
    const finish = (how: string[]) => {
      if (done) return false;
      done = true;
      how.push(path);
      this.active--;
      return true;
    };
    const release = this.#release.signal;
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        c.enqueue(new TextEncoder().encode("<html><body>partial"));
        release.addEventListener("abort", () => {
          if (finish(this.releasedAtShutdown)) c.close();
        }, { once: true });
      },
      cancel: () => {
        finish(this.abortedByClient);
      },
    });
    return new Response(body, { headers: { "content-type": "text/html" } });
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    this.requests.push(url.pathname);
    const m = /^\/p\/(\d+)(\/meta)?$/.exec(url.pathname);
    if (!m) return new Response("not found", { status: 404 });
    const i = Number(m[1]);
    const meta = m[2] !== undefined;
    const kind = kindOf(i);
    if (kind === "hang" || (meta && kind === "error-meta-hangs")) {
      return await this.#hang(req, url.pathname);
    }
    if (kind === "error" || kind === "error-meta-hangs") {
      return new Response("boom", { status: 500 });
    }
    if (kind === "slow") await delay(meta ? SLOW_MS / 2 : SLOW_MS, req.signal);
    if (meta) return Response.json({ title: `Page ${i}` });
    if (kind === "stall-body") return this.#stalledBody(url.pathname);
    const links = linksOf(i).map((j) => `<a href="/p/${j}">page ${j}</a>`);
    return new Response(`<html><body>${links.join("\n")}</body></html>`, {
      headers: { "content-type": "text/html" },
    });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#release.abort();
    await this.#server.shutdown();
  }
}

// ---------------------------------------------------------------------------
// The crawler.
// ---------------------------------------------------------------------------

/** A page answered with an HTTP error status. */
export class HttpError extends Error {
  constructor(readonly status: number, url: string) {
    super(`HTTP ${status} for ${url}`);
    this.name = "HttpError";
  }
}

/** Settings of a crawl. */
export interface CrawlOptions {
  /** Worker tasks. */
  workers: number;
  /** Limit for one page (its HTML and its meta together). */
  requestTimeoutMs: number;
  /** Limit for the whole crawl; `null` for none. */
  deadlineMs: number | null;
}

/** What a crawl found; filled in as it goes, so it is useful after a cancel. */
export class CrawlReport {
  /** Pages fetched, with their titles. */
  readonly ok = new Map<string, string>();
  /** Pages that answered with an error status. */
  readonly failed = new Map<string, number>();
  /** Pages that did not finish in `requestTimeoutMs`. */
  readonly timedOut = new Set<string>();
  /** Pages whose fetch was interrupted by the end of the crawl. */
  readonly interrupted = new Set<string>();
  /** Pages handled by each worker. */
  readonly perWorker: number[] = [];
  /** Fetches started but not settled yet. */
  inFlight = 0;
  /** Every page was visited. */
  complete = false;
  /** The overall deadline stopped the crawl. */
  deadlineHit = false;
}

async function getText(url: string, signal: AbortSignal): Promise<string> {
  const res = await fetch(url, { signal });
  if (!res.ok) {
    await res.body?.cancel();
    throw new HttpError(res.status, url);
  }
  return await res.text();
}

async function getJson<T>(url: string, signal: AbortSignal): Promise<T> {
  const res = await fetch(url, { signal });
  if (!res.ok) {
    await res.body?.cancel();
    throw new HttpError(res.status, url);
  }
  return await res.json() as T;
}

/**
 * Crawls `base` from `/p/0`. Must run inside a task. Returns `report` when
 * the crawl ends by itself or at the deadline; a cancellation of the
 * calling task propagates (the report still holds what was found).
 */
export async function crawl(
  base: string,
  options: CrawlOptions,
  report: CrawlReport = new CrawlReport(),
): Promise<CrawlReport> {
  const queue = new Queue<string>();
  const seen = new Set<string>();
  const enqueue = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    queue.putNowait(path);
  };

  // HTML and meta at once. Promise.all rejects at the first failure and
  // leaves the other fetch running, so tie both to a controller that the
  // finally aborts, as well as to the innermost scope (the page's timeout).
  const fetchPage = async (path: string) => {
    const mine = new AbortController();
    const signal = AbortSignal.any([currentSignal()!, mine.signal]);
    report.inFlight += 2;
    const settle = <T>(p: Promise<T>) => p.finally(() => report.inFlight--);
    try {
      return await Promise.all([
        settle(getText(base + path, signal)),
        settle(getJson<{ title: string }>(`${base}${path}/meta`, signal)),
      ]);
    } finally {
      mine.abort(new Error("sibling failed"));
    }
  };

  const visit = async (path: string) => {
    try {
      const [html, meta] = await timeout(
        options.requestTimeoutMs,
        () => fetchPage(path),
      );
      for (const m of html.matchAll(/href="(\/p\/\d+)"/g)) enqueue(m[1]!);
      report.ok.set(path, meta.title);
    } catch (e) {
      if (e instanceof TimeoutError) report.timedOut.add(path);
      else if (e instanceof HttpError) report.failed.set(path, e.status);
      else {
        report.interrupted.add(path);
        throw e;
      }
    }
  };

  const worker = async (id: number) => {
    report.perWorker[id] = 0;
    for await (const path of queue) {
      try {
        await visit(path);
        report.perWorker[id]!++;
      } finally {
        queue.taskDone();
      }
    }
  };

  enqueue("/p/0");
  const workers: Task<void>[] = [];
  for (let id = 0; id < options.workers; id++) {
    workers.push(createTask(() => worker(id), { name: `worker-${id}` }));
  }
  try {
    await timeout(options.deadlineMs, () => queue.join());
    report.complete = true;
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    report.deadlineHit = true;
  } finally {
    queue.shutdown(true);
    for (const w of workers) w.cancel();
    // Cancelled workers end with CancelledError; we only wait for them.
    await Promise.allSettled(workers);
  }
  return report;
}

if (import.meta.main) {
  const { run } = await import("@aio/asyncio/task");
  await using site = new Site();
  const report = await run(() =>
    crawl(site.base, { workers: 4, requestTimeoutMs: 300, deadlineMs: 5000 })
  );
  console.log(
    `ok ${report.ok.size}, failed ${report.failed.size}, ` +
      `timed out ${report.timedOut.size}, per worker ${report.perWorker}`,
  );
}
