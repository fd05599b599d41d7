/**
 * The crawler against a real `Deno.serve` origin on 127.0.0.1. Real clock;
 * every test is bounded by a crawl deadline or a `waitFor`, and waits for
 * events (not for time) before asserting.
 */

import assert from "node:assert/strict";
import { Event } from "@aio/asyncio/sync";
import {
  allTasks,
  CancelledError,
  createTask,
  currentTask,
  run,
  TimeoutError,
  waitFor,
} from "@aio/asyncio/task";
import { BodyTooLargeError, crawl, HttpError } from "./crawler.ts";
import { type Origin, startOrigin } from "./origin.ts";
import { crawlService } from "./service.ts";

const paths = (m: Map<string, unknown>) =>
  [...m.keys()].map((u) => new URL(u).pathname).sort();

Deno.test("net: a full crawl finds every page and types every error", async () => {
  let origin: Origin | undefined;
  const log: string[] = [];
  const report = await run(() =>
    crawlService({
      origin: { pageMs: 10, slowMs: 50, flakyFailures: 2 },
      workers: 6,
      maxInFlight: 3,
      requestTimeoutMs: 300,
      retries: 2,
      backoffMs: 10,
      maxBodyBytes: 64 * 1024,
      deadlineMs: 10_000,
      log,
      onOrigin: (o) => origin = o,
    })
  );
  assert.equal(report.stoppedBy, "done");
  const pPages = Array.from({ length: 15 }, (_, i) => `/p/${i + 1}`);
  assert.deepEqual(
    paths(report.pages),
    ["/", "/extra", "/flaky", "/slow", ...pPages].sort(),
  );
  assert.deepEqual(paths(report.errors), [
    "/big",
    "/error",
    "/hang",
    "/missing",
  ]);
  const err = (p: string) => report.errors.get(new URL(p, origin!.url).href);
  assert.ok(err("/error") instanceof HttpError);
  assert.equal((err("/error") as HttpError).status, 500);
  assert.equal((err("/missing") as HttpError).status, 404);
  assert.ok(err("/hang") instanceof TimeoutError, String(err("/hang")));
  assert.ok(err("/big") instanceof BodyTooLargeError, String(err("/big")));
  assert.equal(
    report.pages.get(new URL("/flaky", origin!.url).href)?.attempts,
    3,
  );
  assert.equal(origin!.stats.byPath.get("/private"), undefined);
  assert.equal(origin!.stats.byPath.get("/hang"), 3);
  assert.equal(origin!.stats.byPath.get("/error"), 3);
  assert.equal(origin!.stats.byPath.get("/missing"), 1);
  assert.ok(report.peakInFlight <= 3);
  assert.equal(origin!.stats.inFlight, 0);
  assert.deepEqual(log, ["origin started", "closing origin", "origin closed"]);
});

Deno.test("net: the origin never sees more than maxInFlight requests", async () => {
  let origin: Origin | undefined;
  const report = await run(() =>
    crawlService({
      origin: { pageMs: 30 },
      startPath: "/p/1",
      workers: 8,
      maxInFlight: 2,
      deadlineMs: 10_000,
      onOrigin: (o) => origin = o,
    })
  );
  // /p/1../p/15, and /extra from the sitemap.
  assert.deepEqual(report.pages.size, 16);
  assert.equal(origin!.stats.peakInFlight, 2);
});

Deno.test("net: the deadline aborts fetches and bodies in flight", async () => {
  const started = performance.now();
  await run(async () => {
    await using origin = await startOrigin({ pageMs: 10, slowMs: 5_000 });
    const report = await crawl({
      start: origin.url,
      workers: 10,
      requestTimeoutMs: 5_000,
      retries: 0,
      deadlineMs: 150,
      maxBodyBytes: 4 * 1024 * 1024,
    });
    assert.equal(report.stoppedBy, "deadline");
    assert.ok(
      report.elapsedMs >= 150 && report.elapsedMs < 1_000,
      `${report.elapsedMs}`,
    );
    // Nothing of the crawl outlives it.
    assert.deepEqual([...allTasks()], [currentTask()]);
    // Cancelled work is not reported as an error.
    assert.deepEqual(paths(report.errors), ["/error", "/flaky", "/missing"]);
    for (const p of ["/slow", "/hang", "/big"]) {
      assert.ok(!report.pages.has(new URL(p, origin.url).href), p);
      assert.equal(origin.stats.byPath.get(p), 1, p);
    }
    // The origin sees /slow and /hang go away (the client aborted them),
    // and the /big body cancelled, before it is closed.
    await waitFor(origin.abortsReached(2), 2_000);
    assert.equal(origin.stats.aborted, 2);
    assert.equal(origin.stats.bodiesCancelled, 1);
    assert.equal(origin.stats.inFlight, 0);
  });
  assert.ok(performance.now() - started < 3_000);
});

Deno.test("net: cancelling the service mid-crawl closes everything", async () => {
  let origin: Origin | undefined;
  const log: string[] = [];
  await run(async () => {
    const enoughPages = new Event();
    let pages = 0;
    const service = createTask(() =>
      crawlService({
        origin: { pageMs: 20, slowMs: 5_000 },
        workers: 4,
        requestTimeoutMs: 5_000,
        deadlineMs: 10_000,
        log,
        onOrigin: (o) => origin = o,
        onEvent: (e) => {
          if (e.kind === "page" && ++pages === 4) enoughPages.set();
        },
      }), { name: "service" });
    await waitFor(enoughPages.wait(), 5_000);
    service.cancel();
    await assert.rejects(service, CancelledError);
    assert.deepEqual([...allTasks()], [currentTask()]);
  });
  assert.deepEqual(log, ["origin started", "closing origin", "origin closed"]);
  assert.equal(origin!.stats.inFlight, 0);
});

Deno.test("net: the stop event ends the crawl gracefully", async () => {
  const stop = new Event();
  let origin: Origin | undefined;
  const fetchesAfterStop: string[] = [];
  const report = await run(() =>
    crawlService({
      origin: { pageMs: 20 },
      startPath: "/p/1",
      workers: 2,
      deadlineMs: 10_000,
      stop,
      onOrigin: (o) => origin = o,
      onEvent: (e) => {
        if (e.kind === "fetch" && stop.isSet()) fetchesAfterStop.push(e.url);
        if (e.kind === "page" && e.url.endsWith("/p/2")) stop.set();
      },
    })
  );
  assert.equal(report.stoppedBy, "stop");
  assert.deepEqual(fetchesAfterStop, []);
  assert.ok(report.pages.has(new URL("/p/2", origin!.url).href));
  assert.ok(report.pages.size < 8, String(report.pages.size));
  assert.equal(origin!.stats.aborted, 0);
});
