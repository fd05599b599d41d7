import assert from "node:assert/strict";
import { createTask, run } from "../../mod.ts";
import { FatalResponse, loadgen, type LoadOptions } from "./loadgen.ts";

/** A test HTTP server whose behaviour per request id is a function. */
class Target {
  inFlight = 0;
  maxInFlight = 0;
  started: number[] = [];
  aborted: number[] = [];
  attempts = new Map<number, number>();
  #abortWaiters: { n: number; resolve: () => void }[] = [];
  readonly server: Deno.HttpServer<Deno.NetAddr>;

  constructor(
    behave: (
      id: number,
      attempt: number,
      signal: AbortSignal,
    ) => Promise<Response> | Response,
  ) {
    this.server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      async (req) => {
        const id = Number(new URL(req.url).searchParams.get("id"));
        const attempt = this.attempts.get(id) ?? 0;
        this.attempts.set(id, attempt + 1);
        this.started.push(id);
        this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight);
        let answered = false;
        // Deno's legacy behaviour aborts request.signal after a response
        // too: only aborts before the answer count.
        req.signal.addEventListener("abort", () => {
          if (answered) return;
          this.aborted.push(id);
          for (const w of this.#abortWaiters) {
            if (this.aborted.length >= w.n) w.resolve();
          }
        }, { once: true });
        try {
          return await behave(id, attempt, req.signal);
        } finally {
          answered = true;
          this.inFlight--;
        }
      },
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.server.addr.port}/`;
  }

  /** Resolves once the server saw `n` client aborts. */
  abortsReached(n: number): Promise<void> {
    if (this.aborted.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.#abortWaiters.push({ n, resolve }));
  }

  async close(): Promise<void> {
    await this.server.shutdown();
  }
}

/** Never answers; settles (with a 499) once the client went away. */
function hang(signal: AbortSignal): Promise<Response> {
  return new Promise((resolve) =>
    signal.addEventListener(
      "abort",
      () => resolve(new Response("gone", { status: 499 })),
      {
        once: true,
      },
    )
  );
}

const base: Omit<LoadOptions, "url"> = {
  requests: 100,
  concurrency: 8,
  requestTimeoutMs: 5_000,
  retries: 3,
  backoffMs: 1,
  deadlineMs: 30_000,
};

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

Deno.test("loadgen: every request once, concurrency bounded by the semaphore", async () => {
  const target = new Target((id) => new Response(`ok-${id}`));
  try {
    const stats = await run(() => loadgen({ ...base, url: target.url }));
    assert.equal(stats.outcome, "completed");
    assert.equal(stats.ok, 100);
    assert.deepEqual(stats.okIds, range(100));
    assert.equal(stats.retries, 0);
    assert.deepEqual(stats.statusCounts, { 200: 100 });
    assert.ok(target.maxInFlight <= 8, `max in flight ${target.maxInFlight}`);
    assert.equal(target.started.length, 100);
  } finally {
    await target.close();
  }
});

Deno.test("loadgen: 503s and timeouts are retried; timed-out fetches are aborted", async () => {
  // ids % 3 == 0: 503 twice, then OK. ids % 5 == 0: first attempt hangs.
  const target = new Target((id, attempt, signal) => {
    if (id % 5 === 0 && attempt === 0) return hang(signal);
    if (id % 3 === 0 && attempt < 2) {
      return new Response("busy", { status: 503 });
    }
    return new Response(`ok-${id}`);
  });
  try {
    const stats = await run(() =>
      loadgen({ ...base, url: target.url, requests: 30, requestTimeoutMs: 100 })
    );
    const hung = range(30).filter((i) => i % 5 === 0);
    const flaky = range(30).filter((i) => i % 3 === 0);
    assert.equal(stats.outcome, "completed");
    assert.deepEqual(stats.okIds, range(30));
    assert.equal(stats.timeouts, hung.length);
    // id 0, 15: hang once, then 503 on attempts 1 (attempt counter is per id).
    const expectedRetries = range(30).reduce((sum, id) => {
      let n = 0;
      for (let a = 0;; a++) {
        if (id % 5 === 0 && a === 0) n++;
        else if (id % 3 === 0 && a < 2) n++;
        else return sum + n;
      }
    }, 0);
    assert.equal(stats.retries, expectedRetries);
    assert.ok(stats.statusCounts[503]! >= flaky.length);
    await waitForNative(target.abortsReached(hung.length));
    assert.deepEqual([...target.aborted].sort((a, b) => a - b), hung);
  } finally {
    await target.close();
  }
});

Deno.test("loadgen: gives up after the retries", async () => {
  const target = new Target((id) =>
    id === 4 ? new Response("down", { status: 502 }) : new Response("ok")
  );
  try {
    const stats = await run(() =>
      loadgen({ ...base, url: target.url, requests: 10, retries: 2 })
    );
    assert.equal(stats.outcome, "completed");
    assert.deepEqual(stats.gaveUpIds, [4]);
    assert.equal(stats.ok, 9);
    assert.equal(stats.retries, 2);
    assert.equal(target.attempts.get(4), 3);
  } finally {
    await target.close();
  }
});

Deno.test("loadgen: a fatal 400 cancels everything in flight, nothing new starts", async () => {
  let release!: () => void;
  const othersStarted = new Promise<void>((r) => release = r);
  const target = new Target(async (id, _attempt, signal) => {
    if (target.inFlight === 8) release();
    if (id === 7) {
      await othersStarted; // fail only once the others are all in flight
      return new Response("bad request", { status: 400 });
    }
    return await hang(signal);
  });
  try {
    const stats = await run(() =>
      loadgen({ ...base, url: target.url, requests: 50, concurrency: 8 })
    );
    assert.equal(stats.outcome, "fatal");
    assert.ok(stats.fatal instanceof FatalResponse);
    assert.equal(stats.fatal.id, 7);
    assert.equal(stats.ok, 0);
    // Only the first 8 ever started; the 7 hanging ones were aborted.
    assert.deepEqual([...target.started].sort((a, b) => a - b), range(8));
    await waitForNative(target.abortsReached(7));
    assert.deepEqual([...target.aborted].sort((a, b) => a - b), [
      0,
      1,
      2,
      3,
      4,
      5,
      6,
    ]);
  } finally {
    await target.close();
  }
});

Deno.test("loadgen: the overall deadline stops everything and keeps the stats", async () => {
  const target = new Target((id, _a, signal) =>
    id < 5 ? new Response("ok") : hang(signal)
  );
  try {
    const stats = await run(() =>
      loadgen({
        ...base,
        url: target.url,
        requests: 20,
        concurrency: 5,
        deadlineMs: 300,
      })
    );
    assert.equal(stats.outcome, "deadline");
    assert.deepEqual(stats.okIds, [0, 1, 2, 3, 4]);
    assert.deepEqual([...target.started].sort((a, b) => a - b), range(10));
    await waitForNative(target.abortsReached(5));
    assert.deepEqual([...target.aborted].sort((a, b) => a - b), [
      5,
      6,
      7,
      8,
      9,
    ]);
  } finally {
    await target.close();
  }
});

Deno.test("loadgen: cancelling the caller aborts the fetches", async () => {
  const target = new Target((_id, _a, signal) => hang(signal));
  try {
    await run(async () => {
      const t = createTask(() =>
        loadgen({ ...base, url: target.url, requests: 4 })
      );
      await waitForNative(
        new Promise<void>((resolve) => {
          const check = () =>
            target.inFlight === 4 ? resolve() : setTimeout(check, 1);
          check();
        }),
      );
      t.cancel();
      await assert.rejects(t, (e: Error) => e.name === "CancelledError");
    });
    await waitForNative(target.abortsReached(4));
  } finally {
    await target.close();
  }
});

/** A bounded wait on a host promise, outside or inside a loop. */
async function waitForNative<T>(p: Promise<T>, ms = 5_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
