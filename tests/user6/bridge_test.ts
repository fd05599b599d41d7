/**
 * The HTTP bridge: fetch POST publishes, GET streams a topic out as a
 * ReadableStream (a default stream, and a byte stream fed with the
 * reader's results as they are). Real clock, loopback only.
 */
import assert from "node:assert/strict";
import { readerFromStream } from "@aio/asyncio/io";
import { run, sleep, timeout } from "@aio/asyncio/task";
import { BrokerClient, startBridge, startBroker } from "./broker.ts";
import { FrameReader, MAX_DATA, OP } from "./protocol.ts";
import { payload, sameBytes, sizesFor } from "./_util.ts";

for (const type of ["default", "bytes"] as const) {
  Deno.test(`GET /sub streams every message byte-exact (${type} stream), POSTs and TCP publishes mixed`, async () => {
    await run(async () => {
      await using broker = await startBroker();
      await using bridge = await startBridge(broker.port);
      // Two publishers at once: fetch POSTs (publisher 1, through the
      // bridge) and raw TCP (publisher 2). Order is defined per publisher.
      const plans = new Map([[1, sizesFor(1)], [2, sizesFor(2)]]);
      const total = sizesFor(1).length + sizesFor(2).length;

      const res = await fetch(`${bridge.url}/sub/news?type=${type}`);
      assert.equal(res.status, 200);
      const stop = new AbortController();
      const frames = new FrameReader(
        readerFromStream(res.body!, { signal: stop.signal }),
        "into",
      );

      await timeout(30_000, async () => {
        await using tcp = await BrokerClient.connect(broker.port);
        const next = new Map([[1, 0], [2, 0]]);
        const reading = async () => {
          for (let i = 0; i < total; i++) {
            const f = await frames.next();
            assert.ok(f, `stream ended after ${i} messages`);
            assert.equal(f.op, OP.MSG);
            assert.equal(f.topic, "news");
            // It must be the next message of one of the publishers.
            const from = [1, 2].find((p) => {
              const seq = next.get(p)!;
              const size = plans.get(p)![seq];
              return size !== undefined &&
                sameBytes(f.data, payload(p, seq, size)) === null;
            });
            assert.ok(
              from,
              `message ${i} (${f.data.length} B) is nobody's next; next=${[
                ...next,
              ]}`,
            );
            next.set(from, next.get(from)! + 1);
          }
        };
        const posting = async () => {
          for (const [seq, size] of plans.get(1)!.entries()) {
            const r = await fetch(`${bridge.url}/pub/news`, {
              method: "POST",
              body: payload(1, seq, size),
            });
            assert.equal(r.status, 202);
            await r.body?.cancel();
          }
        };
        const sending = async () => {
          for (const [seq, size] of plans.get(2)!.entries()) {
            tcp.publish("news", payload(2, seq, size));
            await tcp.flush();
          }
        };
        await Promise.all([reading(), posting(), sending()]);
      });
      assert.equal(bridge.open, 1);
      stop.abort(); // cancels the body: the bridge lets its subscription go
      for (let i = 0; i < 1_000 && broker.hub.topics.has("news"); i++) {
        await sleep(5);
      }
      assert.equal(
        broker.hub.topics.has("news"),
        false,
        "the subscription was let go",
      );
      assert.equal(bridge.open, 0);
    });
  });
}

Deno.test("a POST over 1 MiB is refused; an empty POST publishes an empty message", async () => {
  await run(async () => {
    await using broker = await startBroker();
    await using bridge = await startBridge(broker.port);
    await using sub = await BrokerClient.connect(broker.port);
    await sub.subscribe("x");
    const big = await fetch(`${bridge.url}/pub/x`, {
      method: "POST",
      body: new Uint8Array(MAX_DATA + 1),
    });
    assert.equal(big.status, 413);
    await big.body?.cancel();
    const empty = await fetch(`${bridge.url}/pub/x`, { method: "POST" });
    assert.equal(empty.status, 202);
    await empty.body?.cancel();
    const m = await timeout(5_000, () => sub.next());
    assert.equal(m?.data.length, 0);
  });
});

Deno.test("closing the bridge ends open streams: the fetch body sees a clean end", async () => {
  await run(async () => {
    await using broker = await startBroker();
    const bridge = await startBridge(broker.port);
    const res = await fetch(`${bridge.url}/sub/t?type=bytes`);
    const res2 = await fetch(`${bridge.url}/sub/t`);
    await bridge.close();
    // Both bodies end (no hang, no error left pending for the sanitizers).
    for (const r of [res, res2]) {
      const frames = new FrameReader(readerFromStream(r.body!));
      const f = await timeout(5_000, () => frames.next().catch((e) => e));
      assert.ok(f === null || f instanceof Error, `got ${f}`);
    }
    assert.equal(bridge.open, 0);
  });
});
