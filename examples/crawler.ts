/**
 * A small crawler that mixes aio with plain Deno code. It serves a site of
 * linked pages with `Deno.serve` on 127.0.0.1 (a random port), then:
 *
 * - crawls it: a `Queue` of URLs between the crawl and three consumer
 *   tasks in a `taskGroup()`, each `fetch()` under a `timeout()` (its
 *   `scope.signal` aborts the fetch) and a `Semaphore` of two;
 * - fetches a batch in a task group of its own, where one failing page
 *   cancels the others (their fetches are aborted);
 * - scores the pages in the Worker pool with `runInExecutor()`, one of them
 *   with too short a deadline: the job sees `checkCancelled()` throw and
 *   stops, and its Worker takes the next job;
 * - streams a subprocess's output line by line;
 * - shuts down when a stop `Event` is set, here from a `setTimeout`
 *   callback, as a signal handler or an HTTP request would.
 *
 * Run: `deno run --allow-net=127.0.0.1 --allow-read --allow-run=sh examples/crawler.ts`
 * (`--allow-read` lets the Workers load the job module.)
 *
 * @module
 */

import {
  CancelledError,
  Event,
  gather,
  Queue,
  run,
  runInExecutor,
  Semaphore,
  setDefaultExecutor,
  sleep,
  taskGroup,
  timeout,
  TimeoutError,
  WorkerPool,
} from "../mod.ts";
import { createSubprocessExec } from "../io/mod.ts";

const WORK = import.meta.resolve("./_crawl_work.ts");
const PAGES = 15;

/** Thrown for an HTTP status other than 2xx. */
class HttpError extends Error {
  override name = "HttpError";
}

/** Thrown by a task group's body to stop its children (asyncio's idiom). */
class Stop extends Error {
  override name = "Stop";
}

function startSite(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/broken") return new Response("no", { status: 500 });
      if (path === "/hang") {
        // Headers now, a body that never comes: the client must give up.
        return new Response(new ReadableStream({ cancel() {} }));
      }
      const n = Number(/^\/p\/(\d+)$/.exec(path)?.[1] ?? NaN);
      if (!(n >= 0 && n < PAGES)) return new Response("", { status: 404 });
      await new Promise((resolve) => setTimeout(resolve, 1 + n % 4));
      const links = [2 * n + 1, 2 * n + 2].filter((k) => k < PAGES)
        .map((k) => `<a href="/p/${k}">page ${k}</a>`);
      return new Response(`<h1>page ${n}</h1> ${links.join(" ")}`);
    },
  );
}

async function fetchText(
  permits: Semaphore,
  url: string,
  ms: number,
): Promise<string> {
  using _permit = await permits.lock();
  return await timeout(ms, async (scope) => {
    const response = await fetch(url, { signal: scope.signal });
    if (!response.ok) {
      await response.body?.cancel();
      throw new HttpError(`${response.status} for ${new URL(url).pathname}`);
    }
    return await response.text();
  });
}

async function crawl(
  base: string,
  permits: Semaphore,
): Promise<Map<string, string>> {
  const pages = new Map<string, string>();
  const seen = new Set<string>();
  const queue = new Queue<string>();
  const enqueue = (url: string) => {
    if (!seen.has(url)) {
      seen.add(url);
      queue.putNowait(url);
    }
  };
  enqueue(`${base}/p/0`);
  await taskGroup(async (tg) => {
    for (let i = 0; i < 3; i++) {
      tg.createTask(async () => {
        for await (const url of queue) {
          try {
            const html = await fetchText(permits, url, 2_000);
            pages.set(new URL(url).pathname, html);
            for (const [, href] of html.matchAll(/href="([^"]+)"/g)) {
              enqueue(new URL(href!, base).href);
            }
          } finally {
            queue.taskDone();
          }
        }
      }, { name: `consumer ${i}` });
    }
    await queue.join();
    queue.shutdown();
  });
  return pages;
}

async function batch(base: string, permits: Semaphore): Promise<string> {
  const cancelled: string[] = [];
  try {
    await taskGroup((tg) => {
      for (const path of ["/p/1", "/hang", "/broken"]) {
        tg.createTask(async () => {
          try {
            await fetchText(permits, base + path, 5_000);
          } catch (e) {
            if (e instanceof CancelledError) cancelled.push(path);
            throw e;
          }
        });
      }
    });
    return "batch: all fetched";
  } catch (e) {
    if (!(e instanceof AggregateError)) throw e;
    const errors = e.errors.map((x) => `${x.name}: ${x.message}`);
    return `batch failed (${errors.join("; ")}); cancelled: ${
      cancelled.includes("/hang") ? "/hang" : "none"
    }`;
  }
}

await run(async () => {
  const server = startSite();
  const base = `http://127.0.0.1:${server.addr.port}`;
  setDefaultExecutor(new WorkerPool({ size: 2 }));
  const stop = new Event();
  const permits = new Semaphore(2);
  try {
    const pages = await crawl(base, permits);
    console.log(`crawled ${pages.size} pages`);
    console.log(await batch(base, permits));

    // Score two pages in the pool; the third job has 20 ms for far more
    // work, stops at checkCancelled(), and its Worker is free again.
    const [a, b] = await gather(
      ["/p/0", "/p/1"].map((p) => () =>
        runInExecutor<string>(WORK, "score", pages.get(p), 2_000)
      ),
    );
    console.log(`scores: ${a} ${b}`);
    const t0 = performance.now();
    try {
      await timeout(
        20,
        () => runInExecutor(WORK, "score", pages.get("/p/0"), 1e9),
      );
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      console.log("scoring everything: timed out");
    }
    await gather([1, 2].map(() => () => runInExecutor(WORK, "score", "", 1)));
    const ms = performance.now() - t0;
    console.log(`both Workers free again: ${ms < 1_000 ? "yes" : "no"}`);

    // Stream a child's output as it comes.
    await using child = await createSubprocessExec(
      "sh",
      ["-c", "for i in 1 2 3; do echo step $i; sleep 0.01; done"],
      { stdout: "piped" },
    );
    for await (const line of child.stdout!) {
      console.log(`child: ${new TextDecoder().decode(line).trimEnd()}`);
    }
    console.log(`child exited with ${await child.wait()}`);

    // A stop request from outside any task: a timer stands for a signal
    // handler or a /quit request. The pollers run until it comes.
    setTimeout(() => stop.set(), 50);
    let polls = 0;
    await taskGroup(async (tg) => {
      for (let i = 0; i < 2; i++) {
        tg.createTask(async () => {
          for (;;) {
            await fetchText(permits, `${base}/p/${i}`, 1_000);
            polls++;
            await sleep(5);
          }
        });
      }
      await stop.wait();
      throw new Stop("stop requested");
    }).catch((e) => {
      if (!(e instanceof AggregateError && e.errors[0] instanceof Stop)) {
        throw e;
      }
    });
    console.log(`stopped after ${polls > 0 ? "some" : "no"} polls`);
  } finally {
    await server.shutdown();
  }
  console.log("done");
});
