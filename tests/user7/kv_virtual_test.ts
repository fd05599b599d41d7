// The connection handler on a hand-fed reader and an in-memory writer, on
// virtual time: no real I/O, so the VirtualClock is safe here.
import assert from "node:assert/strict";
import { StreamReader, StreamWriter, type WriteSink } from "@aio/asyncio/io";
import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import { createTask, run, sleep } from "@aio/asyncio/task";
import { KvCore } from "./kv_server.ts";

const enc = new TextEncoder();

function memConn() {
  const reader = new StreamReader();
  const chunks: Uint8Array[] = [];
  let closed = false;
  const sink: WriteSink = {
    write: async (c) => void chunks.push(c.slice()),
    close: () => void (closed = true),
  };
  const writer = new StreamWriter(sink);
  const text = () => {
    const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let o = 0;
    for (const c of chunks) all.set(c, o), o += c.length;
    return new TextDecoder().decode(all);
  };
  return {
    reader,
    writer,
    feed: (s: string | Uint8Array) =>
      reader.feedData(typeof s === "string" ? enc.encode(s) : s),
    lines: () => text().split("\n").filter((l) => l !== ""),
    closed: () => closed,
  };
}

Deno.test("virtual: pipelined replies come back in command order", async () => {
  const lines = await run(async () => {
    const core = new KvCore();
    const c = memConn();
    const cmds: string[] = [];
    for (let i = 0; i < 500; i++) {
      cmds.push(`SET k${i} v${i}`, `GET k${i}`, `DEL k${i}`, `GET k${i}`);
    }
    cmds.push("NOPE", "QUIT");
    c.feed(cmds.join("\n") + "\n");
    c.reader.feedEof();
    await core.handle(c.reader, c.writer);
    c.writer.close();
    await c.writer.waitClosed();
    return c.lines();
  }, { clock: new VirtualClock() });
  const want: string[] = [];
  for (let i = 0; i < 500; i++) want.push("+OK", `$v${i}`, ":1", "_");
  want.push("-ERR unknown command 'NOPE'", "+BYE");
  assert.deepEqual(lines, want);
});

Deno.test("virtual: UTF-8 split across chunks round-trips", async () => {
  const value = "héllo wörld 🎉 日本語 👩‍👩‍👧";
  const lines = await run(async () => {
    const core = new KvCore();
    const c = memConn();
    const bytes = enc.encode(`SET ü ${value}\nGET ü\n`);
    const task = createTask(() => core.handle(c.reader, c.writer));
    // One byte at a time, a tick apart: multi-byte sequences are split.
    for (const b of bytes) {
      c.feed(new Uint8Array([b]));
      await sleep(0);
    }
    c.reader.feedEof();
    await task;
    c.writer.close();
    await c.writer.waitClosed();
    return c.lines();
  }, { clock: new VirtualClock() });
  assert.deepEqual(lines, ["+OK", `$${value}`]);
});

Deno.test("virtual: idle timeout fires at exactly idleTimeoutMs of silence", async () => {
  const [lines, closedAt, stats] = await run(async () => {
    const core = new KvCore({ idleTimeoutMs: 30_000 });
    const c = memConn();
    const t = createTask(() => core.handle(c.reader, c.writer));
    // Busy for 5 minutes of virtual time, a command every 20 s: never idle.
    for (let i = 0; i < 15; i++) {
      c.feed("PING\n");
      await sleep(20_000);
    }
    const lastAt = getRunningLoop().time();
    await t;
    return [c.lines(), getRunningLoop().time() - lastAt, core.stats] as const;
  }, { clock: new VirtualClock() });
  assert.equal(lines.filter((l) => l === "+PONG").length, 15);
  assert.equal(lines.at(-1), "-ERR idle timeout");
  // Last PING at t=280 s was answered at once; idle from 280 s to 310 s.
  assert.equal(closedAt, 10_000);
  assert.equal(stats.idleClosed, 1);
});

Deno.test("virtual: shutdown lets an in-flight command finish, idle ones stop", async () => {
  const out = await run(async () => {
    const core = new KvCore();
    const busy = memConn();
    const idle = memConn();
    const tb = createTask(() => core.handle(busy.reader, busy.writer));
    const ti = createTask(() => core.handle(idle.reader, idle.writer));
    busy.feed("SET a 1\nDEBUG SLEEP 5000\nGET a\n");
    await sleep(100);
    core.stopping.abort(new Error("shutting down"));
    await Promise.all([tb, ti]);
    return {
      t: getRunningLoop().time(),
      busy: busy.lines(),
      idle: idle.lines(),
    };
  }, { clock: new VirtualClock() });
  assert.equal(out.t, 5_000);
  // The in-flight DEBUG SLEEP finished; the next pipelined GET was not run.
  assert.deepEqual(out.busy, ["+OK", "+OK", "-ERR shutting down"]);
  assert.deepEqual(out.idle, ["-ERR shutting down"]);
});

Deno.test("virtual: the semaphore limits concurrent connections", async () => {
  const out = await run(async () => {
    const core = new KvCore({ maxConnections: 2, slotWaitMs: 1_000 });
    const cs = [memConn(), memConn(), memConn(), memConn()];
    let peak = 0;
    const tasks = cs.map((c) =>
      createTask(() => core.handle(c.reader, c.writer))
    );
    await sleep(10);
    peak = Math.max(peak, core.stats.active);
    const waiting = String(core.slots);
    // The first two hold their slots for 500 ms; the third gets one in time;
    // the fourth waits longer than slotWaitMs and is refused.
    cs[0]!.feed("DEBUG SLEEP 500\nQUIT\n");
    cs[1]!.feed("DEBUG SLEEP 1500\nQUIT\n");
    cs[2]!.feed("DEBUG SLEEP 1000\nQUIT\n");
    cs[3]!.feed("PING\nQUIT\n");
    await Promise.all(tasks);
    return {
      peak,
      waiting,
      lines: cs.map((c) => c.lines()),
      at: getRunningLoop().time(),
    };
  }, { clock: new VirtualClock() });
  assert.equal(out.peak, 2);
  assert.equal(out.waiting, "Semaphore(locked, value=0, waiters=2)");
  assert.deepEqual(out.lines[0], ["+OK", "+BYE"]);
  assert.deepEqual(out.lines[1], ["+OK", "+BYE"]);
  assert.deepEqual(out.lines[2], ["+OK", "+BYE"]);
  assert.deepEqual(out.lines[3], ["-ERR busy"]);
  assert.equal(out.at, 1_510); // fed at t=10
});
