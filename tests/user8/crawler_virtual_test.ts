/**
 * The crawler on virtual time, with a fake fetch: exact timings, no I/O.
 */

import assert from "node:assert/strict";
import { VirtualClock } from "@aio/asyncio/loop";
import { Event } from "@aio/asyncio/sync";
import {
  allTasks,
  CancelledError,
  createTask,
  currentTask,
  run,
  sleep,
  TimeoutError,
} from "@aio/asyncio/task";
import {
  BodyTooLargeError,
  crawl,
  type CrawlEvent,
  HttpError,
  type Progress,
} from "./crawler.ts";
import { BASE, fakeSite } from "./_fake_site.ts";

const vrun = <T>(fn: () => Promise<T>) =>
  run(fn, { clock: new VirtualClock() });

const paths = (m: Map<string, unknown>) =>
  [...m.keys()].map((u) => new URL(u).pathname).sort();

Deno.test("virtual: crawls the reachable pages and types every error", async () => {
  const site = fakeSite({
    "/robots.txt": { links: [], ms: 1 },
    "/": {
      links: ["/a", "/b", "/error", "/hang", "/big", "/nowhere", "/a#frag"],
    },
    "/a": { links: ["/c", "/", "http://other.test/x"] },
    "/b": { links: ["c"] },
    "/c": { links: [] },
    "/error": { status: 500 },
    "/hang": { hang: true },
    "/big": { size: 10_000 },
  });
  const report = await vrun(() =>
    crawl({
      start: `${BASE}/`,
      fetch: site.fetch,
      requestTimeoutMs: 100,
      retries: 1,
      backoffMs: 10,
      maxBodyBytes: 5_000,
    })
  );
  assert.equal(report.stoppedBy, "done");
  assert.deepEqual(paths(report.pages), ["/", "/a", "/b", "/c"]);
  assert.deepEqual(paths(report.errors), [
    "/big",
    "/error",
    "/hang",
    "/nowhere",
  ]);
  const err = (p: string) => report.errors.get(`${BASE}${p}`);
  assert.ok(err("/error") instanceof HttpError);
  assert.equal((err("/error") as HttpError).status, 500);
  assert.equal((err("/nowhere") as HttpError).status, 404);
  assert.ok(err("/hang") instanceof TimeoutError, String(err("/hang")));
  assert.ok(err("/big") instanceof BodyTooLargeError);
  // /hang: two attempts, each aborted at its deadline.
  assert.deepEqual(site.aborted, ["/hang", "/hang"]);
  assert.equal(site.pending.size, 0);
  // /error retried once (5xx), /nowhere not (4xx).
  assert.equal(site.log.filter((l) => l.path === "/error").length, 2);
  assert.equal(site.log.filter((l) => l.path === "/nowhere").length, 1);
});

Deno.test("virtual: concurrency never exceeds maxInFlight", async () => {
  const pages: Record<string, { links: string[]; ms: number }> = {};
  for (let i = 0; i < 40; i++) {
    pages[i === 0 ? "/" : `/n${i}`] = {
      links: [2 * i + 1, 2 * i + 2].filter((n) => n < 40).map((n) => `/n${n}`),
      ms: 10 + (i * 7) % 13,
    };
  }
  const site = fakeSite(pages);
  const report = await vrun(() =>
    crawl({ start: `${BASE}/`, fetch: site.fetch, workers: 8, maxInFlight: 3 })
  );
  assert.equal(report.pages.size, 40);
  assert.equal(site.peak, 3);
  assert.equal(report.peakInFlight, 3);
});

Deno.test("virtual: retries back off exponentially", async () => {
  const site = fakeSite({
    "/": { links: ["/flaky"], ms: 10 },
    "/flaky": { failFirst: 3, ms: 5 },
  });
  const events: CrawlEvent[] = [];
  const report = await vrun(() =>
    crawl({
      start: `${BASE}/`,
      fetch: site.fetch,
      retries: 3,
      backoffMs: 100,
      onEvent: (e) => events.push(e),
    })
  );
  assert.equal(report.pages.get(`${BASE}/flaky`)?.attempts, 4);
  // robots.txt and sitemap.txt are 404s that take no time.
  const flaky = site.log.filter((l) => l.path === "/flaky").map((l) => l.at);
  // first at 10; each failure takes 5 ms, then 100, 200, 400 ms of backoff.
  assert.deepEqual(flaky, [10, 115, 320, 725]);
  assert.deepEqual(
    events.filter((e) => e.kind === "retry").map((e) =>
      e.kind === "retry" && e.delayMs
    ),
    [100, 200, 400],
  );
  assert.equal(report.elapsedMs, 730);
});

Deno.test("virtual: the deadline stops in-flight work at the deadline", async () => {
  const chain: Record<string, { links: string[]; ms: number }> = {};
  for (let i = 0; i < 10; i++) {
    chain[i === 0 ? "/" : `/c${i}`] = { links: [`/c${i + 1}`], ms: 100 };
  }
  const site = fakeSite(chain);
  const progress: Progress[] = [];
  const report = await vrun(async () => {
    const r = await crawl({
      start: `${BASE}/`,
      fetch: site.fetch,
      deadlineMs: 350,
      requestTimeoutMs: 1_000,
      onProgress: (p) => progress.push(p),
    });
    // Nothing of the crawl outlives it.
    assert.deepEqual([...allTasks()], [currentTask()]);
    return r;
  });
  assert.equal(report.stoppedBy, "deadline");
  assert.equal(report.elapsedMs, 350);
  assert.deepEqual(paths(report.pages), ["/", "/c1", "/c2"]);
  assert.equal(report.errors.size, 0);
  assert.deepEqual(site.aborted, ["/c3"]);
  assert.equal(site.pending.size, 0);
  assert.deepEqual(
    progress.map((p) => [p.at, p.done, p.final]),
    // A report due at the instant a page ends comes first: its timer was
    // set earlier.
    [[100, 0, false], [200, 1, false], [300, 2, false], [350, 3, true]],
  );
});

Deno.test("virtual: the stop event drains: held pages finish, nothing new starts", async () => {
  const pages: Record<string, { links: string[]; ms: number }> = {
    "/": { links: ["/a", "/b", "/c", "/d", "/e"], ms: 10 },
  };
  for (const p of ["a", "b", "c", "d", "e"]) {
    pages[`/${p}`] = { links: [`/${p}2`], ms: 100 };
    pages[`/${p}2`] = { links: [], ms: 100 };
  }
  const site = fakeSite(pages);
  const stop = new Event();
  const report = await vrun(async () => {
    const crawling = createTask(() =>
      crawl({ start: `${BASE}/`, fetch: site.fetch, workers: 2, stop })
    );
    await sleep(50);
    stop.set();
    return await crawling;
  });
  assert.equal(report.stoppedBy, "stop");
  // At 50 the two workers hold /a and /b (started at 10): they finish at 110.
  assert.deepEqual(paths(report.pages), ["/", "/a", "/b"]);
  assert.equal(report.elapsedMs, 110);
  assert.ok(site.log.every((l) => l.at <= 50), JSON.stringify(site.log));
  assert.deepEqual(site.aborted, []);
});

Deno.test("virtual: cancelling the crawl runs every finally and leaves nothing", async () => {
  const pages: Record<string, { links: string[]; ms: number }> = {};
  for (let i = 0; i < 30; i++) {
    pages[i === 0 ? "/" : `/n${i}`] = {
      links: [2 * i + 1, 2 * i + 2].filter((n) => n < 30).map((n) => `/n${n}`),
      ms: 40,
    };
  }
  const site = fakeSite(pages);
  const progress: Progress[] = [];
  await vrun(async () => {
    const crawling = createTask(() =>
      crawl({
        start: `${BASE}/`,
        fetch: site.fetch,
        workers: 4,
        onProgress: (p) => progress.push(p),
      })
    );
    await sleep(100);
    assert.ok(site.active > 0);
    crawling.cancel();
    await assert.rejects(crawling, CancelledError);
    assert.equal(site.active, 0);
    assert.equal(site.pending.size, 0);
    assert.deepEqual([...allTasks()], [currentTask()]);
  });
  assert.ok(site.aborted.length > 0);
  // The reporter ended with its final report, at the cancel.
  assert.deepEqual(progress.at(-1)?.final, true);
  assert.equal(progress.at(-1)?.at, 100);
});
