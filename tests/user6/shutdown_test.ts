/**
 * Cancelling the running broker + bridge with traffic in flight: every
 * peer sees its stream end, and nothing leaks (Deno's op and resource
 * sanitizers are on).
 */
import assert from "node:assert/strict";
import { openConnection, readerFromStream } from "@aio/asyncio/io";
import { CancelledError, createTask, run, timeout } from "@aio/asyncio/task";
import { Event } from "@aio/asyncio/sync";
import { type Bridge, type Broker, BrokerClient, serve } from "./broker.ts";
import { FrameReader, MAX_DATA } from "./protocol.ts";
import { payload } from "./_util.ts";

Deno.test("cancelling serve() mid-traffic closes every connection and leaks nothing", async () => {
  await run(async () => {
    let broker: Broker | undefined;
    let bridge: Bridge | undefined;
    const ready = new Event();
    const app = createTask(() =>
      serve({ tcp: 0, http: 0 }, (b, h) => {
        broker = b;
        bridge = h;
        ready.set();
      })
    );
    await timeout(5_000, () => ready.wait());

    // A reading subscriber, a stopped one, an HTTP stream, a publisher
    // stopped mid-frame, and one publishing 1 MiB messages in a loop.
    const reading = await BrokerClient.connect(broker!.port);
    await reading.subscribe("t");
    const stopped = await BrokerClient.connect(broker!.port);
    await stopped.subscribe("t");
    const res = await fetch(`${bridge!.url}/sub/t?type=bytes`);
    const http = new FrameReader(readerFromStream(res.body!));
    const [hr, hw] = await openConnection({
      hostname: "127.0.0.1",
      port: broker!.port,
    });
    hw.write(new Uint8Array([0, 0, 0, 100, 0x50, 1]));
    const pub = await BrokerClient.connect(broker!.port);
    const publishing = createTask(async () => {
      for (let seq = 0; seq < 1_000; seq++) {
        pub.publish("t", payload(4, seq, MAX_DATA));
        await pub.flush();
      }
    });
    // Let traffic flow: the reading subscriber gets a few messages.
    await timeout(10_000, async () => {
      for (let i = 0; i < 3; i++) assert.ok(await reading.next());
    });
    assert.ok(broker!.server.connectionCount >= 5);

    // The HTTP client keeps reading: Deno.serve's shutdown() waits for its
    // responses to be delivered, and an errored body stream alone did not end it.
    const httpDone = createTask(async () => {
      for (let i = 0; i < 2_000; i++) {
        const f = await http.next().catch(() => null);
        if (f === null) break;
      }
    });
    app.cancel();
    const end = await timeout(10_000, () => app).catch((e) => e);
    // serve()'s `await using` cleanup awaits Deno.serve's native shutdown()
    // and then the broker's waitClosed(): the README's two-tick rule cancels
    // that library wait once more, so JS reports a SuppressedError of two
    // CancelledErrors. Documented (Pitfalls), but surprising in a disposer.
    const onlyCancels = end instanceof CancelledError ||
      (end instanceof SuppressedError && end.error instanceof CancelledError &&
        end.suppressed instanceof CancelledError);
    assert.ok(onlyCancels, `serve() ended with ${end}`);
    assert.equal(broker!.server.isServing(), false);
    assert.equal(broker!.server.connectionCount, 0);
    assert.equal(bridge!.open, 0);

    // Every peer sees its stream end (EOF, or a reset for the publisher).
    await timeout(10_000, async () => {
      for (const c of [reading, stopped]) {
        for (let i = 0; i < 2_000; i++) {
          const m = await c.next().catch(() => null);
          if (m === null) break;
        }
      }
      await httpDone;
      assert.equal((await hr.read()).length, 0);
      await publishing.then(() => {}, () => {});
    });
    for (const w of [reading.writer, stopped.writer, pub.writer, hw]) {
      w.abort();
      await w.waitClosed();
    }
  });
});
