import assert from "node:assert/strict";
import { type Clock, run, VirtualClock } from "../../mod.ts";
import { Gateway, type GatewayOptions } from "./gateway.ts";

type Behavior = (req: Request, up: Upstream) => Promise<Response> | Response;

/** A scripted upstream that counts what it saw. */
class Upstream {
  hits = 0;
  active = 0;
  peak = 0;
  aborted = 0;
  readonly paths: string[] = [];
  #abortWaiters: Array<{ n: number; resolve: () => void }> = [];
  #activeWaiters: Array<{ n: number; resolve: () => void }> = [];
  readonly server: Deno.HttpServer<Deno.NetAddr>;

  constructor(public behavior: Behavior) {
    this.server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (req) => {
        this.hits++;
        this.paths.push(new URL(req.url).pathname);
        this.peak = Math.max(this.peak, ++this.active);
        this.#notify(this.#activeWaiters, this.active);
        try {
          return await this.behavior(req, this);
        } finally {
          this.active--;
        }
      },
    );
  }

  get url(): string {
    return `http://127.0.0.1:${this.server.addr.port}`;
  }

  #notify(list: Array<{ n: number; resolve: () => void }>, value: number) {
    for (const w of [...list]) {
      if (value >= w.n) {
        list.splice(list.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  /** Resolves once `n` requests were aborted by the client. */
  abortedAtLeast(n: number): Promise<void> {
    if (this.aborted >= n) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#abortWaiters.push({ n, resolve });
    return promise;
  }

  /** Resolves once `n` requests are in the handler at the same time. */
  activeAtLeast(n: number): Promise<void> {
    if (this.active >= n) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#activeWaiters.push({ n, resolve });
    return promise;
  }

  /** A behavior: wait until the client gives up. */
  async hang(req: Request): Promise<Response> {
    await new Promise<void>((resolve) => {
      if (req.signal.aborted) resolve();
      req.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    this.aborted++;
    this.#notify(this.#abortWaiters, this.aborted);
    return new Response("too late", { status: 599 });
  }
}

const ok = (name: string): Behavior => (req) =>
  new Response(`${name}:${new URL(req.url).pathname}`);
const hang: Behavior = (req, up) => up.hang(req);

async function get(
  url: string,
): Promise<{ status: number; backend: string | null; body: string }> {
  const res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  return {
    status: res.status,
    backend: res.headers.get("x-backend"),
    body: await res.text(),
  };
}

/**
 * Waits for `promise`, failing after `ms` of real time: a bound on waits
 * for real I/O that does not depend on the loop's clock (which a
 * {@linkcode ManualClock} holds still).
 */
async function within<T>(promise: Promise<T>, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`not settled within ${ms} ms`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits `ms` of real time. */
function realSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `cond` until it holds, failing after `ms` of real time. */
async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error(`not true within ${ms} ms`);
    await realSleep(5);
  }
}

/**
 * The gateway's clock for tests whose timers must fire at a chosen point
 * between real I/O: a `VirtualClock` without `advanceTo`, so an idle loop
 * does not jump it (the autojump would fire a hedge or a deadline while a
 * `fetch` is in flight). Time moves only when the test calls `advance()`;
 * until then no hedge, deadline, queue timeout or cooldown fires, however
 * slow the machine.
 */
class ManualClock implements Clock {
  readonly #time = new VirtualClock();
  now(): number {
    return this.#time.now();
  }
  advance(ms: number): void {
    this.#time.advance(ms);
  }
}

/** Runs `body` with a gateway over upstreams made from `behaviors`. */
async function withGateway(
  behaviors: Behavior[],
  options: Omit<GatewayOptions, "backends">,
  body: (gw: Gateway, ups: Upstream[]) => Promise<void>,
  clock?: Clock,
): Promise<void> {
  const ups = behaviors.map((b) => new Upstream(b));
  try {
    await run(async () => {
      const gw = new Gateway({ backends: ups.map((u) => u.url), ...options })
        .listen();
      try {
        await body(gw, ups);
      } finally {
        await gw.shutdown();
      }
    }, { clock });
  } finally {
    await Promise.all(ups.map((u) => u.server.shutdown()));
  }
}

// Most tests run the gateway on a ManualClock: its timers (hedge delay,
// request deadline, queue timeout, breaker cooldown, drain) fire only where
// the test advances time, so how fast the machine answers real HTTP cannot
// reorder them. Only the test of the queue timeout runs on real time: there
// the holder keeps its permit until the late request was answered, so no
// outcome depends on how long anything takes.

Deno.test("gateway: healthy backends are used round robin, one upstream call each", async () => {
  await withGateway(
    [ok("a"), ok("b"), ok("c")],
    { hedgeAfterMs: 5_000 },
    async (gw, ups) => {
      const answers = [];
      for (const p of ["/1", "/2", "/3", "/4"]) {
        answers.push(
          await get(gw.url + p),
        );
      }
      assert.deepEqual(answers.map((a) => a.body), [
        "a:/1",
        "b:/2",
        "c:/3",
        "a:/4",
      ]);
      assert.deepEqual(ups.map((u) => u.hits), [2, 1, 1]);
      assert.equal(gw.stats.served, 4);
      assert.equal(gw.stats.hedged, 0);
      assert.equal(gw.limit.value, 16, "every permit came back");
    },
    new ManualClock(), // no hedge, no deadline
  );
});

Deno.test("gateway: a silent backend is hedged, the winner answers, the loser's fetch is aborted", async () => {
  const clock = new ManualClock();
  await withGateway(
    [hang, ok("b"), ok("c")],
    { hedgeAfterMs: 20 },
    async (gw, ups) => {
      const pending = get(gw.url + "/x");
      await within(ups[0]!.activeAtLeast(1));
      // a is silent for the hedge delay: b is asked too. Time stands still
      // from here on, so no second hedge can reach c before b's answer.
      clock.advance(20);
      const answer = await pending;
      assert.equal(answer.status, 200);
      assert.equal(answer.body, "b:/x");
      await within(ups[0]!.abortedAtLeast(1));
      assert.deepEqual(ups.map((u) => u.hits), [1, 1, 0]);
      assert.equal(gw.stats.hedged, 1);
      assert.equal(gw.stats.abandoned, 1);
      // A hedge loser is not a failure of its backend.
      assert.deepEqual(gw.breakers.map((b) => b.state), [
        "closed",
        "closed",
        "closed",
      ]);
    },
    clock,
  );
});

Deno.test("gateway: a failing backend trips its breaker, is skipped, half-opens after the cooldown, and a good probe closes it", async () => {
  let healthy = false;
  const flaky: Behavior = (req) =>
    healthy
      ? ok("a")(req, undefined as never)
      : new Response("boom", { status: 500 });
  const clock = new ManualClock();
  await withGateway(
    [flaky, ok("b")],
    { hedgeAfterMs: 5_000, breaker: { failureThreshold: 2, cooldownMs: 100 } },
    async (gw, ups) => {
      const breaker = gw.breakers[0]!;
      // Requests start on a, b, a, b, ...: a fails fast, b takes over.
      for (let i = 0; i < 4; i++) {
        const r = await get(`${gw.url}/r${i}`);
        assert.equal(r.status, 200);
        assert.equal(r.body, `b:/r${i}`);
      }
      assert.equal(ups[0]!.hits, 2);
      assert.equal(breaker.state, "open");
      // Open: a is not even asked (the cooldown has not passed: time has
      // not moved).
      const skipped = await get(`${gw.url}/r4`);
      assert.equal(skipped.body, "b:/r4");
      assert.equal(ups[0]!.hits, 2);
      assert.deepEqual(breaker.transitions, ["open"]);
      // The cooldown timer moves it to half-open.
      clock.advance(99);
      await realSleep(20);
      assert.equal(breaker.state, "open", "not before the cooldown");
      clock.advance(1);
      while ((breaker.state as string) !== "half-open") {
        breaker.changed.clear();
        await within(breaker.changed.wait());
      }
      healthy = true;
      const answers = [await get(`${gw.url}/r5`), await get(`${gw.url}/r6`)];
      assert.deepEqual(answers.map((a) => a.body).sort(), ["a:/r6", "b:/r5"]);
      assert.equal(breaker.state, "closed");
      assert.deepEqual(breaker.transitions, ["open", "half-open", "closed"]);
    },
    clock,
  );
});

Deno.test("gateway: at most maxConcurrent requests reach the upstreams; the rest queue, none is lost", async () => {
  const gate = Promise.withResolvers<void>();
  const gated: Behavior = async (req) => {
    await gate.promise;
    return ok("a")(req, undefined as never);
  };
  await withGateway([gated], {
    maxConcurrent: 2,
    queueMs: 10_000,
    hedgeAfterMs: 10_000,
  }, async (gw, ups) => {
    const pending = ["/1", "/2", "/3", "/4", "/5"].map((p) => get(gw.url + p));
    await within(ups[0]!.activeAtLeast(2));
    // The three others reached the gateway and queue for a permit.
    await until(() => gw.inflight.size === 5);
    assert.equal(gw.limit.value, 0);
    assert.equal(gw.inflight.size, 5);
    gate.resolve();
    const answers = await Promise.all(pending);
    assert.deepEqual(answers.map((a) => a.body).sort(), [
      "a:/1",
      "a:/2",
      "a:/3",
      "a:/4",
      "a:/5",
    ]);
    assert.equal(ups[0]!.peak, 2);
    assert.equal(ups[0]!.hits, 5);
    assert.equal(gw.limit.value, 2);
  }, new ManualClock()); // no queue timeout, no deadline
});

Deno.test("gateway: a request that waits too long for a permit gets 503, the holder is unaffected", async () => {
  const gate = Promise.withResolvers<void>();
  const gated: Behavior = async (req) => {
    await gate.promise;
    return ok("a")(req, undefined as never);
  };
  // Real time: the holder keeps the permit until the late request got its
  // 503, however long that takes; the holder's deadline is far off.
  await withGateway([gated], {
    maxConcurrent: 1,
    queueMs: 30,
    hedgeAfterMs: 60_000,
    requestTimeoutMs: 60_000,
  }, async (gw, ups) => {
    const first = get(gw.url + "/holder");
    await within(ups[0]!.activeAtLeast(1));
    const second = await get(gw.url + "/late");
    assert.equal(second.status, 503);
    gate.resolve();
    assert.equal((await first).body, "a:/holder");
    assert.equal(gw.stats.rejected, 1);
    assert.equal(ups[0]!.hits, 1);
  });
});

Deno.test("gateway: the deadline reaches every upstream fetch; the client gets 504", async () => {
  const clock = new ManualClock();
  await withGateway([hang, hang, hang], {
    hedgeAfterMs: 10,
    requestTimeoutMs: 150,
  }, async (gw, ups) => {
    const pending = get(gw.url + "/slow");
    // Each hedge delay passes once the previous backend has the request.
    await within(ups[0]!.activeAtLeast(1));
    clock.advance(10);
    await within(ups[1]!.activeAtLeast(1));
    clock.advance(10);
    await within(ups[2]!.activeAtLeast(1));
    assert.equal(gw.stats.hedged, 2);
    clock.advance(129);
    await realSleep(20);
    assert.equal(gw.stats.timedOut, 0, "not before the deadline");
    clock.advance(1);
    const answer = await pending;
    assert.equal(answer.status, 504);
    await within(Promise.all(ups.map((u) => u.abortedAtLeast(1))));
    assert.deepEqual(ups.map((u) => u.hits), [1, 1, 1]);
    assert.equal(gw.stats.timedOut, 1);
    assert.equal(gw.stats.hedged, 2);
    assert.equal(gw.inflight.size, 0);
  }, clock);
});

Deno.test("gateway: shutdown drains what finishes in time, cancels the rest, then refuses connections", async () => {
  const gate = Promise.withResolvers<void>();
  const mixed: Behavior = async (req, up) => {
    if (new URL(req.url).pathname === "/stuck") return await up.hang(req);
    await gate.promise;
    return new Response("done");
  };
  const clock = new ManualClock();
  await withGateway([mixed], {
    drainMs: 100,
    hedgeAfterMs: 10_000,
    requestTimeoutMs: 10_000,
  }, async (gw, ups) => {
    const url = gw.url;
    const quick = get(url + "/quick");
    const stuck = get(url + "/stuck");
    await within(ups[0]!.activeAtLeast(2));
    const down = gw.shutdown();
    gate.resolve();
    // /quick finishes within the drain time (time has not moved) ...
    const q = await quick;
    assert.equal(q.status, 200);
    assert.equal(q.body, "done");
    // ... /stuck is cancelled when it is over.
    clock.advance(100);
    const s = await stuck;
    await down;
    assert.equal(s.status, 503);
    await within(ups[0]!.abortedAtLeast(1));
    assert.equal(gw.stats.cancelledAtShutdown, 1);
    assert.equal(gw.inflight.size, 0);
    await assert.rejects(fetch(url + "/after"), TypeError);
  }, clock);
});
