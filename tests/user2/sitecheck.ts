/**
 * A link checker for a local site: fetches every page reachable from a start
 * URL, reports broken links, then checks the assets the pages use.
 *
 * - The frontier is a set of tasks; `wait(..., { returnWhen:
 *   "FIRST_COMPLETED", signal })` takes them as they finish, and new links
 *   become new tasks. The caller's `signal` (an `AbortSignal.timeout()`, say)
 *   ends the crawl: what is still running is cancelled and reported
 *   `aborted`.
 * - A `Semaphore` bounds the requests in flight; a sliding-window
 *   `RateLimiter` (a `Semaphore` whose permits come back through
 *   `loop.callLater()`) bounds the request rate.
 * - Each page is fetched under `timeout()`, with `currentSignal()` handed to
 *   `fetch`, so a hung page stops at the deadline.
 * - Links are extracted in a Worker with `runInExecutor()`.
 * - Assets are checked with `HEAD` requests taken in completion order with
 *   `asCompleted()`.
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 --allow-read tests/user2/sitecheck.ts
 * ```
 *
 * @module
 */
import {
  asCompleted,
  createTask,
  currentSignal,
  run,
  sleep,
  type Task,
  timeout,
  TimeoutError,
  wait,
} from "@aio/asyncio/task";
import { getRunningLoop } from "@aio/asyncio/loop";
import { Semaphore } from "@aio/asyncio/sync";
import { runInExecutor } from "@aio/asyncio/executor";
import type { Links } from "./sitecheck_worker.ts";

const WORKER = import.meta.resolve("./sitecheck_worker.ts");

/**
 * At most `burst` takes in any window of `perMs` (on the loop's clock): each
 * take holds a permit that comes back `perMs` later.
 */
export class RateLimiter {
  readonly #sem: Semaphore;
  constructor(readonly burst: number, readonly perMs: number) {
    this.#sem = new Semaphore(burst);
  }
  /** Waits for a slot. */
  async take(): Promise<void> {
    await this.#sem.acquire();
    getRunningLoop().callLater(this.perMs, () => this.#sem.release());
  }
}

/** How a page ended. */
export type PageStatus =
  | number // HTTP status
  | "timeout"
  | "error"
  | "aborted" // the crawl ended first
  | "skipped"; // over `maxPages`

/** One page of the report. */
export interface PageResult {
  status: PageStatus;
  /** The error's name for `error`. */
  detail?: string;
}

/** What `checkSite` found. */
export interface Report {
  pages: Map<string, PageResult>;
  /** `[from, to]` for each link to a page that did not answer 2xx/3xx. */
  broken: [string, string][];
  /** Asset URL to HTTP status, `"timeout"` or `"error"`. */
  assets: Map<string, number | "timeout" | "error">;
  /** Whether the caller's signal ended the crawl. */
  aborted: boolean;
}

/** Options of {@linkcode checkSite}. */
export interface CheckOptions {
  concurrency: number;
  rate?: { burst: number; perMs: number };
  pageTimeoutMs: number;
  assetTimeoutMs: number;
  maxPages: number;
  /** Ends the crawl (pages in flight are cancelled, assets not checked). */
  signal?: AbortSignal;
}

interface Fetched {
  status: number;
  links: Links | null;
}

/** Crawls from `start`; see the module doc. */
export async function checkSite(
  start: string,
  options: CheckOptions,
): Promise<Report> {
  const inFlight = new Semaphore(options.concurrency);
  const rate = options.rate
    ? new RateLimiter(options.rate.burst, options.rate.perMs)
    : null;
  const pages = new Map<string, PageResult>();
  const referrers = new Map<string, Set<string>>();
  const assetUrls = new Set<string>();
  const running = new Map<Task<Fetched>, string>();

  const fetchPage = async (url: string): Promise<Fetched> => {
    using _slot = await inFlight.lock();
    await rate?.take();
    return await timeout(options.pageTimeoutMs, async () => {
      const res = await fetch(url, {
        signal: currentSignal(),
        redirect: "manual",
      });
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        const to = new URL(res.headers.get("location")!, url).href;
        return { status: res.status, links: { pages: [to], assets: [] } };
      }
      if (!res.ok) {
        await res.body?.cancel();
        return { status: res.status, links: null };
      }
      const html = await res.text();
      const links = await runInExecutor<Links>(
        WORKER,
        "extractLinks",
        html,
        url,
      );
      return { status: res.status, links };
    });
  };

  const visit = (url: string, from?: string) => {
    if (from) {
      const set = referrers.get(url) ?? new Set();
      set.add(from);
      referrers.set(url, set);
    }
    if (pages.has(url)) return;
    if (pages.size >= options.maxPages) {
      pages.set(url, { status: "skipped" });
      return;
    }
    pages.set(url, { status: "aborted" }); // until it finishes
    running.set(createTask(() => fetchPage(url), { name: url }), url);
  };

  visit(start);
  let aborted = false;
  try {
    while (running.size > 0) {
      const { done } = await wait(running.keys(), {
        returnWhen: "FIRST_COMPLETED",
        signal: options.signal,
      });
      for (const task of done) {
        const url = running.get(task)!;
        running.delete(task);
        const error = task.exception();
        if (error !== undefined) {
          pages.set(
            url,
            error instanceof TimeoutError ? { status: "timeout" } : {
              status: "error",
              detail: (error as Error).name,
            },
          );
          continue;
        }
        const { status, links } = task.result();
        pages.set(url, { status });
        for (const to of links?.pages ?? []) visit(to, url);
        for (const a of links?.assets ?? []) assetUrls.add(a);
      }
    }
  } catch (e) {
    if (!options.signal?.aborted || e !== options.signal.reason) throw e;
    aborted = true;
  } finally {
    // Whatever ended the loop, no page task outlives the crawl.
    for (const task of running.keys()) task.cancel();
    await Promise.allSettled(running.keys());
  }

  const broken: [string, string][] = [];
  for (const [to, froms] of referrers) {
    const s = pages.get(to)!.status;
    if (typeof s === "number" ? s >= 400 : s === "timeout" || s === "error") {
      for (const from of froms) broken.push([from, to]);
    }
  }
  broken.sort((a, b) => a.join().localeCompare(b.join()));

  const assets = new Map<string, number | "timeout" | "error">();
  if (!aborted && assetUrls.size > 0) {
    const checks = [...assetUrls].map((url) => async () => {
      try {
        const res = await timeout(
          options.assetTimeoutMs,
          () => fetch(url, { method: "HEAD", signal: currentSignal() }),
        );
        await res.body?.cancel();
        return [url, res.status] as const;
      } catch (e) {
        return [url, e instanceof TimeoutError ? "timeout" : "error"] as const;
      }
    });
    for await (const [url, status] of asCompleted(checks)) {
      assets.set(url, status);
    }
  }
  return { pages, broken, assets, aborted };
}

// ---------------------------------------------------------------------------
// A site to check
// ---------------------------------------------------------------------------

/** A page of the test site. */
export type PageSpec =
  | {
    kind: "html";
    links: string[];
    assets?: string[];
    delayMs?: number;
    /** The page is served only once this settles. */
    gate?: Promise<unknown>;
  }
  | { kind: "redirect"; to: string }
  | { kind: "hang" }
  | { kind: "poison" };

/** A running test site. */
export class Site implements AsyncDisposable {
  /** Requests per path (`GET` and `HEAD`). */
  readonly hits = new Map<string, number>();
  /** Requests whose client went away before the answer. */
  readonly abandoned: string[] = [];
  active = 0;
  maxActive = 0;
  readonly #http: Deno.HttpServer<Deno.NetAddr>;

  constructor(readonly spec: Record<string, PageSpec>) {
    this.#http = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => this.#serve(req),
    );
  }

  get origin(): string {
    return `http://127.0.0.1:${this.#http.addr.port}`;
  }

  async #serve(req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (path.startsWith("/static/")) {
        if (path.includes("missing")) {
          return new Response(null, { status: 404 });
        }
        if (path.includes("hang")) return await this.#hang(req, path);
        return new Response("img", {
          headers: { "content-type": "image/png" },
        });
      }
      const page = this.spec[path];
      if (!page) return new Response("not found", { status: 404 });
      switch (page.kind) {
        case "redirect":
          return new Response(null, {
            status: 302,
            headers: { location: page.to },
          });
        case "hang":
          return await this.#hang(req, path);
        case "poison":
          return new Response("<html><!-- poison --></html>", {
            headers: { "content-type": "text/html" },
          });
        case "html": {
          if (page.delayMs) {
            await new Promise((r) => setTimeout(r, page.delayMs));
          }
          await page.gate;
          const body = [
            `<html><body><h1>${path}</h1>`,
            ...page.links.map((l) => `<a href="${l}">${l}</a>`),
            ...(page.assets ?? []).map((a) => `<img src="${a}">`),
            "</body></html>",
          ].join("\n");
          return new Response(body, {
            headers: { "content-type": "text/html" },
          });
        }
      }
    } finally {
      this.active--;
    }
  }

  /** Answers only once the client has gone. */
  async #hang(req: Request, path: string): Promise<Response> {
    await new Promise((resolve) =>
      req.signal.addEventListener("abort", resolve, { once: true })
    );
    this.abandoned.push(path);
    return new Response(null, { status: 499 });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#http.shutdown();
  }
}

if (import.meta.main) {
  await run(async () => {
    await using site = new Site({
      "/": {
        kind: "html",
        links: ["/a", "/b", "/missing"],
        assets: ["/static/logo.png"],
      },
      "/a": { kind: "html", links: ["/", "/b#top"], delayMs: 50 },
      "/b": { kind: "redirect", to: "/c" },
      "/c": { kind: "html", links: ["/"], assets: ["/static/missing.png"] },
    });
    const report = await checkSite(`${site.origin}/`, {
      concurrency: 4,
      rate: { burst: 5, perMs: 100 },
      pageTimeoutMs: 1000,
      assetTimeoutMs: 1000,
      maxPages: 100,
      signal: AbortSignal.timeout(10_000),
    });
    console.log(report);
    await sleep(0);
  });
}
