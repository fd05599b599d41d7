/** The forwarder end to end over loopback UDP/TCP, real clock. */
import assert from "node:assert/strict";
import { createSubprocessExec, createTask, Event, run } from "../../../mod.ts";
import { buildMessage, QR, RCODE, rcodeOf, TC, TYPE } from "../wire.ts";
import { Forwarder, type ForwarderOptions } from "../forwarder.ts";
import { UdpTransport, type UpstreamAddr } from "../transport.ts";
import {
  answerA,
  aRecords,
  type Behaviour,
  Client,
  fakeTcpUpstream,
  FakeUdpUpstream,
  until,
} from "./_fakes.ts";

/** One fake upstream per behaviour, in order (a tuple: `[up]`, `ups[1]` type-check). */
type Upstreams<B extends readonly Behaviour[]> = {
  -readonly [K in keyof B]: FakeUdpUpstream;
};

async function withForwarder<const B extends readonly Behaviour[]>(
  behaviours: B,
  opts: ForwarderOptions,
  body: (
    f: Forwarder,
    t: UdpTransport,
    ups: Upstreams<B>,
  ) => Promise<void>,
  tcpPorts: (number | undefined)[] = [],
): Promise<void> {
  // map() keeps the length, so this is one upstream per behaviour.
  const ups = await Promise.all(
    behaviours.map((b) => FakeUdpUpstream.start(b)),
  ) as Upstreams<B>;
  const addrs: UpstreamAddr[] = ups.map((u, i) => ({
    hostname: "127.0.0.1",
    port: u.port,
    tcpPort: tcpPorts[i],
  }));
  const t = await UdpTransport.open(addrs);
  const f = await Forwarder.start(t, opts);
  try {
    await body(f, t, ups);
  } finally {
    await f.shutdown(0);
    for (const u of ups) await u.close();
  }
}

Deno.test("udp: coalescing N concurrent clients into one upstream query", async () => {
  await run(async () => {
    const gate = new Event();
    await withForwarder(
      [async (m) => {
        await gate.wait();
        return answerA(m, ["192.0.2.1"]);
      }],
      {},
      async (f, _t, [up]) => {
        const clients = await Promise.all(
          Array.from({ length: 20 }, () => Client.open(f.port)),
        );
        try {
          const ids = await Promise.all(
            clients.map((c) => c.send("co.example")),
          );
          await until(() => f.stats.queries === 20, "20 queries in");
          await up.got.wait();
          assert.equal(up.queries.length, 1);
          gate.set();
          const replies = await Promise.all(clients.map((c) => c.recv()));
          replies.forEach((m, i) => {
            assert.equal(m.header.id, ids[i]);
            assert.deepEqual(aRecords(m), ["192.0.2.1"]);
          });
          assert.equal(up.queries.length, 1);
          assert.equal(f.stats.coalesced, 19);
          // And now cached: no new upstream query.
          assert.deepEqual(aRecords(await clients[0]!.ask("co.example")), [
            "192.0.2.1",
          ]);
          assert.equal(up.queries.length, 1);
        } finally {
          for (const c of clients) await c.close();
        }
      },
    );
  });
});

Deno.test("udp: timeout, failover, and the late reply is dropped cleanly", async () => {
  await run(async () => {
    const release = new Event();
    await withForwarder(
      [
        async (m) => {
          await release.wait(); // answers only after the forwarder gave up
          return answerA(m, ["198.51.100.66"]);
        },
        (m) => answerA(m, ["192.0.2.2"]),
      ],
      { timeoutMs: 150 },
      async (f, t, ups) => {
        const c = await Client.open(f.port);
        try {
          const m = await c.ask("slow.example");
          assert.deepEqual(aRecords(m), ["192.0.2.2"]);
          assert.equal(f.stats.upstreamTimeouts, 1);
          assert.equal(f.stats.failovers, 1);
          assert.equal(t.pendingCount, 0);
          const late = t.nextLateReply();
          release.set();
          await late;
          assert.equal(t.counters.lateReplies, 1);
          // The cache keeps the good answer; the late one changed nothing.
          assert.deepEqual(aRecords(await c.ask("slow.example")), [
            "192.0.2.2",
          ]);
          assert.equal(ups[0].queries.length, 1);
          assert.equal(ups[1].queries.length, 1);
        } finally {
          await c.close();
        }
      },
    );
  });
});

Deno.test("udp: truncated reply (TC) falls back to TCP with a 2-byte length prefix", async () => {
  await run(async () => {
    const many = Array.from({ length: 40 }, (_, i) => `10.1.0.${i + 1}`);
    await using tcp = await fakeTcpUpstream((m) => answerA(m, many));
    await withForwarder(
      [(m) => answerA(m, [], 60, TC)],
      {},
      async (f, _t, [up]) => {
        const c = await Client.open(f.port);
        try {
          const m = await c.ask("big.example");
          assert.deepEqual(aRecords(m), many);
          assert.equal(rcodeOf(m.header.flags), RCODE.NOERROR);
          assert.equal(up.queries.length, 1);
          assert.equal(tcp.count.n, 1);
          assert.equal(f.stats.tcpFallbacks, 1);
        } finally {
          await c.close();
        }
      },
      [tcp.port],
    );
  });
});

Deno.test("udp: per-client rate limit drops the flood, other clients still served", async () => {
  await run(async () => {
    await withForwarder([(m) => answerA(m, ["192.0.2.3"])], {
      rateLimit: { perSecond: 0.001, burst: 5 },
    }, async (f) => {
      const noisy = await Client.open(f.port, "127.0.0.2");
      const quiet = await Client.open(f.port, "127.0.0.3");
      try {
        for (let i = 0; i < 30; i++) await noisy.send("rl.example");
        await until(
          () => f.stats.queries + f.stats.rateLimited === 30,
          "30 seen",
        );
        assert.equal(f.stats.queries, 5);
        assert.equal(f.stats.rateLimited, 25);
        for (let i = 0; i < 5; i++) {
          assert.deepEqual(aRecords(await noisy.recv()), ["192.0.2.3"]);
        }
        assert.deepEqual(aRecords(await quiet.ask("rl.example")), [
          "192.0.2.3",
        ]);
        await until(() => f.clientTasks.size === 0, "handlers done");
        assert.equal(noisy.ep.isClosing(), false);
      } finally {
        await noisy.close();
        await quiet.close();
      }
    });
  });
});

Deno.test("udp: garbage, truncated packets and a flood do not crash or leak", async () => {
  await run(async () => {
    await withForwarder([(m) => answerA(m, ["192.0.2.4"])], {
      maxClientQueries: 64,
    }, async (f, t) => {
      const c = await Client.open(f.port);
      try {
        const junk: Uint8Array[] = [
          new Uint8Array(0),
          new Uint8Array([1, 2, 3]),
          new Uint8Array(12).fill(0xff), // QR set: a "response", ignored
          new Uint8Array([0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 7, 0x61]), // label past end
          new Uint8Array([
            0,
            10,
            1,
            0,
            0,
            1,
            0,
            0,
            0,
            0,
            0,
            0,
            0xc0,
            12,
            0,
            1,
            0,
            1,
          ]), // self pointer
          new Uint8Array([0, 11, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]), // question cut short
          crypto.getRandomValues(new Uint8Array(512)),
          buildMessage({
            id: 12,
            flags: QR,
            questions: [{ name: "x", type: 1, class: 1 }],
          }),
        ];
        for (const j of junk) await c.ep.send(j);
        // A flood of distinct names from one client (no rate limit here).
        const flooder = await Client.open(f.port);
        for (let i = 0; i < 500; i++) await flooder.send(`f${i}.example`);
        await until(
          () => f.stats.queries + f.stats.malformed === 508,
          "flood seen",
        );
        await until(
          () => f.clientTasks.size === 0 && f.stats.inflight === 0,
          "drained",
        );
        await flooder.close();
        const s = f.stats;
        assert.equal(s.malformed, 8);
        assert.ok(s.overloaded > 0, "the flood hit the client-query bound");
        assert.equal(s.overloaded + s.cacheMisses, 500);
        const ok = await c.ask("after.example", TYPE.A);
        assert.deepEqual(aRecords(ok), ["192.0.2.4"]);
        assert.equal(t.pendingCount, 0);
        assert.ok(s.cacheSize <= 10_000);
      } finally {
        await c.close();
      }
    });
  });
});

Deno.test("udp: a cancelled client handler leaves the shared query to the others", async () => {
  await run(async () => {
    const gate = new Event();
    await withForwarder(
      [async (m) => {
        await gate.wait();
        return answerA(m, ["192.0.2.5"]);
      }],
      {},
      async (f, _t, [up]) => {
        const a = await Client.open(f.port);
        const b = await Client.open(f.port);
        try {
          await a.send("share.example");
          await b.send("share.example");
          await until(() => f.clientTasks.size === 2, "two handlers");
          const [first] = f.clientTasks;
          assert.ok(first, "a handler to cancel");
          first.cancel();
          await first.catch(() => {});
          // The cancelled handler answers SERVFAIL right away.
          assert.equal(rcodeOf((await a.recv()).header.flags), RCODE.SERVFAIL);
          gate.set();
          assert.deepEqual(aRecords(await b.recv()), ["192.0.2.5"]);
          assert.equal(up.queries.length, 1);
        } finally {
          await a.close();
          await b.close();
        }
      },
    );
  });
});

Deno.test("udp: graceful shutdown answers in-flight queries that finish by the deadline", async () => {
  await run(async () => {
    const gate = new Event();
    const up = await FakeUdpUpstream.start(async (m) => {
      await gate.wait();
      return answerA(m, ["192.0.2.6"]);
    });
    const t = await UdpTransport.open([{
      hostname: "127.0.0.1",
      port: up.port,
    }]);
    const f = await Forwarder.start(t, {});
    const c = await Client.open(f.port);
    try {
      await c.send("inflight.example");
      await up.got.wait();
      const stopping = createTask(() => f.shutdown(5_000));
      gate.set();
      assert.deepEqual(aRecords(await c.recv()), ["192.0.2.6"]);
      assert.deepEqual(await stopping, { finished: 1, cancelled: 0 });
    } finally {
      await c.close();
      await up.close();
    }
  });
});

Deno.test("udp: a Python asyncio datagram client gets coalesced answers", async () => {
  await run(async () => {
    const gate = new Event();
    await withForwarder(
      [async (m) => {
        await gate.wait();
        return answerA(m, ["192.0.2.7"]);
      }],
      {},
      async (f, _t, [up]) => {
        const py = "python3";
        const script = new URL("./py_client.py", import.meta.url).pathname;
        await using proc = await createSubprocessExec(py, [
          script,
          String(f.port),
          "py.example",
          "10",
        ], {
          stdout: "piped",
        });
        await until(() => f.stats.queries === 10, "10 python queries in");
        gate.set();
        const [out] = await proc.communicate();
        assert.equal(await proc.wait(), 0);
        const lines = new TextDecoder().decode(out!).trim().split("\n");
        assert.deepEqual(lines, Array(10).fill("0 1 192.0.2.7"));
        assert.equal(up.queries.length, 1);
      },
    );
  });
});
