/**
 * Cancellation in the middle of a frame: the stream stays usable (no byte
 * lost or duplicated), or is closed cleanly. Real loopback sockets.
 *
 * The server sends a frame's header and half its payload, then waits until
 * the client says "go": until then no read of the whole frame can finish,
 * so every timeout below is certain to cancel a read mid-frame.
 */
import assert from "node:assert/strict";
import {
  IncompleteReadError,
  openConnection,
  startServer,
} from "@aio/asyncio/io";
import {
  CancelledError,
  createTask,
  run,
  sleep,
  timeout,
  TimeoutError,
} from "@aio/asyncio/task";
import { FrameReader } from "./protocol.ts";
import { payload, sameBytes } from "./_util.ts";
import { BrokerClient, startBroker } from "./broker.ts";

const SIZE = 300_001;

function frameOf(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + data.length);
  new DataView(out.buffer).setUint32(0, data.length);
  out.set(data, 4);
  return out;
}

/** A server that sends frame 0 in two halves (the second on "go"), then frame 1. */
function halfFrameServer(first: Uint8Array, second: Uint8Array) {
  return startServer(async (r, w) => {
    const f = frameOf(first);
    const cut = 4 + (first.length >> 1);
    w.write(f.subarray(0, cut));
    await w.drain();
    await r.readExactly(2); // "go"
    w.write(f.subarray(cut));
    w.write(frameOf(second));
    await w.drain();
    await r.read(); // until the client hangs up
  }, { hostname: "127.0.0.1", port: 0 });
}

for (const mode of ["exactly", "into"] as const) {
  for (const how of ["timeout", "signal", "task.cancel"] as const) {
    Deno.test(`a ${mode} frame read cancelled mid-frame (${how}) resumes byte-exact`, async () => {
      await run(async () => {
        const first = payload(1, 0, SIZE);
        const second = payload(1, 1, 17);
        await using server = await halfFrameServer(first, second);
        const [reader, writer] = await openConnection({
          hostname: "127.0.0.1",
          port: server.port,
        });
        const frames = new FrameReader(reader, mode);

        // Cancel reads until the frame is surely under way (bounded).
        let cancels = 0;
        for (let i = 0; i < 200 && !(frames.midFrame && cancels >= 3); i++) {
          if (how === "timeout") {
            await assert.rejects(
              timeout(10, () => frames.nextPayload()),
              TimeoutError,
            );
          } else if (how === "signal") {
            await assert.rejects(
              frames.nextPayload({ signal: AbortSignal.timeout(10) }),
              (e: Error) => e.name === "TimeoutError",
            );
          } else {
            const t = createTask(() => frames.nextPayload());
            await sleep(10);
            t.cancel();
            await assert.rejects(t, CancelledError);
          }
          cancels++;
        }
        assert.ok(frames.midFrame, "the header was read before a cancellation");

        writer.write("go");
        const got = await timeout(10_000, () => frames.nextPayload());
        assert.equal(sameBytes(got!, first), null);
        const next = await timeout(10_000, () => frames.nextPayload());
        assert.equal(
          sameBytes(next!, second),
          null,
          "the following frame is intact",
        );

        writer.close();
        await writer.waitClosed();
      });
    });
  }
}

Deno.test("readInto cancelled while the socket reads, then readInto into another buffer: no byte lost", async () => {
  await run(async () => {
    const data = payload(2, 0, 100_000);
    await using server = await startServer(async (r, w) => {
      await r.readExactly(2); // "go"
      w.write(data);
      await w.drain();
      await r.read();
    }, { hostname: "127.0.0.1", port: 0 });
    const [reader, writer] = await openConnection({
      hostname: "127.0.0.1",
      port: server.port,
    });
    const a = new Uint8Array(64 * 1024);
    // Nothing can arrive before "go": this readInto is cancelled while it
    // waits, with the socket reading into `a`.
    await assert.rejects(timeout(20, () => reader.readInto(a)), TimeoutError);
    writer.write("go");
    // Documented: `a` may still receive that read's bytes, and the reader
    // keeps a copy of them for the next read.
    const b = new Uint8Array(100_000);
    let off = 0;
    await timeout(10_000, async () => {
      while (off < b.length) {
        const n = await reader.readInto(b.subarray(off));
        assert.ok(n > 0, `EOF at ${off}`);
        off += n;
      }
    });
    assert.equal(sameBytes(b, data), null);
    writer.close();
    await writer.waitClosed();
  });
});

Deno.test("a broker shut down while a publisher is mid-frame closes that connection cleanly", async () => {
  await run(async () => {
    const broker = await startBroker();
    await using sub = await BrokerClient.connect(broker.port);
    await sub.subscribe("t");
    const [r, w] = await openConnection({
      hostname: "127.0.0.1",
      port: broker.port,
    });
    // A PUB frame announcing 1000 bytes, of which only the header and 10 come.
    const frame = new Uint8Array(4 + 2 + 1 + 10);
    new DataView(frame.buffer).setUint32(0, 2 + 1 + 1000);
    frame.set([0x50, 1, 0x74], 4);
    w.write(frame);
    await w.drain();
    assert.equal(broker.server.connectionCount, 2);
    await timeout(5_000, () => broker.close());
    assert.equal(broker.server.connectionCount, 0);
    assert.equal(broker.hub.topics.size, 0, "nothing left subscribed");
    assert.equal(
      broker.hub.stats.published,
      0,
      "the half frame was not published",
    );
    // Both peers see the end of the stream.
    assert.equal((await timeout(5_000, () => r.read())).length, 0);
    assert.equal(await timeout(5_000, () => sub.next()), null);
    w.close();
    await w.waitClosed();
  });
});

Deno.test("a subscriber reading mid-frame when the broker goes away gets IncompleteReadError with the partial bytes", async () => {
  await run(async () => {
    const data = payload(3, 0, 200_000);
    await using server = await startServer(async (_r, w) => {
      w.write(frameOf(data).subarray(0, 4 + 50_000));
      await w.drain();
      // returning closes the connection, mid-frame
    }, { hostname: "127.0.0.1", port: 0 });
    const [reader, writer] = await openConnection({
      hostname: "127.0.0.1",
      port: server.port,
    });
    const frames = new FrameReader(reader, "exactly");
    const err = await timeout(
      5_000,
      () => frames.nextPayload().then(() => null, (e) => e),
    );
    assert.ok(err instanceof IncompleteReadError, `got ${err}`);
    assert.equal(err.expected, 200_000);
    assert.equal(sameBytes(err.partial, data.subarray(0, 50_000)), null);
    assert.ok(reader.atEof());
    writer.close();
    await writer.waitClosed();
  });
});
