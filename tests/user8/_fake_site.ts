/**
 * A fake `fetch` for virtual-time tests: each page "takes" its latency on
 * the loop's clock (`sleep`), honours the request's signal, and records how
 * many requests are in flight. No real I/O.
 */

import { getRunningLoop } from "@aio/asyncio/loop";
import { sleep } from "@aio/asyncio/task";
import type { FetchFn } from "./crawler.ts";

export interface FakePage {
  ms?: number;
  status?: number;
  links?: string[];
  /** Body size in bytes (filled with spaces after the links). */
  size?: number;
  /** Never answers (until aborted). */
  hang?: boolean;
  /** Fails with 503 this many times first. */
  failFirst?: number;
}

export interface FakeSite {
  fetch: FetchFn;
  active: number;
  peak: number;
  log: { path: string; at: number }[];
  aborted: string[];
  /** Requests whose promise is still pending (neither answered nor aborted). */
  pending: Set<string>;
}

export const BASE = "http://site.test";

export function fakeSite(pages: Record<string, FakePage>): FakeSite {
  const failures = new Map<string, number>();
  const site: FakeSite = {
    active: 0,
    peak: 0,
    log: [],
    aborted: [],
    pending: new Set(),
    fetch: async (url, { signal }) => {
      const path = new URL(url).pathname;
      const id = `${path}#${site.log.length}`;
      site.log.push({ path, at: getRunningLoop().time() });
      site.peak = Math.max(site.peak, ++site.active);
      site.pending.add(id);
      try {
        const page = pages[path];
        if (page === undefined) return new Response("nf", { status: 404 });
        await sleep(page.hang ? 3_600_000 : page.ms ?? 10, { signal });
        const failed = failures.get(path) ?? 0;
        if (failed < (page.failFirst ?? 0)) {
          failures.set(path, failed + 1);
          return new Response("later", { status: 503 });
        }
        const links = (page.links ?? []).map((l) => `<a href="${l}">x</a>`)
          .join("");
        const body = links.padEnd(page.size ?? 0, " ");
        return new Response(body, { status: page.status ?? 200 });
      } catch (e) {
        if (signal.aborted) site.aborted.push(path);
        throw e;
      } finally {
        site.active--;
        site.pending.delete(id);
      }
    },
  };
  return site;
}
