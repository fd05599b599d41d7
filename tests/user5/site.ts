/**
 * A deterministic fake web site for the crawler: a page model driven by a
 * seeded RNG, served either over real HTTP (`Deno.serve`, delays through
 * `setTimeout`) or through a simulated fetch on the loop's clock (library
 * `sleep`, so it runs on a `VirtualClock`).
 *
 * @module
 */
import { sleep } from "@aio/asyncio/task";

/** mulberry32: a tiny seeded PRNG, values in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hashString(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

/** What the site answers for one request. */
export interface Answer {
  status: number;
  /** Milliseconds before answering; `Infinity`: never (until aborted). */
  delayMs: number;
  body: string;
}

export interface SiteOptions {
  seed: number;
  /** Number of plain pages `/p/0..n-1`. */
  pages: number;
  /** Probability that one attempt at a `/flaky/*` page answers 500. */
  flakyFailRate: number;
  /** Link a page that never answers (`/hang`) from the home page. */
  withHang?: boolean;
  /** Delay range of plain pages, ms. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** The page graph and the per-request behaviour, all from the seed. */
export class Site {
  readonly links = new Map<string, string[]>();
  readonly delays = new Map<string, number>();
  constructor(readonly options: SiteOptions) {
    const rng = mulberry32(options.seed);
    const min = options.minDelayMs ?? 5;
    const max = options.maxDelayMs ?? 25;
    const n = options.pages;
    const plain = Array.from({ length: n }, (_, i) => `/p/${i}`);
    const home = ["/p/0", "/p/1", "/slow/1", "/flaky/1", "/broken/1"];
    if (options.withHang) home.push("/hang");
    this.links.set("/", home);
    for (const p of plain) {
      // Each page links to three random plain pages (duplicates and cycles
      // on purpose) and sometimes to the special ones.
      const out = [0, 1, 2].map(() => plain[Math.floor(rng() * n)]!);
      out.push(`/p/${(Number(p.slice(3)) + 1) % n}`); // a ring: all reachable
      if (rng() < 0.2) out.push("/flaky/2");
      if (rng() < 0.2) out.push("/broken/1");
      if (rng() < 0.1) out.push("https://elsewhere.example/x"); // off-site
      this.links.set(p, out);
    }
    for (const special of ["/slow/1", "/flaky/1", "/flaky/2", "/broken/1"]) {
      this.links.set(special, ["/p/2", "/"]);
    }
    this.links.set("/orphan", ["/p/0"]); // linked from nowhere
    for (const path of this.links.keys()) {
      this.delays.set(path, min + Math.floor(rng() * (max - min)));
    }
    this.delays.set("/slow/1", max * 4);
  }

  /** Whether attempt number `attempt` (1-based) at a flaky page fails. */
  flakyFails(path: string, attempt: number): boolean {
    const rng = mulberry32(
      this.options.seed ^ hashString(path) ^ (attempt * 0x9E3779B1),
    );
    return rng() < this.options.flakyFailRate;
  }

  answer(path: string, attempt: number): Answer {
    if (path === "/hang") return { status: 200, delayMs: Infinity, body: "" };
    const links = this.links.get(path);
    const delayMs = this.delays.get(path) ?? 1;
    if (!links) return { status: 404, delayMs, body: "not found" };
    if (path.startsWith("/broken/")) {
      return { status: 500, delayMs, body: "boom" };
    }
    if (path.startsWith("/flaky/") && this.flakyFails(path, attempt)) {
      return { status: 500, delayMs, body: "flaky" };
    }
    const body = `<html><body><h1>${path}</h1>${
      links.map((l) => `<a href="${l}">${l}</a>`).join(" ")
    }</body></html>`;
    return { status: 200, delayMs, body };
  }

  /** The on-site paths reachable from `/`. */
  reachable(): Set<string> {
    const seen = new Set<string>(["/"]);
    const todo = ["/"];
    while (todo.length) {
      for (const l of this.links.get(todo.pop()!) ?? []) {
        if (l.startsWith("/") && !seen.has(l)) {
          seen.add(l);
          todo.push(l);
        }
      }
    }
    if (this.options.withHang) seen.add("/hang");
    return seen;
  }

  /** Attempts the crawler needs for `path` with `maxAttempts`, and the outcome. */
  expectedAttempts(
    path: string,
    maxAttempts: number,
  ): { attempts: number; ok: boolean } {
    for (let a = 1; a <= maxAttempts; a++) {
      if (this.answer(path, a).status === 200) return { attempts: a, ok: true };
    }
    return { attempts: maxAttempts, ok: false };
  }
}

/** Per-path request log shared by the two ways of serving the site. */
export interface SiteLog {
  hits: Map<string, number>;
  /** Paths whose request was aborted by the client before the answer. */
  aborted: string[];
  /** Start time of each request, per path (clock of whoever serves). */
  starts: Map<string, number[]>;
}

function newLog(): SiteLog {
  return { hits: new Map(), aborted: [], starts: new Map() };
}

function countHit(log: SiteLog, path: string, now: number): number {
  const attempt = (log.hits.get(path) ?? 0) + 1;
  log.hits.set(path, attempt);
  const s = log.starts.get(path) ?? [];
  s.push(now);
  log.starts.set(path, s);
  return attempt;
}

/** Resolves `true` after `ms` (native timer), `false` if `signal` aborts first. */
function nativeDelay(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    if (Number.isFinite(ms)) {
      timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve(true);
      }, ms);
    }
  });
}

export interface SiteServer extends SiteLog {
  origin: string;
  /** Bodies POSTed to `/flush`. */
  flushes: unknown[];
  close(): Promise<void>;
}

/** Serves `site` on 127.0.0.1, an ephemeral port. */
export function serveSite(site: Site): SiteServer {
  const log = newLog();
  const flushes: unknown[] = [];
  const t0 = performance.now();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/flush" && req.method === "POST") {
        flushes.push(await req.json());
        return new Response("flushed");
      }
      const attempt = countHit(log, path, performance.now() - t0);
      const answer = site.answer(path, attempt);
      if (!await nativeDelay(answer.delayMs, req.signal)) {
        log.aborted.push(path);
        return new Response(null, { status: 499 });
      }
      return new Response(answer.body, {
        status: answer.status,
        headers: { "content-type": "text/html" },
      });
    },
  );
  return {
    ...log,
    flushes,
    origin: `http://127.0.0.1:${server.addr.port}`,
    close: () => server.shutdown(),
  };
}

/** A page as the crawler sees it. */
export interface Page {
  status: number;
  body: string;
}

/** The crawler's fetch function: must stop when `signal` aborts. */
export type FetchPage = (url: string, signal: AbortSignal) => Promise<Page>;

/** Real HTTP: `fetch` with the signal, body read under the same signal. */
export const httpFetch: FetchPage = async (url, signal) => {
  const res = await fetch(url, { signal });
  return { status: res.status, body: await res.text() };
};

/**
 * The site without a network: each request waits `answer.delayMs` with the
 * library's `sleep` (virtual time under a `VirtualClock`), aborting with the
 * signal as a real fetch would.
 */
export function simulatedSite(
  site: Site,
  now: () => number,
): SiteLog & { fetchPage: FetchPage } {
  const log = newLog();
  const fetchPage: FetchPage = async (url, signal) => {
    const path = new URL(url).pathname;
    const attempt = countHit(log, path, now());
    const answer = site.answer(path, attempt);
    try {
      await sleep(Number.isFinite(answer.delayMs) ? answer.delayMs : 1e12, {
        signal,
      });
    } catch (e) {
      log.aborted.push(path);
      throw e;
    }
    return { status: answer.status, body: answer.body };
  };
  return { ...log, fetchPage };
}
