/**
 * The broker's fan-out and backpressure policy on the virtual clock: no
 * sockets, subscribers are StreamWriters over sinks whose speed we choose.
 */
import assert from "node:assert/strict";
import { StreamWriter, type WriteSink } from "@aio/asyncio/io";
import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import { run, sleep, taskGroup, timeout } from "@aio/asyncio/task";
import { Hub } from "./broker.ts";
import { decodePayload, MAX_DATA } from "./protocol.ts";

const MSG = 100 * 1024;
const COUNT = 100;

/** A sink that takes `msPerWrite` per chunk (Infinity: never) and records frames. */
function sink(msPerWrite: number) {
  const chunks: Uint8Array[] = [];
  const s: WriteSink = {
    write: async (chunk) => {
      if (msPerWrite === Infinity) return await new Promise<never>(() => {});
      await sleep(msPerWrite);
      chunks.push(chunk.slice());
    },
    close: () => {},
  };
  const frames = () => {
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let off = 0;
    for (const c of chunks) all.set(c, off), off += c.length;
    const out: Uint8Array[] = [];
    const view = new DataView(all.buffer);
    for (let i = 0; i + 4 <= all.length;) {
      const len = view.getUint32(i);
      out.push(decodePayload(all.subarray(i + 4, i + 4 + len)).data);
      i += 4 + len;
    }
    return out;
  };
  return { sink: s, frames };
}

function mark(seq: number): Uint8Array {
  const d = new Uint8Array(MSG);
  new DataView(d.buffer).setUint32(0, seq);
  d.fill(seq & 0xff, 4);
  return d;
}

function checkAll(frames: Uint8Array[]): void {
  assert.equal(frames.length, COUNT);
  frames.forEach((f, seq) => {
    assert.equal(
      new DataView(f.buffer, f.byteOffset).getUint32(0),
      seq,
      "order",
    );
    assert.equal(f.length, MSG);
    assert.ok(
      f.subarray(4).every((b) => b === (seq & 0xff)),
      `bytes of ${seq}`,
    );
  });
}

Deno.test("virtual: a stopped subscriber stalls the publisher for graceMs once, then is dropped", async () => {
  const result = await run(async () => {
    const hub = new Hub(2 * MAX_DATA, 500);
    const fast = sink(1);
    const stopped = sink(Infinity);
    const fastBox = hub.outbox(new StreamWriter(fast.sink));
    const stoppedBox = hub.outbox(new StreamWriter(stopped.sink));
    hub.subscribe("t", fastBox);
    hub.subscribe("t", stoppedBox);
    const start = getRunningLoop().time();
    await timeout(60_000, () =>
      taskGroup(async (tg) => {
        tg.createTask(() => fastBox.pump());
        tg.createTask(() => stoppedBox.pump());
        for (let seq = 0; seq < COUNT; seq++) {
          await hub.publish("t", mark(seq));
          await sleep(2);
        }
        fastBox.close();
        stoppedBox.close();
      }));
    return {
      fast: fast.frames(),
      elapsed: getRunningLoop().time() - start,
      stats: hub.stats,
      stoppedBox,
      hub,
    };
  }, { clock: new VirtualClock() });
  checkAll(result.fast);
  assert.equal(result.stats.dropped, 1);
  assert.ok(result.stoppedBox.dropped);
  assert.ok(result.stats.peakQueued <= 2 * MAX_DATA);
  assert.equal(result.hub.topics.get("t")?.size, 1);
  // 100 publishes 2 ms apart, plus one grace period of 500 ms.
  assert.ok(
    result.elapsed >= 500 && result.elapsed <= COUNT * 2 + 500 + 50,
    `elapsed ${result.elapsed}`,
  );
});

Deno.test("virtual: a subscriber slower than the publisher but alive paces it and is kept", async () => {
  const result = await run(async () => {
    const hub = new Hub(2 * MAX_DATA, 500);
    const fast = sink(0);
    const slow = sink(30); // 30 ms per write: much slower than 1 publish / 2 ms
    const a = hub.outbox(new StreamWriter(fast.sink));
    const b = hub.outbox(new StreamWriter(slow.sink));
    hub.subscribe("t", a);
    hub.subscribe("t", b);
    await taskGroup(async (tg) => {
      tg.createTask(() => a.pump());
      tg.createTask(() => b.pump());
      for (let seq = 0; seq < COUNT; seq++) {
        await hub.publish("t", mark(seq));
        await sleep(2);
      }
      a.close();
      b.close();
    });
    return { fast: fast.frames(), slow: slow.frames(), stats: hub.stats };
  }, { clock: new VirtualClock() });
  checkAll(result.fast);
  checkAll(result.slow);
  assert.equal(result.stats.dropped, 0);
  assert.ok(result.stats.peakQueued <= 2 * MAX_DATA);
});

Deno.test("virtual: a budget below one frame is refused", () => {
  assert.throws(() => new Hub(1024), RangeError);
});
