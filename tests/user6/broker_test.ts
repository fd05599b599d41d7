/**
 * The broker over real loopback TCP (real clock: these do I/O).
 */
import assert from "node:assert/strict";
import { run, taskGroup, timeout } from "@aio/asyncio/task";
import { BrokerClient, type Message, startBroker } from "./broker.ts";
import { payload, sameBytes, SIZES, sizesFor } from "./_util.ts";
import { MAX_DATA } from "./protocol.ts";

/** Reads `count` messages, bucketed by topic. */
async function collect(
  client: BrokerClient,
  count: number,
): Promise<Map<string, Uint8Array[]>> {
  const got = new Map<string, Uint8Array[]>();
  for (let i = 0; i < count; i++) {
    const m: Message | null = await client.next();
    assert.ok(m, `EOF after ${i} of ${count} messages`);
    let list = got.get(m.topic);
    if (!list) got.set(m.topic, list = []);
    list.push(m.data);
  }
  return got;
}

function checkPublisher(
  got: Map<string, Uint8Array[]>,
  pub: number,
  sizes: number[],
): void {
  const list = got.get(`t/${pub}`) ?? [];
  assert.equal(list.length, sizes.length, `publisher ${pub}: message count`);
  sizes.forEach((size, seq) => {
    const diff = sameBytes(list[seq]!, payload(pub, seq, size));
    assert.equal(
      diff,
      null,
      `publisher ${pub}, message ${seq} (${size} B): ${diff}`,
    );
  });
}

Deno.test("every message arrives byte-exact and in order per publisher, 0 B to 1 MiB mixed", async () => {
  await run(async () => {
    await using broker = await startBroker();
    const PUBS = 3;
    const plans = Array.from({ length: PUBS }, (_, p) => sizesFor(p));
    const total = plans.reduce((n, s) => n + s.length, 0);

    // One subscriber reads payloads with readExactly(), one with readInto().
    await using subA = await BrokerClient.connect(broker.port, {
      mode: "exactly",
    });
    await using subB = await BrokerClient.connect(broker.port, {
      mode: "into",
    });
    for (let p = 0; p < PUBS; p++) {
      await subA.subscribe(`t/${p}`);
      await subB.subscribe(`t/${p}`);
    }

    const [gotA, gotB] = await timeout(30_000, () =>
      taskGroup(async (tg) => {
        for (let p = 0; p < PUBS; p++) {
          tg.createTask(async () => {
            await using pub = await BrokerClient.connect(broker.port);
            for (const [seq, size] of plans[p]!.entries()) {
              pub.publish(`t/${p}`, payload(p, seq, size));
              await pub.flush();
            }
          });
        }
        return await Promise.all([collect(subA, total), collect(subB, total)]);
      }));
    for (let p = 0; p < PUBS; p++) {
      checkPublisher(gotA, p, plans[p]!);
      checkPublisher(gotB, p, plans[p]!);
    }
    assert.equal(broker.hub.stats.dropped, 0);
  });
});

Deno.test("a publisher that writes without draining still delivers everything in order", async () => {
  await run(async () => {
    await using broker = await startBroker({ budget: 64 * MAX_DATA });
    await using sub = await BrokerClient.connect(broker.port, { mode: "into" });
    await sub.subscribe("t/0");
    const sizes = sizesFor(0);
    await using pub = await BrokerClient.connect(broker.port);
    // write() all at once: the writer buffers about 5 MiB, then one drain.
    sizes.forEach((size, seq) => pub.publish("t/0", payload(0, seq, size)));
    const [, got] = await timeout(
      30_000,
      () => Promise.all([pub.flush(), collect(sub, sizes.length)]),
    );
    checkPublisher(got, 0, sizes);
  });
});

Deno.test("a subscriber that stops reading is dropped; the others get everything", async () => {
  await run(async () => {
    const BUDGET = 2 * MAX_DATA + 1024;
    await using broker = await startBroker({ budget: BUDGET, graceMs: 300 });
    await using fast = await BrokerClient.connect(broker.port);
    await using slow = await BrokerClient.connect(broker.port, {
      mode: "into",
    });
    await fast.subscribe("big");
    await slow.subscribe("big"); // and then never reads

    const COUNT = 64; // 64 MiB: far more than the socket buffers hold
    const got = await timeout(60_000, () =>
      taskGroup(async (tg) => {
        tg.createTask(async () => {
          await using pub = await BrokerClient.connect(broker.port);
          for (let seq = 0; seq < COUNT; seq++) {
            pub.publish("big", payload(9, seq, MAX_DATA));
            await pub.flush();
          }
        });
        return await collect(fast, COUNT);
      }));
    const list = got.get("big")!;
    assert.equal(list.length, COUNT);
    for (let seq = 0; seq < COUNT; seq++) {
      assert.equal(
        sameBytes(list[seq]!, payload(9, seq, MAX_DATA)),
        null,
        `message ${seq}`,
      );
    }
    assert.equal(
      broker.hub.stats.dropped,
      1,
      "the slow subscriber was dropped",
    );
    assert.ok(
      broker.hub.stats.peakQueued <= BUDGET,
      `peak ${broker.hub.stats.peakQueued} > budget ${BUDGET}`,
    );
    assert.equal(
      broker.hub.topics.get("big")?.size,
      1,
      "only the fast subscriber is left",
    );

    // The slow one now reads: a byte-exact prefix, then the end of the stream.
    let seq = 0;
    const end = await timeout(30_000, async () => {
      for (; seq < COUNT; seq++) {
        let m: Message | null;
        try {
          m = await slow.next();
        } catch (e) {
          return e as Error;
        }
        if (m === null) return "eof";
        assert.equal(
          sameBytes(m.data, payload(9, seq, MAX_DATA)),
          null,
          `slow message ${seq}`,
        );
      }
      return "all";
    });
    assert.notEqual(
      end,
      "all",
      "the slow subscriber cannot have got everything",
    );
    assert.ok(seq < COUNT);
  });
});

Deno.test("tiny frames in bulk: 20,000 messages of 0-7 bytes keep their order", async () => {
  await run(async () => {
    await using broker = await startBroker();
    await using sub = await BrokerClient.connect(broker.port);
    await sub.subscribe("t/5");
    await using pub = await BrokerClient.connect(broker.port);
    const N = 20_000;
    const sizes = Array.from({ length: N }, (_, i) => i % 8);
    const [, got] = await timeout(30_000, () =>
      Promise.all([
        (async () => {
          for (let seq = 0; seq < N; seq++) {
            pub.publish("t/5", payload(5, seq, sizes[seq]!));
            if (seq % 500 === 0) await pub.flush();
          }
          await pub.flush();
        })(),
        collect(sub, N),
      ]));
    checkPublisher(got, 5, sizes);
  });
});

Deno.test("the size table covers the edges", () => {
  assert.ok(SIZES.includes(0) && SIZES.includes(MAX_DATA));
});
