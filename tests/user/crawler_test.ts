// deno test --allow-net=127.0.0.1 tests/user/crawler_test.ts
// Real clock throughout: fetch and Deno.serve live on host time.
import assert from "node:assert/strict";
import { CancelledError, createTask, run, sleep } from "@aio/asyncio/task";
import { crawl, CrawlReport, kindOf, reachable, Site } from "./crawler.ts";

const byKind = (paths: Iterable<string>) => {
  const out: Record<string, number> = {};
  for (const p of paths) {
    const k = kindOf(Number(p.split("/")[2]));
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
};

Deno.test("crawler: every reachable page is visited once, hangs time out and are aborted", async () => {
  await using site = new Site();
  const report = await run(() =>
    crawl(site.base, { workers: 4, requestTimeoutMs: 300, deadlineMs: 10_000 })
  );
  const expected = reachable();
  const expectOf = (...kinds: string[]) =>
    [...expected].filter(([, k]) => kinds.includes(k)).map(([i]) => `/p/${i}`)
      .sort();

  assert.equal(report.complete, true);
  assert.equal(report.deadlineHit, false);
  assert.deepEqual([...report.ok.keys()].sort(), expectOf("normal", "slow"));
  assert.deepEqual(
    [...report.failed.keys()].sort(),
    expectOf("error", "error-meta-hangs"),
  );
  assert.deepEqual(
    [...report.timedOut].sort(),
    expectOf("hang", "stall-body"),
  );
  assert.equal(report.interrupted.size, 0);
  assert.equal(report.ok.get("/p/0"), "Page 0");
  // Every page fetched once (HTML + meta), no page twice.
  const pages = site.requests.filter((p) => !p.endsWith("/meta"));
  assert.equal(new Set(pages).size, pages.length);
  assert.equal(pages.length, expected.size);
  // The 4 workers shared the work.
  assert.equal(report.perWorker.reduce((a, b) => a + b, 0), expected.size);
  assert.ok(report.perWorker.every((n) => n > 0), String(report.perWorker));
  // Hanging requests were aborted by the client (the timeout's signal
  // reached fetch), not left open until the site shut down.
  await site.settled();
  assert.equal(site.active, 0);
  assert.deepEqual(site.releasedAtShutdown, []);
  assert.ok(
    site.abortedByClient.includes("/p/9"),
    String(site.abortedByClient),
  );
  assert.ok(site.abortedByClient.includes("/p/44"), "stalled body cancelled");
  assert.ok(site.abortedByClient.includes("/p/27/meta"), "orphan meta aborted");
  assert.equal(report.inFlight, 0);
});

Deno.test("crawler: the overall deadline stops the crawl midway and aborts in-flight fetches", async () => {
  await using site = new Site();
  const report = await run(() =>
    crawl(site.base, { workers: 3, requestTimeoutMs: 5000, deadlineMs: 250 })
  );
  assert.equal(report.deadlineHit, true);
  assert.equal(report.complete, false);
  assert.ok(report.ok.size > 0 && report.ok.size < reachable().size);
  // Hanging pages were in flight at the deadline: interrupted, not timed out.
  assert.equal(report.timedOut.size, 0);
  assert.ok(report.interrupted.size > 0, "some fetch was interrupted");
  await site.settled();
  assert.equal(site.active, 0);
  assert.deepEqual(site.releasedAtShutdown, []);
  assert.equal(report.inFlight, 0);
});

Deno.test("crawler: cancelling the crawl task midway (task.cancel) stops every fetch", async () => {
  await using site = new Site();
  const report = new CrawlReport();
  const outcome = await run(async () => {
    const t = createTask(() =>
      crawl(site.base, {
        workers: 4,
        requestTimeoutMs: 5000,
        deadlineMs: null,
      }, report)
    );
    // Host timer on purpose: cancel like a SIGINT would, on wall time.
    await new Promise((r) => setTimeout(r, 200));
    t.cancel("user pressed ^C");
    try {
      await t;
      return "finished";
    } catch (e) {
      return e instanceof CancelledError ? `cancelled: ${e.message}` : `${e}`;
    } finally {
      await sleep(0);
    }
  });
  assert.equal(outcome, "cancelled: user pressed ^C");
  assert.equal(report.complete, false);
  assert.ok(report.ok.size > 0);
  assert.ok(report.interrupted.size > 0);
  assert.deepEqual(byKind(report.timedOut), {});
  await site.settled();
  assert.equal(site.active, 0);
  assert.deepEqual(site.releasedAtShutdown, []);
  assert.equal(report.inFlight, 0);
});
