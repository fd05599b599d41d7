// The KV server over real loopback TCP (real clock: real I/O is involved).
import assert from "node:assert/strict";
import { createTask, run, sleep, waitFor } from "@aio/asyncio/task";
import { type KvServer, serve, startKvServer } from "./kv_server.ts";
import { KvConn, KvPool } from "./kv_client.ts";

const opts = {
  sanitizeOps: true,
  sanitizeResources: true,
};

/** Waits (bounded) until `cond` holds, checking once per loop tick. */
async function until(cond: () => boolean, what: string, ms = 5_000) {
  await waitFor(async () => {
    while (!cond()) await sleep(1);
  }, ms).catch((e) => {
    throw new Error(`timed out waiting for ${what}`, { cause: e });
  });
}

/** Reads replies until EOF (bounded by `max` lines); errors count as EOF. */
async function readAll(c: KvConn, max = 1_000_000): Promise<string[]> {
  const out: string[] = [];
  try {
    for (let i = 0; i < max; i++) out.push(await c.readReply());
  } catch (e) {
    if (
      !(e instanceof Deno.errors.UnexpectedEof ||
        e instanceof Deno.errors.ConnectionReset)
    ) throw e;
  }
  return out;
}

Deno.test({
  name:
    "net: 200 concurrent tasks share a pool of 8; replies match; stats over fetch",
  ...opts,
  fn: async () => {
    const res = await run(async (signal) => {
      const kv = await startKvServer({ maxConnections: 16 });
      const pool = new KvPool(kv.port, 8);
      // A watchdog, as real code has: cancel everything after 20 s.
      const main = new AbortController();
      const dog = setTimeout(() => main.abort(new Error("watchdog")), 20_000);
      signal.addEventListener("abort", () => main.abort(signal.reason));
      try {
        const values = Array.from(
          { length: 200 },
          (_, i) => `v${i} ünïcödé 🚀 ${"日本".repeat(i % 5)}`,
        );
        const results = await Promise.all(
          values.map((v, i) =>
            createTask(() =>
              pool.use((c) =>
                c.pipeline([
                  `SET key:${i} ${v}`,
                  `GET key:${i}`,
                  `DEL key:${i}`,
                  `GET key:${i}`,
                ], main.signal), main.signal)
            )
          ),
        );
        for (const [i, r] of results.entries()) {
          assert.deepEqual(r, ["+OK", `$${values[i]}`, ":1", "_"]);
        }
        const stats = await (await fetch(
          `http://127.0.0.1:${kv.httpPort}/`,
          { signal: AbortSignal.timeout(5_000) },
        )).json();
        return { opened: pool.opened, stats };
      } finally {
        clearTimeout(dog);
        await pool.close();
        await kv.shutdown();
      }
    });
    assert.ok(res.opened <= 8, `opened ${res.opened}`);
    assert.equal(res.stats.commands, 800);
    assert.ok(res.stats.connections <= 8);
  },
});

Deno.test({
  name: "net: 5000 pipelined commands in one write answer in order",
  ...opts,
  fn: async () => {
    await run(async () => {
      const kv = await startKvServer();
      const c = await KvConn.open(kv.port);
      try {
        const cmds: string[] = [];
        const want: string[] = [];
        for (let i = 0; i < 1250; i++) {
          const v = `${i}-${"ä😀".repeat(i % 7)}-${"x".repeat(i % 40)}`;
          cmds.push(
            `SET p${i} ${v}`,
            `GET p${i}`,
            `GET p${i - 1}`,
            `DEL p${i}`,
          );
          want.push("+OK", `$${v}`, "_", ":1");
        }
        assert.deepEqual(await c.pipeline(cmds), want);
      } finally {
        await c.close();
        await kv.shutdown();
      }
    });
  },
});

Deno.test({
  name: "net: non-ASCII keys and values round-trip byte for byte",
  ...opts,
  fn: async () => {
    await run(async () => {
      const kv = await startKvServer();
      const c = await KvConn.open(kv.port);
      try {
        const samples = [
          ["ключ", "значение"],
          ["🔑", "👩‍👩‍👧‍👦 family + 🏳️‍🌈 flag"],
          ["日本", "東京都 渋谷区"],
          ["e\u0301", "combining \u0301 and NBSP\u00a0here"],
          ["ascii", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𐍈 (4-byte)"],
        ];
        for (const [k, v] of samples) {
          assert.equal(await c.command(`SET ${k} ${v}`), "+OK");
        }
        for (const [k, v] of samples) {
          assert.equal(await c.command(`GET ${k}`), `$${v}`);
          assert.equal(kv.core.store.get(k!), v);
        }
      } finally {
        await c.close();
        await kv.shutdown();
      }
    });
  },
});

Deno.test({
  name:
    "net: a slow subscriber is dropped at its buffer limit; publisher and fast subscriber go on",
  ...opts,
  fn: async () => {
    const N = 4000;
    const payload = "p".repeat(2048);
    const out = await run(async () => {
      const kv = await startKvServer({ subscriberBuffer: 256 });
      const slow = await KvConn.open(kv.port);
      const fast = await KvConn.open(kv.port);
      const pub = await KvConn.open(kv.port);
      try {
        assert.equal(await slow.command("SUBSCRIBE news"), "+SUBSCRIBED news");
        assert.equal(await fast.command("SUBSCRIBE news"), "+SUBSCRIBED news");
        // The fast subscriber reads everything as it comes.
        const fastGot = createTask(async () => {
          const got: number[] = [];
          for (let i = 0; i < N; i++) {
            const m = await fast.readReply();
            got.push(Number(m.split(" ")[1]));
          }
          return got;
        });
        // The slow one never reads. Publish in pipelined batches of 50.
        const replies: string[] = [];
        const t0 = performance.now();
        for (let b = 0; b < N; b += 50) {
          const batch = Array.from(
            { length: 50 },
            (_, i) => `PUBLISH news ${b + i} ${payload}`,
          );
          // Documented: PUBLISH never waits for subscribers, so each batch
          // answers well within this bound however stuck `slow` is.
          replies.push(...await waitFor(pub.pipeline(batch), 5_000));
        }
        const publishMs = performance.now() - t0;
        const got = await waitFor(fastGot, 10_000);
        const slowLines = await waitFor(readAll(slow), 10_000);
        return { replies, got, slowLines, stats: kv.core.stats, publishMs };
      } finally {
        await Promise.all([slow.close(), fast.close(), pub.close()]);
        await kv.shutdown();
      }
    });
    assert.equal(out.replies.length, N);
    assert.ok(out.replies.every((r) => r === ":2" || r === ":1"));
    // Once dropped, the slow subscriber stops counting.
    const firstOne = out.replies.indexOf(":1");
    assert.ok(firstOne > 0, "the slow subscriber was never dropped");
    assert.ok(out.replies.slice(firstOne).every((r) => r === ":1"));
    assert.deepEqual(out.got, Array.from({ length: N }, (_, i) => i));
    assert.equal(out.stats.slowDropped, 1);
    // The slow subscriber got an in-order prefix, then the connection ended.
    assert.ok(out.slowLines.length < N);
    out.slowLines.forEach((l, i) => assert.ok(l.startsWith(`>news ${i} `)));
  },
});

Deno.test({
  name:
    "net: idle timeouts close only idle connections (not active ones, not subscribers)",
  ...opts,
  fn: async () => {
    const IDLE = 300;
    const out = await run(async () => {
      const kv = await startKvServer({ idleTimeoutMs: IDLE });
      const idle = await KvConn.open(kv.port);
      const active = await KvConn.open(kv.port);
      const sub = await KvConn.open(kv.port);
      let pub: KvConn | undefined;
      try {
        assert.equal(await sub.command("SUBSCRIBE t"), "+SUBSCRIBED t");
        const t0 = performance.now();
        const idleLines = createTask(() => readAll(idle, 10));
        // Active: a command every IDLE/6 until the idle one was closed.
        let pings = 0;
        while (!idleLines.done() && pings < 200) {
          assert.equal(await active.command("PING"), "+PONG");
          pings++;
          await sleep(IDLE / 6);
        }
        const idleGone = await waitFor(idleLines, 5_000);
        const idleMs = performance.now() - t0;
        // The active connection and the (silent) subscriber still work.
        assert.equal(await active.command("PING"), "+PONG");
        pub = await KvConn.open(kv.port); // opened now: not idle yet
        assert.equal(await pub.command("PUBLISH t still-here"), ":1");
        const subMsg = await sub.readReply();
        return { idleGone, idleMs, pings, subMsg, stats: { ...kv.core.stats } };
      } finally {
        await Promise.all([idle, active, sub, pub].map((c) => c?.close()));
        await kv.shutdown();
      }
    });
    assert.deepEqual(out.idleGone, ["-ERR idle timeout"]);
    assert.ok(out.idleMs >= IDLE - 5, `closed after ${out.idleMs} ms`);
    assert.ok(out.pings >= 3);
    assert.equal(out.subMsg, ">t still-here");
    assert.equal(out.stats.idleClosed, 1);
  },
});

Deno.test({
  name: "net: graceful shutdown finishes in-flight commands and leaks nothing",
  ...opts,
  fn: async () => {
    const out = await run(async () => {
      const kv = await startKvServer();
      const busy = await KvConn.open(kv.port);
      const idle = await KvConn.open(kv.port);
      try {
        assert.equal(await idle.command("PING"), "+PONG");
        // Pipelined: the DEBUG SLEEP is in flight when shutdown starts; the
        // GET after it is not started.
        busy.writer.write("SET a 1\nDEBUG SLEEP 400\nGET a\n");
        await until(() => kv.core.stats.commands >= 3, "DEBUG SLEEP to start");
        const t0 = performance.now();
        await kv.shutdown();
        const took = performance.now() - t0;
        return {
          took,
          busy: await readAll(busy, 10),
          idle: await readAll(idle, 10),
          serving: kv.server.isServing(),
          conns: kv.server.connectionCount,
        };
      } finally {
        await Promise.all([busy.close(), idle.close()]);
        await kv.shutdown();
      }
    });
    assert.deepEqual(out.busy, ["+OK", "+OK", "-ERR shutting down"]);
    assert.deepEqual(out.idle, ["-ERR shutting down"]);
    assert.ok(out.took >= 300, `shutdown took ${out.took} ms`);
    assert.equal(out.serving, false);
    assert.equal(out.conns, 0);
  },
});

Deno.test({
  name: "net: REPORT streams a subprocess' output line by line",
  ...opts,
  fn: async () => {
    const lines = await run(async () => {
      const kv = await startKvServer();
      const c = await KvConn.open(kv.port);
      try {
        c.writer.write("REPORT 200\nPING\n");
        const lines: string[] = [];
        for (let i = 0; i < 202; i++) lines.push(await c.readReply());
        return lines;
      } finally {
        await c.close();
        await kv.shutdown();
      }
    });
    assert.deepEqual(
      lines,
      [
        ...Array.from({ length: 200 }, (_, i) => `|report line ${i + 1} ✓`),
        ".END 0",
        "+PONG",
      ],
    );
  },
});

Deno.test({
  name:
    "net: the report completes when the client disconnects mid-stream; no process leaks",
  ...opts,
  fn: async () => {
    const N = 50_000;
    const out = await run(async () => {
      const kv = await startKvServer();
      const c = await KvConn.open(kv.port);
      try {
        c.writer.write(`REPORT ${N}\n`);
        const first: string[] = [];
        for (let i = 0; i < 3; i++) first.push(await c.readReply());
        c.writer.abort(); // hang up mid-stream
        await until(
          () => kv.core.stats.reportsComplete === 1,
          "the report",
          20_000,
        );
        return {
          first,
          report: kv.core.store.get("report:last")!.split("\u0001"),
          rc: kv.core.store.get("report:rc"),
        };
      } finally {
        await c.close();
        await kv.shutdown();
      }
    });
    assert.deepEqual(out.first, [
      "|report line 1 ✓",
      "|report line 2 ✓",
      "|report line 3 ✓",
    ]);
    assert.equal(out.rc, "0");
    assert.equal(out.report.length, N);
    assert.equal(out.report.at(-1), `report line ${N} ✓`);
  },
});

Deno.test({
  name:
    "net: cancelling the serving task (SIGINT) still finishes in-flight commands",
  ...opts,
  fn: async () => {
    const out = await run(async () => {
      let kv: KvServer | undefined;
      const main = createTask(() => serve({}, (k) => kv = k));
      await until(() => kv !== undefined, "server start");
      const c = await KvConn.open(kv!.port);
      try {
        c.writer.write("DEBUG SLEEP 300\n");
        await until(() => kv!.core.stats.commands >= 1, "command start");
        main.cancel();
        const err = await main.then(() => null, (e) => e as Error);
        return {
          err: err?.name,
          lines: await readAll(c, 10),
          serving: kv!.server.isServing(),
        };
      } finally {
        await c.close();
      }
    });
    assert.equal(out.err, "CancelledError");
    assert.deepEqual(out.lines, ["+OK", "-ERR shutting down"]);
    assert.equal(out.serving, false);
  },
});
