/**
 * User port 13: a small crawler/aggregator mixing aio with native Deno code.
 *
 * A loopback Deno.serve site; fetch() under aio timeouts and a Semaphore;
 * Queue between a producer and consumers in a TaskGroup; batches in their own
 * task group that fail fast; a stop Event set from a native setTimeout; a
 * CPU-bound job in the Worker pool that stops at its caller's deadline; a
 * subprocess whose output is streamed.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  CancelledError,
  run,
  sleep,
  taskGroup,
  timeout,
  TimeoutError,
  waitFor,
} from "@aio/asyncio/task";
import { Event, Queue, Semaphore } from "@aio/asyncio/sync";
import {
  LoopChannel,
  runInExecutor,
  setDefaultExecutor,
  WorkerPool,
} from "@aio/asyncio/executor";
import { getRunningLoop } from "@aio/asyncio/loop";
import { createSubprocessExec } from "@aio/asyncio/io";

const WORK = import.meta.resolve("./_work.ts");
const PAGES = 12;

/** Starts the site: /p/N links to /p/2N+1 and /p/2N+2; /slow hangs; /fail 500s. */
function startSite() {
  const hits = { slowAborted: 0, served: 0 };
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      const url = new URL(req.url);
      if (url.pathname === "/slow") {
        // Headers now, a body that never comes; cancelled when the client
        // goes away. (Not req.signal: Deno 2.9 warns about its legacy abort.)
        return new Response(
          new ReadableStream({
            cancel() {
              hits.slowAborted++;
            },
          }),
        );
      }
      if (url.pathname === "/fail") {
        return new Response("nope", { status: 500 });
      }
      const m = /^\/p\/(\d+)$/.exec(url.pathname);
      if (!m) return new Response("missing", { status: 404 });
      const n = Number(m[1]);
      // a bit of native latency
      await new Promise((r) => setTimeout(r, 2 + (n % 3)));
      hits.served++;
      const links = [2 * n + 1, 2 * n + 2].filter((k) => k < PAGES)
        .map((k) => `<a href="/p/${k}">p${k}</a>`).join(" ");
      return new Response(`page ${n} words here ${links}`, {
        headers: { "content-type": "text/html" },
      });
    },
  );
  const base = `http://127.0.0.1:${server.addr.port}`;
  return { server, base, hits };
}

class HttpError extends Error {
  override name = "HttpError";
  constructor(readonly status: number, readonly url: string) {
    super(`HTTP ${status} for ${url}`);
  }
}

/** fetch under a Semaphore and a timeout; returns the body text. */
async function fetchText(
  sem: Semaphore,
  url: string,
  ms: number,
): Promise<string> {
  using _permit = await sem.lock();
  return await timeout(ms, async (scope) => {
    const res = await fetch(url, { signal: scope.signal });
    if (!res.ok) {
      await res.body?.cancel();
      throw new HttpError(res.status, url);
    }
    return await res.text();
  });
}

function links(html: string, base: string): string[] {
  return [...html.matchAll(/href="([^"]+)"/g)].map((m) =>
    new URL(m[1]!, base).href
  );
}

Deno.test("crawler: queue + consumers + semaphore crawl the whole site", async () => {
  const { server, base, hits } = startSite();
  try {
    const result = await run(async () => {
      const sem = new Semaphore(2);
      const queue = new Queue<string>();
      const seen = new Set<string>();
      const words = new Map<string, number>();
      let inFlight = 0;
      let peak = 0;
      const enqueue = (u: string) => {
        if (seen.has(u)) return;
        seen.add(u);
        queue.putNowait(u);
      };
      enqueue(`${base}/p/0`);
      await taskGroup(async (tg) => {
        for (let i = 0; i < 3; i++) {
          tg.createTask(async () => {
            for await (const url of queue) {
              try {
                inFlight++;
                peak = Math.max(peak, inFlight);
                const html = await fetchText(sem, url, 2_000);
                inFlight--;
                words.set(url, html.split(/\s+/).length);
                for (const l of links(html, base)) enqueue(l);
              } finally {
                queue.taskDone();
              }
            }
          }, { name: `consumer-${i}` });
        }
        await queue.join();
        queue.shutdown();
      });
      return { pages: words.size, peak };
    });
    assert.equal(result.pages, PAGES);
    assert.equal(hits.served, PAGES);
  } finally {
    await server.shutdown();
  }
});

Deno.test("crawler: a failing batch cancels its siblings, native fetch included", async () => {
  const { server, base, hits } = startSite();
  try {
    const out = await run(async () => {
      const sem = new Semaphore(4);
      const cancelled: string[] = [];
      const err = await taskGroup(async (tg) => {
        for (const path of ["/p/1", "/slow", "/fail", "/p/2"]) {
          tg.createTask(async () => {
            try {
              return await fetchText(sem, base + path, 5_000);
            } catch (e) {
              if (e instanceof CancelledError) cancelled.push(path);
              throw e;
            }
          });
        }
      }).catch((e) => e);
      return { err, cancelled };
    });
    assert.ok(out.err instanceof AggregateError, String(out.err));
    assert.equal(out.err.errors.length, 1);
    assert.ok(out.err.errors[0] instanceof HttpError);
    // /slow always is; /p/1 and /p/2 are when /fail answers first
    assert.ok(out.cancelled.includes("/slow"), String(out.cancelled));
    // the server saw the client give up the slow request
    for (let i = 0; i < 50 && hits.slowAborted === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(hits.slowAborted, 1);
  } finally {
    await server.shutdown();
  }
});

Deno.test("crawler: per-fetch timeout gives TimeoutError and aborts the fetch", async () => {
  const { server, base, hits } = startSite();
  try {
    const [a, b] = await run(() =>
      Promise.allSettled([
        fetchText(new Semaphore(1), `${base}/slow`, 50),
        fetchText(new Semaphore(1), `${base}/p/3`, 2_000),
      ])
    );
    assert.equal(a.status, "rejected");
    assert.ok(
      (a as PromiseRejectedResult).reason instanceof TimeoutError,
      String((a as PromiseRejectedResult).reason),
    );
    assert.equal(b.status, "fulfilled");
    for (let i = 0; i < 50 && hits.slowAborted === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(hits.slowAborted, 1);
  } finally {
    await server.shutdown();
  }
});

Deno.test("crawler: a stop event set from a native setTimeout shuts down cleanly", async () => {
  const { server, base } = startSite();
  try {
    const out = await run(async () => {
      const stop = new Event();
      const queue = new Queue<string>(2);
      const sem = new Semaphore(2);
      const done: string[] = [];
      const cleanups: string[] = [];
      // a signal-like event from outside any aio wait
      const timer = setTimeout(() => stop.set(), 80);
      try {
        await taskGroup(async (tg) => {
          tg.createTask(async () => {
            // producer: endless, slow-ish
            for (let n = 0;; n++) {
              await queue.put(`${base}/p/${n % PAGES}`);
              await sleep(5);
            }
          }, { name: "producer" });
          for (let i = 0; i < 2; i++) {
            tg.createTask(async () => {
              try {
                while (true) {
                  const url = await queue.get();
                  done.push(await fetchText(sem, url, 1_000));
                }
              } finally {
                cleanups.push(`consumer-${i}`);
              }
            });
          }
          await stop.wait();
          // Cancel everybody: the group's own children.
          throw new Error("stop requested");
        });
      } catch (e) {
        if (
          !(e instanceof AggregateError &&
            (e.errors[0] as Error).message === "stop requested")
        ) throw e;
      } finally {
        clearTimeout(timer);
      }
      return { done: done.length, cleanups: cleanups.sort() };
    });
    assert.ok(out.done > 0);
    assert.deepEqual(out.cleanups, ["consumer-0", "consumer-1"]);
  } finally {
    await server.shutdown();
  }
});

Deno.test("crawler: CPU job in the executor stops at its caller's deadline", async () => {
  const progress = new SharedArrayBuffer(4);
  const seen = new Int32Array(progress);
  const t0 = performance.now();
  const out = await run(async () => {
    setDefaultExecutor(new WorkerPool({ size: 1 }));
    // warm up the Worker
    assert.equal(await runInExecutor<number>(WORK, "countPrimes", 100), 25);
    const err = await timeout(
      100,
      () => runInExecutor<number>(WORK, "countPrimes", 1e9, progress),
    ).catch((e) => e);
    const at = Atomics.load(seen, 0);
    // the next job on the same single Worker runs promptly only if the
    // first one stopped
    const start = performance.now();
    const next = await runInExecutor<number>(WORK, "countPrimes", 100);
    return { err, at, next, nextMs: performance.now() - start };
  });
  assert.ok(out.err instanceof TimeoutError, String(out.err));
  assert.equal(out.next, 25);
  assert.ok(out.nextMs < 2_000, `next job waited ${out.nextMs} ms`);
  assert.ok(performance.now() - t0 < 10_000);
  const after = Atomics.load(seen, 0);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(Atomics.load(seen, 0), after, "job kept running");
});

Deno.test("crawler: a fetch in an executor job stops at its caller's deadline (jobSignal)", async () => {
  const { server, base, hits } = startSite();
  try {
    const err = await run(async () => {
      setDefaultExecutor(new WorkerPool({ size: 1 }));
      await runInExecutor(WORK, "quick"); // the job must really start
      return await waitFor(
        runInExecutor<number>(WORK, "fetchWords", `${base}/slow`),
        100,
      ).catch((e) => e);
    });
    assert.ok(err instanceof TimeoutError, String(err));
    for (let i = 0; i < 100 && hits.slowAborted === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(hits.slowAborted, 1);
  } finally {
    await server.shutdown();
  }
});

Deno.test("crawler: stream a subprocess's output line by line", async () => {
  const lines = await run(async () => {
    await using proc = await createSubprocessExec(
      "sh",
      ["-c", "for i in 1 2 3; do echo line $i; sleep 0.02; done; echo err >&2"],
      { stdout: "piped", stderr: "piped" },
    );
    const out: string[] = [];
    const dec = new TextDecoder();
    await timeout(5_000, async () => {
      for await (const line of proc.stdout!) out.push(dec.decode(line).trim());
    });
    const err = dec.decode(await proc.stderr!.read());
    const code = await proc.wait();
    return { out, err, code };
  });
  assert.deepEqual(lines.out, ["line 1", "line 2", "line 3"]);
  assert.equal(lines.err, "err\n");
  assert.equal(lines.code, 0);
});

Deno.test("crawler: a subprocess stuck past its timeout is killed by await using", async () => {
  const out = await run(async () => {
    const t0 = performance.now();
    let err: unknown;
    try {
      await using proc = await createSubprocessExec("sleep", ["30"], {
        stdout: "piped",
      });
      await timeout(50, () => proc.stdout!.read());
    } catch (e) {
      err = e;
    }
    return { err, ms: performance.now() - t0 };
  });
  assert.ok(out.err instanceof TimeoutError, String(out.err));
  assert.ok(out.ms < 2_000, `${out.ms}`);
});

Deno.test("crawler: a CPU job reports progress over a LoopChannel and stops at the deadline", async () => {
  const out = await run(async () => {
    setDefaultExecutor(new WorkerPool({ size: 1 }));
    await runInExecutor(WORK, "quick");
    const seen: number[] = [];
    using channel = new LoopChannel(getRunningLoop(), {
      progress: (n: number) => seen.push(n),
    });
    const small = await (async () => {
      using ch2 = new LoopChannel(getRunningLoop(), { progress: () => {} });
      return await runInExecutor<number>(
        WORK,
        "primesWithProgress",
        ch2.port,
        200_000,
      );
    })();
    const e = await timeout(
      150,
      () => runInExecutor(WORK, "primesWithProgress", channel.port, 1e9),
    ).catch((e) => e);
    const n = seen.length;
    await sleep(100);
    return { small, e, n, after: seen.length };
  });
  assert.equal(out.small, 17984);
  assert.equal((out.e as Error).name, "TimeoutError");
  assert.ok(out.n > 0);
  assert.ok(out.after - out.n <= 1);
});
