import assert from "node:assert/strict";
import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import {
  asCompleted,
  CancelledError,
  createTask,
  gather,
  run,
  sleep,
  timeout,
  TimeoutError,
  waitFor,
} from "@aio/asyncio/task";
import { Event } from "@aio/asyncio/sync";
import { crawl, type CrawlOptions, type CrawlReport } from "./crawler.ts";
import {
  httpFetch,
  mulberry32,
  serveSite,
  simulatedSite,
  Site,
  type SiteLog,
} from "./site.ts";

const ORIGIN = "http://site.test";
const SITE = { seed: 12, pages: 30, flakyFailRate: 0.5 };
const BACKOFF = 50;
const MAX_ATTEMPTS = 3;

function baseOptions(
  fetchPage: CrawlOptions["fetchPage"],
  flush: CrawlOptions["flush"],
): CrawlOptions {
  return {
    fetchPage,
    flush,
    workers: 4,
    maxConcurrent: 3,
    fetchTimeoutMs: 1_000,
    maxAttempts: MAX_ATTEMPTS,
    backoffMs: BACKOFF,
    deadlineMs: 60_000,
    progressEveryMs: 50,
  };
}

const pathOf = (url: string) => new URL(url).pathname;

/** Every reachable page crawled once, with the attempts the seed dictates. */
function assertFullCrawl(site: Site, log: SiteLog, rep: CrawlReport) {
  const reachable = site.reachable();
  assert.deepEqual(new Set([...rep.pages.keys()].map(pathOf)), reachable);
  assert.equal(
    rep.pages.size,
    reachable.size,
    "no page recorded twice under two URLs",
  );
  let retried = 0;
  for (const path of reachable) {
    const want = site.expectedAttempts(path, MAX_ATTEMPTS);
    assert.equal(log.hits.get(path), want.attempts, `server hits of ${path}`);
    const got = rep.pages.get(new URL(path, [...rep.pages.keys()][0]).href)!;
    assert.equal(got.kind, want.ok ? "ok" : "failed", path);
    assert.equal(got.attempts, want.attempts, path);
    if (want.attempts > 1) retried++;
  }
  assert.ok(retried >= 3, "the seed makes some pages need retries");
  const failed = [...rep.pages].filter(([, r]) => r.kind === "failed").map((
    [u],
  ) => pathOf(u)).sort();
  assert.deepEqual(
    failed,
    ["/broken/1", "/flaky/2"],
    "failing pages reported after retries",
  );
  const broken = [...rep.pages].find(([u]) => pathOf(u) === "/broken/1")![1];
  assert.deepEqual(broken, {
    kind: "failed",
    attempts: MAX_ATTEMPTS,
    error: "HTTP 500",
  });
  assert.equal(
    log.hits.get("/orphan"),
    undefined,
    "unreachable page never fetched",
  );
  assert.ok([...rep.pages.keys()].every((u) => !u.includes("elsewhere")));
  assert.equal(log.aborted.length, 0);
  assert.ok(
    rep.peakInFlight <= 3 && rep.peakInFlight >= 2,
    `peak ${rep.peakInFlight}`,
  );
}

function assertProgressTicks(rep: CrawlReport, every: number) {
  const ats = rep.progress.map((p) => p.at - rep.startedAt);
  assert.ok(ats.length > 0);
  ats.forEach((at, i) => assert.equal(at, every * (i + 1)));
  const span = rep.endedAt - rep.startedAt;
  assert.ok(
    ats.at(-1)! <= span && span <= ats.at(-1)! + every,
    `${ats} / ${span}`,
  );
  for (let i = 1; i < rep.progress.length; i++) {
    assert.ok(rep.progress[i]!.done >= rep.progress[i - 1]!.done);
  }
}

Deno.test("virtual clock: full crawl, retries, backoff, progress ticks, flush", async () => {
  const site = new Site(SITE);
  const flushed: { at: number; pages: number }[] = [];
  const out = await run(async () => {
    const loop = getRunningLoop();
    const sim = simulatedSite(site, () => loop.time());
    const rep = await crawl(
      `${ORIGIN}/`,
      baseOptions(sim.fetchPage, async (r) => {
        await sleep(30);
        flushed.push({ at: loop.time(), pages: r.pages.size });
      }),
    );
    const samples = rep.progress.length;
    await sleep(10_000); // the progress timer must be gone
    assert.equal(rep.progress.length, samples);
    return { rep, sim, finishedAt: rep.endedAt };
  }, { clock: new VirtualClock() });
  const { rep, sim } = out;
  assertFullCrawl(site, sim, rep);
  assertProgressTicks(rep, 50);
  assert.equal(rep.timedOut, false);
  assert.equal(rep.stopped, false);
  assert.deepEqual(flushed, [{ at: rep.endedAt + 30, pages: rep.pages.size }]);
  // Backoff: attempt n+1 starts at least delay + backoff * 2^(n-1) after attempt n.
  const starts = sim.starts.get("/broken/1")!;
  const d = site.delays.get("/broken/1")!;
  assert.equal(starts.length, 3);
  assert.ok(starts[1]! - starts[0]! >= d + BACKOFF, `${starts}`);
  assert.ok(starts[2]! - starts[1]! >= d + 2 * BACKOFF, `${starts}`);
});

Deno.test("virtual clock: the deadline cancels in-flight fetches, flush still runs", async () => {
  const site = new Site({ ...SITE, withHang: true });
  const flushed: number[] = [];
  const { rep, sim, returnedAt } = await run(async () => {
    const loop = getRunningLoop();
    const sim = simulatedSite(site, () => loop.time());
    const rep = await crawl(`${ORIGIN}/`, {
      ...baseOptions(sim.fetchPage, async () => {
        await sleep(30);
        flushed.push(loop.time());
      }),
      fetchTimeoutMs: 100_000,
      deadlineMs: 400,
    });
    return { rep, sim, returnedAt: loop.time() };
  }, { clock: new VirtualClock() });
  assert.equal(rep.timedOut, true);
  assert.equal(rep.endedAt, 400);
  assert.deepEqual(flushed, [430]);
  assert.equal(returnedAt, 430);
  assert.ok(sim.aborted.includes("/hang"), `aborted: ${sim.aborted}`);
  assert.ok(![...rep.pages.keys()].some((u) => u.endsWith("/hang")));
  assertProgressTicks(rep, 50);
  assert.equal(rep.progress.at(-1)!.at, 400);
});

Deno.test("virtual clock: the stop event ends the crawl early; busy pages finish", async () => {
  const site = new Site(SITE);
  const { rep, sim } = await run(async () => {
    const loop = getRunningLoop();
    const sim = simulatedSite(site, () => loop.time());
    const stop = new Event();
    loop.callLater(60, () => stop.set()); // a loop callback, outside any task
    const rep = await crawl(`${ORIGIN}/`, {
      ...baseOptions(sim.fetchPage, async () => {}),
      stop,
    });
    return { rep, sim };
  }, { clock: new VirtualClock() });
  assert.equal(rep.stopped, true);
  assert.equal(rep.timedOut, false);
  assert.ok(
    rep.pages.size > 0 && rep.pages.size < site.reachable().size,
    `${rep.pages.size}`,
  );
  // Every page whose fetch began was finished and recorded; nothing aborted.
  assert.deepEqual(
    new Set([...rep.pages.keys()].map(pathOf)),
    new Set(sim.hits.keys()),
  );
  assert.equal(sim.aborted.length, 0);
});

Deno.test("virtual clock: waitFor cancels the whole crawl; the shielded flush completes", async () => {
  const site = new Site(SITE);
  const events: string[] = [];
  const { sim, crawlTask } = await run(async () => {
    const loop = getRunningLoop();
    const sim = simulatedSite(site, () => loop.time());
    const crawlTask = createTask(() =>
      crawl(
        `${ORIGIN}/`,
        baseOptions(sim.fetchPage, async (r) => {
          events.push(`flush start ${loop.time()} timedOut=${r.timedOut}`);
          await sleep(30);
          events.push(`flush end ${loop.time()}`);
        }),
      )
    );
    await assert.rejects(waitFor(crawlTask, 120), TimeoutError);
    events.push(`waitFor threw ${loop.time()}`);
    return { sim, crawlTask };
  }, { clock: new VirtualClock() });
  assert.deepEqual(events, [
    "flush start 120 timedOut=false",
    "flush end 150",
    "waitFor threw 150",
  ]);
  assert.ok(crawlTask.cancelled());
  assert.ok(sim.aborted.length > 0, "in-flight fetches were aborted");
});

Deno.test("virtual clock: thousands of tasks with Promise.all and gather", async () => {
  const N = 5_000;
  const rng = mulberry32(42);
  const delays = Array.from({ length: N }, () => Math.floor(rng() * 1_000));
  const out = await run(async () => {
    const loop = getRunningLoop();
    const tasks = delays.map((d, i) =>
      createTask(async () => {
        await sleep(d);
        return i;
      })
    );
    const all = await Promise.all(tasks);
    const tAll = loop.time();
    const gathered = await gather(...tasks); // already done: same results
    // gather of functions, some failing, errors in place
    const mixed = await gather(
      delays.map((d, i) => async () => {
        await sleep(d);
        if (i % 1000 === 0) throw new RangeError(`bad ${i}`);
        return i * 2;
      }),
      { returnExceptions: true },
    );
    return { all, tAll, gathered, mixed, tEnd: loop.time() };
  }, { clock: new VirtualClock() });
  const ids = delays.map((_, i) => i);
  assert.deepEqual(out.all, ids);
  assert.deepEqual(out.gathered, ids);
  assert.equal(out.tAll, Math.max(...delays));
  assert.equal(out.tEnd, 2 * Math.max(...delays));
  assert.equal(
    out.mixed.filter((x) => x instanceof RangeError).length,
    N / 1000,
  );
  assert.equal(out.mixed[1], 2);
});

// ---------------------------------------------------------------- real HTTP

async function postFlush(origin: string, rep: CrawlReport) {
  // A fresh scope with its own signal: the crawl's may be aborted by now.
  await timeout(2_000, async (scope) => {
    const res = await fetch(`${origin}/flush`, {
      method: "POST",
      body: JSON.stringify({ pages: rep.pages.size, timedOut: rep.timedOut }),
      signal: scope.signal,
    });
    await res.text();
  });
}

/**
 * Polls `cond` on the real clock for at most `ms`, inside a loop or not:
 * the server sees a client's abort through the host, not through aio.
 */
async function eventually(cond: () => boolean, ms = 20_000) {
  const until = performance.now() + ms;
  while (!cond() && performance.now() < until) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(cond(), "condition not met in time");
}

Deno.test("http: full crawl against Deno.serve, every page once, flaky retried", async () => {
  const site = new Site(SITE);
  const server = serveSite(site);
  try {
    const t0 = performance.now();
    const rep = await run(() =>
      crawl(`${server.origin}/`, {
        ...baseOptions(httpFetch, (r) => postFlush(server.origin, r)),
        deadlineMs: 10_000,
      })
    );
    assert.ok(performance.now() - t0 < 10_000);
    assert.equal(rep.timedOut, false);
    assertFullCrawl(site, server, rep);
    assert.deepEqual(server.flushes, [{
      pages: rep.pages.size,
      timedOut: false,
    }]);
    assert.ok(rep.progress.length >= 1);
  } finally {
    await server.close();
  }
});

Deno.test("http: the crawl deadline aborts the hanging fetch; the server sees it", async () => {
  const site = new Site({ ...SITE, withHang: true });
  const server = serveSite(site);
  try {
    const { rep, samplesLater } = await run(async () => {
      const rep = await crawl(`${server.origin}/`, {
        ...baseOptions(httpFetch, (r) => postFlush(server.origin, r)),
        fetchTimeoutMs: 30_000,
        deadlineMs: 1_500,
      });
      await sleep(200); // no progress sample after the end
      return { rep, samplesLater: rep.progress.length };
    });
    assert.equal(rep.timedOut, true);
    const span = rep.endedAt - rep.startedAt;
    assert.ok(span >= 1_500 && span < 4_000, `span ${span}`);
    assert.equal(rep.progress.length, samplesLater);
    assert.ok(rep.progress.every((p) => p.at <= rep.endedAt));
    assert.ok(server.aborted.includes("/hang"), `aborted: ${server.aborted}`);
    assert.equal(server.hits.get("/hang"), 1);
    // everything else was crawled before the deadline
    assert.equal(rep.pages.size, site.reachable().size - 1);
    assert.deepEqual(server.flushes, [{
      pages: rep.pages.size,
      timedOut: true,
    }]);
  } finally {
    await server.close();
  }
});

Deno.test("http: task.cancel() mid-crawl; fetches abort, the flush still reaches the server", async () => {
  const site = new Site({
    ...SITE,
    withHang: true,
    minDelayMs: 40,
    maxDelayMs: 80,
  });
  const server = serveSite(site);
  try {
    await run(async () => {
      const task = createTask(() =>
        crawl(`${server.origin}/`, {
          ...baseOptions(httpFetch, async (r) => {
            await sleep(50); // slow flush, after the cancel
            await postFlush(server.origin, r);
          }),
          fetchTimeoutMs: 30_000,
        })
      );
      await sleep(300);
      task.cancel();
      await assert.rejects(task, CancelledError);
      // The task ended only after the flush finished.
      assert.equal(server.flushes.length, 1);
      await eventually(() => server.aborted.length > 0);
    });
    assert.ok(server.aborted.includes("/hang"), `aborted: ${server.aborted}`);
  } finally {
    await server.close();
  }
});

Deno.test("http: health checks with asCompleted and gather, per-check timeouts", async () => {
  const site = new Site({ ...SITE, withHang: true });
  const server = serveSite(site);
  try {
    const out = await run(async () => {
      const check = (path: string) => async () => {
        try {
          return await timeout(300, async (scope) => {
            const page = await httpFetch(
              `${server.origin}${path}`,
              scope.signal,
            );
            return `${path} ${page.status}`;
          });
        } catch (e) {
          if (e instanceof TimeoutError) return `${path} timeout`;
          throw e;
        }
      };
      const paths = ["/slow/1", "/p/3", "/broken/1", "/hang", "/nope"];
      const order: string[] = [];
      for await (const line of asCompleted(paths.map(check))) order.push(line);
      const gathered = await gather(paths.map(check));
      // many small real-clock tasks mixed with Promise.all
      const tasks = Array.from(
        { length: 2_000 },
        (_, i) =>
          createTask(async () => {
            await new Promise((r) => setTimeout(r, i % 7)); // native timer inside a task
            await sleep(0);
            return i;
          }),
      );
      const sum = (await Promise.all(tasks)).reduce((a, b) => a + b, 0);
      return { order, gathered, sum };
    });
    assert.equal(out.order.at(-1), "/hang timeout", `${out.order}`);
    assert.deepEqual(new Set(out.order), new Set(out.gathered));
    assert.deepEqual(out.gathered, [
      "/slow/1 200",
      "/p/3 200",
      "/broken/1 500",
      "/hang timeout",
      "/nope 404",
    ]);
    assert.equal(out.sum, (2_000 * 1_999) / 2);
    await eventually(() =>
      server.aborted.filter((p) => p === "/hang").length === 2
    );
  } finally {
    await server.close();
  }
});

Deno.test("virtual clock: a cancel during the flush; shield lets it finish, then the task ends cancelled", async () => {
  const site = new Site({ ...SITE, pages: 5 });
  const events: string[] = [];
  await run(async () => {
    const loop = getRunningLoop();
    const sim = simulatedSite(site, () => loop.time());
    const flushing = new Event();
    const task = createTask(() =>
      crawl(
        `${ORIGIN}/`,
        baseOptions(sim.fetchPage, async () => {
          flushing.set();
          events.push(`flush start ${loop.time()}`);
          await sleep(100);
          events.push(`flush end ${loop.time()}`);
        }),
      )
    );
    await flushing.wait();
    await sleep(10);
    const start = loop.time();
    task.cancel();
    await assert.rejects(task, CancelledError);
    events.push(`task done +${loop.time() - start}`);
  }, { clock: new VirtualClock() });
  assert.equal(events.length, 3);
  assert.match(events[0]!, /^flush start \d+$/);
  const t0 = Number(events[0]!.split(" ")[2]);
  assert.deepEqual(events.slice(1), [`flush end ${t0 + 100}`, "task done +90"]);
});

Deno.test("http: per-fetch timeout aborts slow responses, retries, then reports 'timeout'", async () => {
  const site = new Site(SITE);
  // Far beyond the 60 ms timeout: on a loaded machine a 100 ms answer could
  // beat the client's abort to the server, which then saw no abort.
  site.delays.set("/slow/1", 30_000);
  const server = serveSite(site);
  try {
    const rep = await run(() =>
      crawl(`${server.origin}/`, {
        ...baseOptions(httpFetch, async () => {}),
        fetchTimeoutMs: 60,
        deadlineMs: 10_000,
      })
    );
    const slow = [...rep.pages].find(([u]) => pathOf(u) === "/slow/1")![1];
    assert.deepEqual(slow, {
      kind: "failed",
      attempts: MAX_ATTEMPTS,
      error: "timeout",
    });
    assert.equal(server.hits.get("/slow/1"), MAX_ATTEMPTS);
    await eventually(() =>
      server.aborted.filter((p) => p === "/slow/1").length === MAX_ATTEMPTS
    );
    assert.equal(rep.timedOut, false);
  } finally {
    await server.close();
  }
});

Deno.test("virtual clock: cancelled twice during the flush; the flush still completes", async () => {
  const site = new Site({ ...SITE, pages: 5 });
  const events: string[] = [];
  await run(async () => {
    const loop = getRunningLoop();
    const sim = simulatedSite(site, () => loop.time());
    const flushing = new Event();
    const task = createTask(() =>
      crawl(
        `${ORIGIN}/`,
        baseOptions(sim.fetchPage, async () => {
          flushing.set();
          await sleep(100);
          events.push("flush end");
        }),
      )
    );
    await flushing.wait();
    await sleep(10);
    task.cancel();
    await sleep(10);
    task.cancel(); // e.g. a second Ctrl-C, or an enclosing deadline
    await assert.rejects(task, CancelledError);
    events.push("task done");
  }, { clock: new VirtualClock() });
  assert.deepEqual(events, ["flush end", "task done"]);
});
