// deno test --allow-net=127.0.0.1 tests/user/chat_test.ts
// Real clock: sockets are host I/O, and a VirtualClock would jump past the
// idle timeouts while the loop waits for socket I/O (it treats that as idle).
import assert from "node:assert/strict";
import {
  createTask,
  run,
  sleep,
  taskGroup,
  timeout,
  TimeoutError,
  waitFor,
} from "@aio/asyncio/task";
import { Event } from "@aio/asyncio/sync";
import { openConnection } from "@aio/asyncio/io";
import { getRunningLoop } from "@aio/asyncio/loop";
import { ChatServer } from "./chat.ts";

const dec = new TextDecoder();

interface Transcript {
  /** Message numbers received, per sender. */
  byFrom: Map<string, number[]>;
  /** Payloads that arrived cut or changed. */
  bad: number;
  /** Server notices (`server: ...`) and `WELCOME`. */
  notices: string[];
  bye?: string;
  /** ms from NICK to EOF. */
  lastedMs: number;
}

/** A client that sends `count` messages, heart-beats, and reads until it
 * has every message of its `peers`, then quits. */
async function chatter(
  port: number,
  nick: string,
  options: { count: number; payload: number; gapMs: number; peers: string[] },
): Promise<Transcript> {
  const [reader, w] = await openConnection({ port });
  await using writer = w;
  const t: Transcript = { byFrom: new Map(), bad: 0, notices: [], lastedMs: 0 };
  const expected = options.peers.length * options.count;
  let received = 0;
  const haveAll = new Event();
  const t0 = performance.now();
  writer.write(`NICK ${nick}\n`);
  await taskGroup(async (tg) => {
    tg.createTask(async () => {
      for await (const raw of reader) {
        const line = dec.decode(raw).replace(/\n$/, "");
        const m = /^(\w+): (\d+) (x*)$/.exec(line);
        if (m && options.peers.includes(m[1]!)) {
          const from = t.byFrom.get(m[1]!) ?? [];
          from.push(Number(m[2]));
          t.byFrom.set(m[1]!, from);
          if (m[3]!.length !== options.payload) t.bad++;
          if (++received === expected) haveAll.set();
        } else if (line.startsWith("BYE ")) t.bye = line.slice(4);
        else t.notices.push(line);
      }
      t.lastedMs = performance.now() - t0;
      haveAll.set();
    }, { name: `${nick}-reader` });
    tg.createTask(async () => {
      while (!haveAll.isSet()) {
        try {
          await waitFor(haveAll.wait(), 100);
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
          writer.write("PING\n");
        }
      }
    }, { name: `${nick}-heartbeat` });
    for (let i = 0; i < options.count; i++) {
      writer.write(`MSG ${i} ${"x".repeat(options.payload)}\n`);
      await writer.drain();
      await sleep(options.gapMs);
    }
    // Quit only when both sides are done: a chatter whose peers were faster
    // has all their messages before it sent its own last one, and a QUIT
    // written then would end the server's reading before that message.
    await haveAll.wait();
    writer.write("QUIT\n");
  });
  return t;
}

/** A client that says hello and then only listens. */
async function idler(port: number): Promise<Transcript> {
  const [reader, w] = await openConnection({ port });
  await using _writer = w;
  const t: Transcript = { byFrom: new Map(), bad: 0, notices: [], lastedMs: 0 };
  const t0 = performance.now();
  w.write("NICK idler\n");
  for await (const raw of reader) {
    const line = dec.decode(raw).replace(/\n$/, "");
    if (line.startsWith("BYE ")) t.bye = line.slice(4);
    else if (!/^\w+: \d+ /.test(line)) t.notices.push(line);
  }
  t.lastedMs = performance.now() - t0;
  return t;
}

/** A client that heart-beats but never reads, until told to look. */
async function slowpoke(port: number, look: Event) {
  const [reader, w] = await openConnection({ port });
  await using _writer = w;
  w.write("NICK slow\n");
  let writeError: string | undefined;
  while (!look.isSet()) {
    await waitFor(look.wait(), 100).catch(() => {});
    try {
      w.write("PING\n");
    } catch (e) {
      writeError = String(e);
      break;
    }
  }
  // Now read what reached us: the server dropped us mid-stream.
  let bytes = 0;
  let end = "eof";
  try {
    while (true) {
      const chunk = await reader.read(1 << 16);
      if (chunk.length === 0) break;
      bytes += chunk.length;
    }
  } catch (e) {
    end = (e as Error).name;
  }
  return { bytes, end, writeError };
}

Deno.test("chat: no message lost for readers; idle client dropped; non-reading client kicked", async () => {
  const reports: string[] = [];
  const result = await run(async () => {
    getRunningLoop().setExceptionHandler((_loop, ctx) => {
      const e = ctx.exception as AggregateError | undefined;
      reports.push(`${ctx.message}: ${e?.errors ?? e}`);
    });
    // 64 lines of outbox: the client that never reads still overflows it
    // (300 lines of 32 KiB, more than the outbox and the sockets' buffers
    // hold), and a chatter whose reader a loaded machine holds back has
    // room. (The exchange's timeouts under load, once blamed on such kicks,
    // were the chatters' own race: a QUIT sent before their last message.)
    const chat = await ChatServer.start({ idleMs: 400, outboxSize: 64 });
    const look = new Event();
    const slow = createTask(() => slowpoke(chat.port, look));
    const idle = createTask(() => idler(chat.port));
    await sleep(50); // let them join first, so they get the flood
    const peers = ["ann", "bob", "cat"];
    const opts = (me: string) => ({
      count: 100,
      payload: 32 * 1024,
      gapMs: 8,
      peers: peers.filter((p) => p !== me),
    });
    // A kicked chatter would leave the others waiting for its messages
    // forever: bound the whole exchange.
    const transcripts = await timeout(
      10_000,
      () =>
        Promise.all(peers.map((nick) => chatter(chat.port, nick, opts(nick)))),
    ).catch((e) => {
      // Who left, and how many lines the hub carried, tell a kick or a lost
      // message from a slow machine.
      throw new Error(`exchange stuck: ${chat.events} (${chat.relayed})`, {
        cause: e,
      });
    });
    look.set();
    const [slowResult, idleResult] = [await slow, await idle];
    await chat.stop();
    return {
      transcripts,
      slowResult,
      idleResult,
      events: chat.events,
      relayed: chat.relayed,
      nicks: chat.nicks,
    };
  });
  assert.deepEqual(reports, []);
  const [ann, bob, cat] = result.transcripts;
  const upTo100 = Array.from({ length: 100 }, (_, i) => i);
  for (
    const [me, t] of [["ann", ann!], ["bob", bob!], ["cat", cat!]] as const
  ) {
    for (const peer of ["ann", "bob", "cat"].filter((p) => p !== me)) {
      assert.deepEqual(t.byFrom.get(peer), upTo100, `${me} <- ${peer}`);
    }
    assert.equal(t.bad, 0);
    assert.equal(t.bye, "quit");
    assert.ok(t.notices.includes("server: LEAVE slow (too slow)"), `${me}`);
    assert.ok(t.notices.includes("server: LEAVE idler (idle)"), `${me}`);
  }
  assert.equal(result.idleResult.bye, "idle");
  assert.ok(
    result.idleResult.lastedMs >= 380,
    `idler lasted ${result.idleResult.lastedMs} ms`,
  );
  assert.ok(result.events.includes("leave slow (too slow)"));
  assert.ok(result.events.includes("leave idler (idle)"));
  for (const p of ["ann", "bob", "cat"]) {
    assert.ok(result.events.includes(`leave ${p} (quit)`), p);
  }
  assert.equal(result.relayed, 300 + 5 + 5); // messages + JOINs + LEAVEs
  assert.deepEqual(result.nicks, []);
  // The slow client got some of the flood, then the connection was cut.
  assert.ok(result.slowResult.bytes < 300 * 32 * 1024);
});

Deno.test("chat: graceful stop sends BYE after queued lines and closes every connection", async () => {
  const got = await run(async () => {
    const chat = await ChatServer.start({ idleMs: 5000, outboxSize: 64 });
    const lines: string[][] = [[], []];
    const conns = await Promise.all(
      [0, 1].map(() => openConnection({ port: chat.port })),
    );
    const readers = conns.map(([r], i) =>
      createTask(async () => {
        for await (const raw of r) lines[i]!.push(dec.decode(raw).trim());
      })
    );
    conns[0]![1].write("NICK ann\n");
    conns[1]![1].write("NICK bob\n");
    // A third connection that never says hello.
    const [, mute] = await openConnection({ port: chat.port });
    await sleep(50);
    for (let i = 0; i < 5; i++) conns[0]![1].write(`MSG m${i}\n`);
    await sleep(50);
    await chat.stop();
    await Promise.all(readers);
    for (const [, w] of conns) await w[Symbol.asyncDispose]();
    await mute[Symbol.asyncDispose]();
    return { lines, events: chat.events };
  });
  assert.deepEqual(got.lines[1]!.filter((l) => l.startsWith("ann:")), [
    "ann: m0",
    "ann: m1",
    "ann: m2",
    "ann: m3",
    "ann: m4",
  ]);
  assert.equal(got.lines[0]!.at(-1), "BYE shutdown");
  assert.equal(got.lines[1]!.at(-1), "BYE shutdown");
  assert.deepEqual(got.events.filter((e) => e.startsWith("leave")).sort(), [
    "leave ann (shutdown)",
    "leave bob (shutdown)",
  ]);
});
