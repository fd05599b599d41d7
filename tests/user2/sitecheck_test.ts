// deno test --allow-net=127.0.0.1 --allow-read tests/user2/sitecheck_test.ts
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  gather,
  run,
  sleep,
} from "@aio/asyncio/task";
import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import { runInExecutor } from "@aio/asyncio/executor";
import {
  type CheckOptions,
  checkSite,
  type PageSpec,
  RateLimiter,
  Site,
} from "./sitecheck.ts";

// Page and asset deadlines are real time (the crawl does real HTTP, and a
// `VirtualClock` would jump past them while a fetch is in flight), so they
// are far longer than a local page takes even on a loaded machine: only the
// pages and assets that hang may reach them. Tests without hung pages use
// `noDeadline`.
const opts: CheckOptions = {
  concurrency: 4,
  rate: { burst: 20, perMs: 50 },
  pageTimeoutMs: 2_000,
  assetTimeoutMs: 2_000,
  maxPages: 1000,
};
const noDeadline = { pageTimeoutMs: 60_000, assetTimeoutMs: 60_000 };

/**
 * Starts the loop's Workers and has each load the link extractor, as a
 * crawl would on its first pages, so that this start-up (slow on a loaded
 * machine) is not inside a page's deadline.
 */
async function warmUpExecutor(): Promise<void> {
  const worker = import.meta.resolve("./sitecheck_worker.ts");
  await gather(
    ...Array.from(
      { length: opts.concurrency },
      () => () =>
        runInExecutor(worker, "extractLinks", "", "http://127.0.0.1/"),
    ),
  );
}

/** A site of 30 pages; page i links to 2i+1, 2i+2 (a tree) and back to /p0. */
function treeSite(): Record<string, PageSpec> {
  const spec: Record<string, PageSpec> = {};
  for (let i = 0; i < 30; i++) {
    const links = [2 * i + 1, 2 * i + 2].filter((j) => j < 30).map((j) =>
      `/p${j}`
    );
    links.push("/p0#top");
    if (i === 4) links.push("/gone"); // 404
    spec[`/p${i}`] = {
      kind: "html",
      links,
      assets: i % 10 === 0 ? ["/static/logo.png", "/static/missing.png"] : [],
      delayMs: i % 3 === 0 ? 20 : 0,
    };
  }
  spec["/p9"] = { kind: "hang" };
  spec["/p13"] = { kind: "poison" };
  spec["/p5"] = { kind: "redirect", to: "/p29" }; // p29 is also linked from p14
  spec["/p18"] = { kind: "html", links: ["/p0"], assets: ["/static/hang.png"] };
  spec["/unreachable"] = { kind: "html", links: [] };
  return spec;
}

/** Waits until `cond()` holds, for at most 20 s of real time. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const end = performance.now() + 20_000;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`never happened: ${what}`);
    await sleep(5);
  }
}

Deno.test("crawls every reachable page once, finds the broken links and checks the assets", async () => {
  await run(async () => {
    await using site = new Site(treeSite());
    const o = site.origin;
    await warmUpExecutor();
    const report = await checkSite(`${o}/p0`, {
      ...opts,
      signal: AbortSignal.timeout(60_000),
    });
    assert.equal(report.aborted, false);

    const status = Object.fromEntries(
      [...report.pages].map(([url, r]) => [url.slice(o.length), r.status]),
    );
    // p5 redirects to p29, so its children (p11, p12) are not reached; p9
    // hangs, p13 cannot be parsed, p18 links only back to p0.
    const expected: Record<string, unknown> = {};
    const walk = (i: number) => {
      if (i >= 30 || `/p${i}` in expected) return;
      expected[`/p${i}`] = 200;
      if (i === 9) return void (expected["/p9"] = "timeout");
      if (i === 5) {
        expected["/p5"] = 302;
        return walk(29);
      }
      if (i === 13) return void (expected["/p13"] = "error");
      if (i === 18) return;
      walk(2 * i + 1);
      walk(2 * i + 2);
    };
    walk(0);
    expected["/gone"] = 404;
    assert.deepEqual(status, expected);
    assert.equal(report.pages.get(`${o}/p13`)!.detail, "SyntaxError");

    // Every page fetched exactly once, the unreachable one never.
    for (const path of Object.keys(expected)) {
      assert.equal(site.hits.get(path), 1, path);
    }
    assert.equal(site.hits.get("/unreachable"), undefined);

    assert.deepEqual(
      report.broken.map(([f, t]) => [f.slice(o.length), t.slice(o.length)]),
      [["/p4", "/gone"], ["/p4", "/p9"], ["/p6", "/p13"]],
    );

    assert.deepEqual(
      Object.fromEntries(
        [...report.assets].map(([u, s]) => [u.slice(o.length), s]),
      ),
      {
        "/static/logo.png": 200,
        "/static/missing.png": 404,
        "/static/hang.png": "timeout",
      },
    );
    // The hung page and the hung asset saw their client go at the deadline.
    await until(() => site.abandoned.length === 2, "hung requests abandoned");
    assert.deepEqual(site.abandoned.toSorted(), ["/p9", "/static/hang.png"]);
    assert.ok(
      site.maxActive <= opts.concurrency + 3,
      `maxActive ${site.maxActive}`,
    );
  });
});

Deno.test("the semaphore bounds the requests in flight", async () => {
  await run(async () => {
    // The links of /p0 are answered only once three of them are in the
    // server at once (so the crawl does run them concurrently), then each
    // after 20 ms.
    const full = Promise.withResolvers<void>();
    const spec: Record<string, PageSpec> = {};
    for (let i = 0; i < 20; i++) {
      spec[`/p${i}`] = {
        kind: "html",
        links: i === 0
          ? Array.from({ length: 19 }, (_, j) => `/p${j + 1}`)
          : [],
        delayMs: 20,
        gate: i === 0 ? undefined : full.promise,
      };
    }
    await using site = new Site(spec);
    const crawl = createTask(() =>
      checkSite(`${site.origin}/p0`, {
        ...opts,
        ...noDeadline,
        concurrency: 3,
      })
    );
    try {
      await until(() => site.active === 3, "three requests in flight");
    } finally {
      full.resolve();
    }
    const report = await crawl;
    assert.equal(report.pages.size, 20);
    assert.ok([...report.pages.values()].every((p) => p.status === 200));
    assert.equal(site.maxActive, 3);
  });
});

Deno.test("the caller's AbortSignal ends the crawl: pages in flight are cancelled and reported aborted", async () => {
  await run(async () => {
    const spec: Record<string, PageSpec> = {
      // The hung pages are found only once /fast is done.
      "/": { kind: "html", links: ["/fast"] },
      "/fast": { kind: "html", links: ["/h1", "/h2", "/h3"] },
      "/h1": { kind: "hang" },
      "/h2": { kind: "hang" },
      "/h3": { kind: "hang" },
    };
    await using site = new Site(spec);
    const stop = new AbortController();
    const crawl = createTask(() =>
      checkSite(`${site.origin}/`, {
        ...opts,
        ...noDeadline,
        signal: stop.signal,
      })
    );
    await until(() => site.active === 3, "three hung requests");
    stop.abort(new Error("enough"));
    const report = await crawl;
    assert.equal(report.aborted, true);
    const s = Object.fromEntries(
      [...report.pages].map((
        [u, r],
      ) => [u.slice(site.origin.length), r.status]),
    );
    assert.deepEqual(s, {
      "/": 200,
      "/fast": 200,
      "/h1": "aborted",
      "/h2": "aborted",
      "/h3": "aborted",
    });
    assert.equal(report.assets.size, 0);
    await until(() => site.abandoned.length === 3, "server saw the clients go");
  });
});

Deno.test("cancelling the crawl's task cancels its fetches", async () => {
  await run(async () => {
    await using site = new Site({
      "/": { kind: "html", links: ["/h1", "/h2"] },
      "/h1": { kind: "hang" },
      "/h2": { kind: "hang" },
    });
    const crawl = createTask(() =>
      checkSite(`${site.origin}/`, { ...opts, ...noDeadline })
    );
    await until(() => site.active === 2, "two hung requests");
    crawl.cancel();
    await assert.rejects(crawl, CancelledError);
    await until(() => site.abandoned.length === 2, "server saw the clients go");
  });
});

Deno.test("maxPages: pages past the cap are reported skipped, not fetched", async () => {
  await run(async () => {
    await using site = new Site(treeSite());
    const report = await checkSite(`${site.origin}/p0`, {
      ...opts,
      ...noDeadline,
      maxPages: 3,
    });
    const statuses = [...report.pages.values()].map((p) => p.status);
    assert.equal(statuses.filter((s) => s !== "skipped").length, 3);
    assert.ok(statuses.includes("skipped"));
    const fetched = [...site.hits.keys()].filter((p) =>
      !p.startsWith("/static/")
    );
    assert.equal(fetched.length, 3);
  });
});

Deno.test("RateLimiter: at most `burst` takes per window, on virtual time", async () => {
  const times = await run(async () => {
    const limiter = new RateLimiter(3, 100);
    const loop = getRunningLoop();
    const times: number[] = [];
    await gather(
      ...Array.from({ length: 8 }, () => async () => {
        await limiter.take();
        times.push(loop.time());
      }),
    );
    return times;
  }, { clock: new VirtualClock() });
  assert.deepEqual(times, [0, 0, 0, 100, 100, 100, 200, 200]);
});
