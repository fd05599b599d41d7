/** The resolving core on a VirtualClock, with in-memory upstreams. */
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  getRunningLoop,
  run,
  sleep,
  VirtualClock,
} from "../../../mod.ts";
import { CLASS_IN, parseMessage, RCODE, rcodeOf, TC, TYPE } from "../wire.ts";
import { RateLimiter, Resolver, UpstreamFailure } from "../forwarder.ts";
import {
  answerA,
  aRecords,
  MemTransport,
  nxdomain,
  questionOf,
} from "./_fakes.ts";

const q = (name: string, type: number = TYPE.A) => ({
  name,
  type,
  class: CLASS_IN,
});
const vrun = <T>(fn: () => Promise<T>) =>
  run(fn, { clock: new VirtualClock() });

Deno.test("coalescing: N concurrent identical questions make one upstream query", async () => {
  await vrun(async () => {
    const mem = new MemTransport([async (m) => {
      await sleep(50);
      return answerA(m, ["10.0.0.1"]);
    }]);
    const r = new Resolver(mem);
    const tasks = Array.from(
      { length: 25 },
      (_, i) => createTask(() => r.resolve(q("www.example"), i)),
    );
    const replies = await Promise.all(tasks);
    assert.equal(mem.calls.length, 1);
    assert.equal(r.stats.coalesced, 24);
    replies.forEach((raw, i) => {
      const m = parseMessage(raw);
      assert.equal(m.header.id, i);
      assert.deepEqual(aRecords(m), ["10.0.0.1"]);
    });
    assert.equal(r.inflight.size, 0);
  });
});

Deno.test("TTL: cached until expiry, TTL counts down, then refetched", async () => {
  await vrun(async () => {
    const mem = new MemTransport([(m) => answerA(m, ["10.0.0.2"], 300)]);
    const r = new Resolver(mem);
    await r.resolve(q("a.example"), 1);
    await sleep(120_000);
    const hit = parseMessage(await r.resolve(q("a.example"), 2));
    assert.equal(hit.answers[0]?.ttl, 180);
    assert.equal(mem.calls.length, 1);
    await sleep(179_999);
    await r.resolve(q("a.example"), 3);
    assert.equal(mem.calls.length, 1, "still cached 1 ms before expiry");
    await sleep(1);
    await r.resolve(q("a.example"), 4);
    assert.equal(mem.calls.length, 2, "refetched at expiry");
    assert.equal(r.stats.cacheHits, 2);
  });
});

Deno.test("negative caching: NXDOMAIN by SOA minimum, NODATA by default TTL", async () => {
  await vrun(async () => {
    const mem = new MemTransport([
      (m) =>
        questionOf(m).name === "gone.example"
          ? nxdomain(m, 3600, 30) // min(SOA ttl, minimum) = 30 s
          : nxdomain(m), // no SOA: the forwarder's negativeTtl
    ]);
    const r = new Resolver(mem, { negativeTtl: 5 });
    const first = parseMessage(await r.resolve(q("gone.example"), 1));
    assert.equal(rcodeOf(first.header.flags), RCODE.NXDOMAIN);
    await sleep(29_999);
    assert.equal(
      rcodeOf(parseMessage(await r.resolve(q("gone.example"), 2)).header.flags),
      RCODE.NXDOMAIN,
    );
    assert.equal(mem.calls.length, 1);
    assert.equal(r.stats.negativeHits, 1);
    await sleep(1);
    await r.resolve(q("gone.example"), 3);
    assert.equal(mem.calls.length, 2);

    await r.resolve(q("nosoa.example"), 4);
    await sleep(4_999);
    await r.resolve(q("nosoa.example"), 5);
    assert.equal(mem.calls.length, 3);
    await sleep(1);
    await r.resolve(q("nosoa.example"), 6);
    assert.equal(mem.calls.length, 4);
  });
});

Deno.test("bounded cache: LRU eviction", async () => {
  await vrun(async () => {
    const mem = new MemTransport([(m) => answerA(m, ["10.0.0.3"])]);
    const r = new Resolver(mem, { cacheSize: 3 });
    for (const n of ["a", "b", "c"]) await r.resolve(q(`${n}.example`), 1);
    await r.resolve(q("a.example"), 1); // a is now the most recent
    await r.resolve(q("d.example"), 1); // evicts b
    const s = r.snapshot();
    assert.equal(s.cacheSize, 3);
    assert.equal(s.evictions, 1);
    assert.ok(r.cache.has("a.example|1|1"));
    assert.ok(!r.cache.has("b.example|1|1"));
    assert.equal(mem.calls.length, 4);
  });
});

Deno.test("timeout and failover to the second upstream (virtual time)", async () => {
  await vrun(async () => {
    const mem = new MemTransport([
      () => null, // never answers
      (m) => answerA(m, ["10.0.0.4"]),
    ]);
    const r = new Resolver(mem, { timeoutMs: 1500 });
    const m = parseMessage(await r.resolve(q("fail.example"), 7));
    assert.deepEqual(aRecords(m), ["10.0.0.4"]);
    assert.equal(getRunningLoop().time(), 1500);
    assert.deepEqual(mem.calls.map((c) => c.upstream), [0, 1]);
    assert.equal(r.stats.upstreamTimeouts, 1);
    assert.equal(r.stats.failovers, 1);
    assert.equal(mem.active, 0, "the timed-out try was cancelled");
  });
});

Deno.test("all upstreams failing gives UpstreamFailure after attempts x timeout", async () => {
  await vrun(async () => {
    const mem = new MemTransport([() => null, () => null]);
    const r = new Resolver(mem, { timeoutMs: 1000, attempts: 3 });
    await assert.rejects(r.resolve(q("dead.example"), 1), UpstreamFailure);
    assert.equal(getRunningLoop().time(), 3000);
    assert.equal(r.stats.upstreamTimeouts, 3);
    assert.equal(r.inflight.size, 0);
  });
});

Deno.test("semaphore bound on upstream queries is really held", async () => {
  await vrun(async () => {
    const mem = new MemTransport([async (m) => {
      await sleep(10);
      return answerA(m, ["10.0.0.5"]);
    }]);
    const r = new Resolver(mem, { maxInflightUpstream: 3 });
    const tasks = Array.from(
      { length: 20 },
      (_, i) => createTask(() => r.resolve(q(`n${i}.example`), i)),
    );
    await Promise.all(tasks);
    assert.equal(mem.calls.length, 20);
    assert.equal(mem.peak, 3);
    assert.equal(r.stats.upstreamInflightPeak, 3);
    assert.equal(getRunningLoop().time(), 70, "7 waves of 10 ms");
    assert.equal(r.sem.value, 3);
  });
});

Deno.test("a cancelled waiter does not cancel the shared upstream query", async () => {
  await vrun(async () => {
    let finished = 0;
    const mem = new MemTransport([async (m) => {
      await sleep(100);
      finished++;
      return answerA(m, ["10.0.0.6"]);
    }]);
    const r = new Resolver(mem);
    const waiter = (id: number) =>
      createTask(() => r.resolve(q("shared.example"), id));
    const w = [waiter(1), waiter(2), waiter(3)] as const;
    await sleep(50);
    w[0].cancel();
    await assert.rejects(w[0], CancelledError);
    const [b, c] = await Promise.all([w[1], w[2]]);
    assert.deepEqual(aRecords(parseMessage(b)), ["10.0.0.6"]);
    assert.deepEqual(aRecords(parseMessage(c)), ["10.0.0.6"]);
    assert.equal(finished, 1);
    assert.equal(mem.calls.length, 1);
    assert.ok(r.cache.has("shared.example|1|1"), "the answer was cached");
  });
});

Deno.test("every waiter cancelled: the upstream query still completes and caches", async () => {
  await vrun(async () => {
    const mem = new MemTransport([async (m) => {
      await sleep(100);
      return answerA(m, ["10.0.0.7"]);
    }]);
    const r = new Resolver(mem);
    const t = createTask(() => r.resolve(q("lonely.example"), 1));
    await sleep(10);
    t.cancel();
    await assert.rejects(t, CancelledError);
    await sleep(200);
    assert.ok(r.cache.has("lonely.example|1|1"));
    assert.equal(r.inflight.size, 0);
  });
});

Deno.test("TC bit: the question is retried over TCP (in-memory)", async () => {
  await vrun(async () => {
    const mem = new MemTransport(
      [(m) => answerA(m, ["1.1.1.1"], 60, TC)],
      (m) => answerA(m, ["10.0.0.8", "10.0.0.9"]),
    );
    const r = new Resolver(mem);
    const m = parseMessage(await r.resolve(q("big.example"), 1));
    assert.deepEqual(aRecords(m), ["10.0.0.8", "10.0.0.9"]);
    assert.equal(mem.tcpCalls, 1);
    assert.equal(r.stats.tcpFallbacks, 1);
  });
});

Deno.test("rate limiter: token bucket refills on the loop clock", async () => {
  await vrun(async () => {
    const loop = getRunningLoop();
    const rl = new RateLimiter(2, 4, () => loop.time());
    const burst = Array.from({ length: 6 }, () => rl.allow("c1"));
    assert.deepEqual(burst, [true, true, true, true, false, false]);
    assert.ok(rl.allow("c2"), "another client has its own bucket");
    await sleep(500); // one token at 2/s
    assert.deepEqual([rl.allow("c1"), rl.allow("c1")], [true, false]);
  });
});

Deno.test("cancelling queued upstream queries gives every permit back", async () => {
  await vrun(async () => {
    const mem = new MemTransport([async (m) => {
      await sleep(1000);
      return answerA(m, ["10.0.0.10"]);
    }]);
    const r = new Resolver(mem, { maxInflightUpstream: 1 });
    const waiters = ["x", "y", "z"].map((n, i) =>
      createTask(() => r.resolve(q(`${n}.example`), i))
    );
    await sleep(10);
    assert.equal(r.sem.value, 0);
    assert.equal(r.inflight.size, 3);
    const ups = [...r.inflight.values()];
    for (const t of ups) t.cancel();
    const settled = await Promise.allSettled(waiters);
    assert.ok(
      settled.every((s) =>
        s.status === "rejected" && s.reason instanceof CancelledError
      ),
    );
    assert.equal(r.sem.value, 1);
    assert.equal(r.inflight.size, 0);
    assert.equal(r.upstreamActive, 0);
    assert.equal(mem.active, 0);
  });
});
