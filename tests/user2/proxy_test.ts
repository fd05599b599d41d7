// deno test --allow-net=127.0.0.1 tests/user2/proxy_test.ts
// Real clock throughout: sockets and fetch are host I/O.
import assert from "node:assert/strict";
import { run, sleep } from "@aio/asyncio/task";
import { Backend, bigByte, Proxy, type ProxyOptions } from "./proxy.ts";

const base: Omit<ProxyOptions, "backends"> = {
  maxInflight: 8,
  queueMs: 5_000,
  tryMs: 2_000,
  totalMs: 10_000,
  maxAttempts: 3,
  backoffMs: 5,
  downMs: 60_000,
  idlePerBackend: 2,
  streamAbove: 64 * 1024,
  healthMs: 2_000,
};

const spec = (bs: Backend[]) => bs.map((b) => ({ name: b.name, port: b.port }));

/** Waits (bounded) until `cond()` holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return;
    await sleep(5);
  }
  throw new Error(`never happened: ${what}`);
}

/** A port nobody listens on (a backend that died). */
async function deadBackend(): Promise<{ name: string; port: number }> {
  const b = await Backend.start({ name: "dead" });
  const port = b.port;
  await b[Symbol.asyncDispose]();
  return { name: "dead", port };
}

async function get(port: number, path: string, init?: RequestInit) {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, init);
  return {
    status: res.status,
    backend: res.headers.get("x-backend"),
    body: await res.text(),
  };
}

Deno.test("round robin over the backends; keep-alive reuses one upstream connection each", async () => {
  await run(async () => {
    await using b1 = await Backend.start({ name: "b1" });
    await using b2 = await Backend.start({ name: "b2" });
    await using b3 = await Backend.start({ name: "b3" });
    await using proxy = Proxy.start({ ...base, backends: spec([b1, b2, b3]) });

    const seq: string[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await get(proxy.port, `/echo/n${i}`);
      assert.equal(r.status, 200);
      assert.equal(r.body, `n${i}`);
      seq.push(r.backend!);
    }
    assert.deepEqual(seq, [
      "b1",
      "b2",
      "b3",
      "b1",
      "b2",
      "b3",
      "b1",
      "b2",
      "b3",
    ]);
    assert.deepEqual([b1, b2, b3].map((b) => b.connections), [1, 1, 1]);

    // Concurrent requests, the way a Deno client makes them.
    const many = await Promise.all(
      Array.from({ length: 12 }, (_, i) => get(proxy.port, `/echo/p${i}`)),
    );
    assert.deepEqual(many.map((r) => r.body), many.map((_, i) => `p${i}`));
    assert.equal(b1.requests + b2.requests + b3.requests, 21);
    assert.equal(proxy.inflight, 0);
  });
});

Deno.test("refused and dropped connections are retried on the next backend", async () => {
  await run(async () => {
    const dead = await deadBackend();
    await using flaky = await Backend.start({ name: "flaky", dropFirst: 2 });
    await using good = await Backend.start({ name: "good" });
    await using proxy = Proxy.start({
      ...base,
      backends: [dead, { name: flaky.name, port: flaky.port }, {
        name: good.name,
        port: good.port,
      }],
    });
    const results = [];
    for (let i = 0; i < 6; i++) {
      results.push(await get(proxy.port, `/echo/${i}`));
    }
    assert.deepEqual(results.map((r) => r.status), [
      200,
      200,
      200,
      200,
      200,
      200,
    ]);
    assert.deepEqual(results.map((r) => r.body), [
      "0",
      "1",
      "2",
      "3",
      "4",
      "5",
    ]);
    // The dead one is tried once, then skipped (marked down).
    assert.equal(proxy.log.filter((l) => l.includes("dead")).length, 1);
    assert.ok(
      proxy.log.includes("#1 try 1 dead: ConnectionRefused"),
      proxy.log.join("\n"),
    );
    assert.equal(
      proxy.log.filter((l) => l.endsWith("IncompleteReadError")).length,
      2,
    );
    assert.deepEqual(flaky.events, ["drop", "drop"]);
  });
});

Deno.test("an idle upstream connection the backend closed is retried transparently", async () => {
  await run(async () => {
    await using b1 = await Backend.start({ name: "b1", oneShot: true });
    await using proxy = Proxy.start({ ...base, backends: spec([b1]) });
    for (let i = 0; i < 5; i++) {
      const r = await get(proxy.port, `/echo/${i}`);
      assert.deepEqual([r.status, r.body], [200, `${i}`]);
    }
    // Requests 2..5 first tried the dead idle connection, then a new one.
    const retried = proxy.log.filter((l) => / try 1 .*: (?!200)/.test(l));
    assert.equal(retried.length, 4, proxy.log.join("\n"));
    assert.equal(b1.requests, 5);
    await until(() => proxy.upstreamOpen <= 1, "dead connections closed");
  });
});

Deno.test("health check: every probe is taken as it completes, the dead one marked down", async () => {
  await run(async () => {
    const dead = await deadBackend();
    await using b1 = await Backend.start({ name: "b1" });
    await using b2 = await Backend.start({ name: "b2", delayMs: 50 });
    await using proxy = Proxy.start({
      ...base,
      backends: [dead, ...spec([b1, b2])],
    });
    const order = await proxy.checkHealth();
    assert.deepEqual(order.toSorted(), ["b1:up", "b2:up", "dead:down"]);
    // b2 answers 50 ms late, so it is last.
    assert.equal(order.at(-1), "b2:up");
    assert.deepEqual(proxy.health(), { dead: false, b1: true, b2: true });
    for (let i = 0; i < 4; i++) {
      assert.equal((await get(proxy.port, "/id")).status, 200);
    }
    assert.equal(proxy.log.filter((l) => l.includes("dead")).length, 0);
  });
});

Deno.test("per-attempt timeouts end in a 504, and every upstream connection is closed", async () => {
  await run(async () => {
    await using b1 = await Backend.start({ name: "b1" });
    await using b2 = await Backend.start({ name: "b2" });
    await using proxy = Proxy.start({
      ...base,
      tryMs: 100,
      maxAttempts: 2,
      backends: spec([b1, b2]),
    });
    const r = await get(proxy.port, "/hang");
    assert.equal(r.status, 504);
    assert.deepEqual(proxy.log, [
      "#1 try 1 b1: TimeoutError",
      "#1 try 2 b2: TimeoutError",
      "#1 gateway timeout",
    ]);
    await until(
      () => b1.events.length === 2 && b2.events.length === 2,
      "backends see the hang-up",
    );
    assert.deepEqual(b1.events, ["hang", "hang: peer closed"]);
    assert.deepEqual(b2.events, ["hang", "hang: peer closed"]);
    await until(() => proxy.upstreamOpen === 0, "upstreams closed");
  });
});

Deno.test("the overall deadline wins over a longer per-attempt one", async () => {
  await run(async () => {
    await using b1 = await Backend.start({ name: "b1" });
    await using proxy = Proxy.start({
      ...base,
      tryMs: 5_000,
      totalMs: 100,
      backends: spec([b1]),
    });
    const r = await get(proxy.port, "/hang");
    assert.equal(r.status, 504);
    // The attempt sees the outer scope's cancellation, not a TimeoutError of
    // its own, so it is not retried.
    assert.deepEqual(proxy.log, [
      "#1 try 1 b1: CancelledError",
      "#1 gateway timeout",
    ]);
  });
});

Deno.test("a client that hangs up cancels its request and the upstream exchange", async () => {
  await run(async () => {
    await using b1 = await Backend.start({ name: "b1" });
    await using proxy = Proxy.start({ ...base, backends: spec([b1]) });
    const ac = new AbortController();
    const pending = fetch(`http://127.0.0.1:${proxy.port}/hang`, {
      signal: ac.signal,
    });
    await b1.hanging.wait();
    ac.abort();
    await assert.rejects(pending, (e) => (e as Error).name === "AbortError");
    await until(() => b1.events.length === 2, "backend sees the hang-up");
    assert.deepEqual(b1.events, ["hang", "hang: peer closed"]);
    await until(() => proxy.inflight === 0, "request task ended");
    assert.deepEqual(proxy.log, [
      "#1 try 1 b1: CancelledError",
      "#1 client gone",
    ]);
    await until(() => proxy.upstreamOpen === 0, "upstream closed");
  });
});

Deno.test("the semaphore bounds requests upstream; a request that waits too long gets 503", async () => {
  await run(async () => {
    await using b1 = await Backend.start({ name: "b1" });
    await using b2 = await Backend.start({ name: "b2" });
    {
      await using proxy = Proxy.start({
        ...base,
        maxInflight: 2,
        backends: spec([b1, b2]),
      });
      const rs = await Promise.all(
        Array.from({ length: 8 }, () => get(proxy.port, "/slow/20")),
      );
      assert.deepEqual(rs.map((r) => r.status), Array(8).fill(200));
      assert.ok(
        b1.maxActive + b2.maxActive <= 2,
        `${b1.maxActive} + ${b2.maxActive}`,
      );
    }
    {
      await using proxy = Proxy.start({
        ...base,
        maxInflight: 1,
        queueMs: 30,
        backends: spec([b1]),
      });
      const ac = new AbortController();
      const hog = fetch(`http://127.0.0.1:${proxy.port}/hang`, {
        signal: ac.signal,
      });
      await b1.hanging.wait();
      const r = await get(proxy.port, "/id");
      assert.equal(r.status, 503);
      ac.abort();
      await assert.rejects(hog);
      await until(() => proxy.inflight === 0, "hog ended");
      // The permit came back: the next request goes through.
      assert.equal((await get(proxy.port, "/id")).body, "b1");
    }
    {
      // A client that gives up while queued for a permit takes none.
      await using proxy = Proxy.start({
        ...base,
        maxInflight: 1,
        backends: spec([b1]),
      });
      b1.hanging.clear();
      const hogStop = new AbortController();
      const hog = fetch(`http://127.0.0.1:${proxy.port}/hang`, {
        signal: hogStop.signal,
      });
      await b1.hanging.wait();
      const queuedStop = new AbortController();
      const queued = fetch(`http://127.0.0.1:${proxy.port}/id`, {
        signal: queuedStop.signal,
      });
      await until(() => proxy.inflight === 2, "second request queued");
      queuedStop.abort();
      await assert.rejects(queued);
      await until(() => proxy.inflight === 1, "queued request ended");
      hogStop.abort();
      await assert.rejects(hog);
      await until(() => proxy.inflight === 0, "hog ended");
      assert.deepEqual(proxy.log, [
        "#2 client gone while queued",
        "#1 try 1 b1: CancelledError",
        "#1 client gone",
      ]);
      assert.equal((await get(proxy.port, "/id")).body, "b1");
    }
  });
});

Deno.test("a large body streams through readInto(); a client that stops reading closes the upstream", async () => {
  await run(async () => {
    await using b1 = await Backend.start({ name: "b1" });
    await using proxy = Proxy.start({ ...base, backends: spec([b1]) });

    const size = 1_000_003;
    const res = await fetch(`http://127.0.0.1:${proxy.port}/big/${size}`);
    assert.equal(res.status, 200);
    const body = new Uint8Array(await res.arrayBuffer());
    assert.equal(body.length, size);
    let bad = 0;
    for (let i = 0; i < size; i++) if (body[i] !== bigByte(i)) bad++;
    assert.equal(bad, 0);
    await until(() => b1.events.includes("big: sent"), "backend done");
    await until(() => proxy.inflight === 0, "stream ended");

    // Now a huge one, abandoned after the first chunk.
    const res2 = await fetch(`http://127.0.0.1:${proxy.port}/big/200000000`);
    const reader = res2.body!.getReader();
    const first = await reader.read();
    assert.ok(first.value && first.value.length > 0);
    assert.equal(first.value[0], bigByte(0));
    await reader.cancel();
    await until(
      () => b1.events.some((e) => e.startsWith("big: peer gone")),
      "backend sees it",
    );
    await until(() => proxy.inflight === 0, "stream ended");
    await until(() => proxy.upstreamOpen === 0, "upstream closed");
    // The second body came over the connection the first one left idle.
    assert.equal(b1.connections, 1);
  });
});

Deno.test("shutdown lets a request in flight finish", async () => {
  await run(async () => {
    await using b1 = await Backend.start({ name: "b1" });
    const proxy = Proxy.start({ ...base, backends: spec([b1]) });
    const port = proxy.port;
    const slow = get(port, "/slow/100");
    await until(() => b1.active === 1, "request upstream");
    await proxy[Symbol.asyncDispose]();
    assert.deepEqual(await slow, {
      status: 200,
      backend: "b1",
      body: "slow b1",
    });
    await assert.rejects(fetch(`http://127.0.0.1:${port}/id`), TypeError);
    assert.equal(proxy.upstreamOpen, 0);
  });
});
