import assert from "node:assert/strict";
import { type ExceptionContext, getRunningLoop } from "../loop/mod.ts";
import {
  CancelledError,
  createTask,
  run,
  sleep,
  timeout,
  TimeoutError,
} from "../task/mod.ts";
import { LimitOverrunError } from "./mod.ts";
import { openConnection } from "./open_connection.ts";
import { openUnixConnection } from "./open_unix_connection.ts";
import { startServer } from "./start_server.ts";
import { startUnixServer } from "./start_unix_server.ts";
import type { StreamReader } from "./stream_reader.ts";
import type { StreamWriter } from "./stream_writer.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (b: Uint8Array) => dec.decode(b);

/** Echoes lines until EOF. */
async function echo(r: StreamReader, w: StreamWriter): Promise<void> {
  for await (const line of r) {
    w.write(line);
    await w.drain();
  }
}

/** Waits (on real time, bounded) until `cond()` holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await sleep(5);
  }
  throw new Error(`Timed out waiting until ${what}`);
}

Deno.test("openConnection() and startServer() echo lines both ways", async () => {
  const got = await run(async () => {
    await using server = await startServer(echo, { port: 0 });
    const [r, w] = await openConnection({ port: server.port });
    assert.equal((w.remoteAddr as Deno.NetAddr).port, server.port);
    assert.equal((w.localAddr as Deno.NetAddr).hostname, "127.0.0.1");
    const got: string[] = [];
    for (const msg of ["one\n", "two\n", "three\n"]) {
      w.write(msg);
      got.push(text(await r.readLine()));
    }
    w.close();
    await w.waitClosed();
    return got;
  });
  assert.deepEqual(got, ["one\n", "two\n", "three\n"]);
});

Deno.test("a handler that throws is reported and closes only its own connection", async () => {
  const reports: ExceptionContext[] = [];
  const got = await run(async () => {
    getRunningLoop().setExceptionHandler((_loop, ctx) => reports.push(ctx));
    await using server = await startServer(async (r, w) => {
      for await (const line of r) {
        if (text(line) === "boom\n") throw new Error("handler exploded");
        w.write(line);
      }
    }, { port: 0 });
    const [r1, w1] = await openConnection({ port: server.port });
    const [r2, w2] = await openConnection({ port: server.port });
    w1.write("boom\n");
    const eof = await r1.read();
    w2.write("still here\n");
    const line = text(await r2.readLine());
    await w1[Symbol.asyncDispose]();
    await w2[Symbol.asyncDispose]();
    return [eof.length, line];
  });
  assert.deepEqual(got, [0, "still here\n"]);
  assert.equal(reports.length, 1);
  assert.equal(
    reports[0]!.message,
    "Unhandled exception in client connected handler",
  );
  assert.equal((reports[0]!.exception as Error).message, "handler exploded");
});

Deno.test("a peer that resets mid-stream gives a write error on that connection only", async () => {
  const errors: unknown[] = [];
  const got = await run(async () => {
    await using server = await startServer(async (r, w) => {
      const first = await r.readLine();
      if (text(first) !== "stream\n") {
        w.write(first);
        return await echo(r, w);
      }
      const chunk = new Uint8Array(16 * 1024);
      try {
        for (let i = 0; i < 4096; i++) { // at most 64 MiB
          w.write(chunk);
          await w.drain();
        }
      } catch (error) {
        errors.push(error);
      }
    }, { port: 0 });
    const [r2, w2] = await openConnection({ port: server.port });
    // A raw client that closes with unread data: the kernel sends a RST.
    const raw = await Deno.connect({
      hostname: "127.0.0.1",
      port: server.port,
    });
    await raw.write(enc.encode("stream\n"));
    assert.ok((await raw.read(new Uint8Array(1024)))! > 0);
    raw.close();
    await until(() => errors.length > 0, "the server saw the reset");
    w2.write("fine\n");
    const line = text(await r2.readLine());
    await w2[Symbol.asyncDispose]();
    return line;
  });
  assert.equal(got, "fine\n");
  assert.ok(
    errors[0] instanceof Deno.errors.ConnectionReset ||
      errors[0] instanceof Deno.errors.BrokenPipe,
    `expected ConnectionReset or BrokenPipe, got ${errors[0]}`,
  );
});

Deno.test("a half-closed client still gets the server's answer", async () => {
  const got = await run(async () => {
    await using server = await startServer(async (r, w) => {
      let n = 0;
      for await (const _ of r) n++;
      w.write(`${n} lines\n`);
    }, { port: 0 });
    const [r, w] = await openConnection({ port: server.port });
    assert.ok(w.canWriteEof());
    w.write("a\nb\nc\n");
    w.writeEof();
    const answer = text(await r.readLine());
    const eof = await r.read();
    await w[Symbol.asyncDispose]();
    return [answer, eof.length];
  });
  assert.deepEqual(got, ["3 lines\n", 0]);
});

Deno.test("a line longer than the limit gets an error reply and the connection goes on", async () => {
  const got = await run(async () => {
    await using server = await startServer(async (r, w) => {
      for (;;) {
        let line: Uint8Array;
        try {
          line = await r.readUntil("\n");
        } catch (error) {
          if (!(error instanceof LimitOverrunError)) break;
          // Skip the rest of the long line, then report it.
          await r.readExactly(error.consumed);
          for (;;) {
            try {
              await r.readUntil("\n");
              break;
            } catch (e) {
              if (!(e instanceof LimitOverrunError)) throw e;
              await r.readExactly(e.consumed);
            }
          }
          w.write("error: line too long\n");
          continue;
        }
        w.write(line);
      }
    }, { port: 0, limit: 16 });
    const [r, w] = await openConnection({ port: server.port });
    w.write("short\n" + "x".repeat(1000) + "\n" + "after\n");
    const lines = [
      text(await r.readLine()),
      text(await r.readLine()),
      text(await r.readLine()),
    ];
    await w[Symbol.asyncDispose]();
    return lines;
  });
  assert.deepEqual(got, ["short\n", "error: line too long\n", "after\n"]);
});

Deno.test("a stalled client (slowloris) times out alone while others are served", async () => {
  const outcomes: string[] = [];
  const got = await run(async () => {
    await using server = await startServer(async (r, w) => {
      let hello: Uint8Array;
      try {
        // The request line must arrive within 1 s (real time; generous, so
        // a loaded machine does not time out the good client).
        hello = await timeout(1000, () => r.readLine());
      } catch (error) {
        if (!(error instanceof TimeoutError)) throw error;
        outcomes.push("timeout");
        w.write("408 too slow\n");
        return;
      }
      outcomes.push(`hello ${text(hello).trim()}`);
      w.write(hello);
      await echo(r, w);
    }, { port: 0 });
    const [goodR, goodW] = await openConnection({ port: server.port });
    goodW.write("good\n");
    assert.equal(text(await goodR.readLine()), "good\n");
    const [slowR, slowW] = await openConnection({ port: server.port });
    slowW.write("GET / HTT"); // and nothing more
    const verdict = text(await slowR.readLine());
    const eof = await slowR.read();
    goodW.write("after the stall\n");
    const after = text(await goodR.readLine());
    await slowW[Symbol.asyncDispose]();
    await goodW[Symbol.asyncDispose]();
    return [verdict, eof.length, after];
  });
  assert.deepEqual(got, ["408 too slow\n", 0, "after the stall\n"]);
  assert.deepEqual(outcomes, ["hello good", "timeout"]);
});

Deno.test("a writer whose peer stops reading stops growing past the high-water mark", async () => {
  const CHUNK = 16 * 1024;
  const ROUNDS = 4096; // 64 MiB: more than any loopback socket buffers
  const result = await run(async () => {
    let maxBuffered = 0;
    let rounds = 0;
    let readable!: StreamReader;
    await using server = await startServer(async (r, w) => {
      readable = r;
      await w.waitClosed(); // keep the connection; read later
    }, { port: 0 });
    const [r, w] = await openConnection({ port: server.port });
    const chunk = new Uint8Array(CHUNK).fill(7);
    const writer = createTask(async () => {
      for (; rounds < ROUNDS; rounds++) {
        w.write(chunk);
        maxBuffered = Math.max(maxBuffered, w.bufferSize);
        await w.drain();
      }
      w.close();
      await w.waitClosed();
    });
    // Wait until the writer makes no progress, its drain() blocked above the
    // low-water mark (drain() waits down to it once above the high mark).
    await until(() => readable !== undefined, "the server accepted");
    let last = -1;
    let stable = 0;
    for (let i = 0; stable < 10; i++) {
      if (i > 4000) throw new Error("the writer never stalled");
      await sleep(5);
      stable = rounds === last && w.bufferSize > 16 * 1024 ? stable + 1 : 0;
      last = rounds;
    }
    const stalledAt = rounds;
    const bufferedWhileStalled = w.bufferSize;
    // Now the peer reads everything.
    let total = 0;
    for (;;) {
      const data = await readable.read(1 << 20);
      if (data.length === 0) break;
      total += data.length;
    }
    await writer;
    await r.read();
    return { maxBuffered, stalledAt, bufferedWhileStalled, total };
  });
  const high = 64 * 1024;
  assert.ok(result.stalledAt < ROUNDS, `never stalled: ${result.stalledAt}`);
  assert.ok(result.bufferedWhileStalled > 16 * 1024);
  assert.ok(
    result.maxBuffered <= high + CHUNK,
    `buffer grew to ${result.maxBuffered}`,
  );
  assert.equal(result.total, CHUNK * ROUNDS);
});

Deno.test("1,000 concurrent connections are served and closed with nothing leaked", async () => {
  const N = 1000;
  const got = await run(async () => {
    await using server = await startServer(echo, { port: 0 });
    const clients = Array.from({ length: N }, (_, i) =>
      createTask(async () => {
        const [r, w] = await openConnection({ port: server.port });
        try {
          w.write(`client ${i}\n`);
          return text(await r.readLine());
        } finally {
          w.close();
          await w.waitClosed();
        }
      }));
    const replies: string[] = [];
    for (const c of clients) replies.push(await c);
    server.close();
    await server.waitClosed();
    return { replies, open: server.connectionCount };
  });
  assert.equal(got.replies.length, N);
  got.replies.forEach((line, i) => assert.equal(line, `client ${i}\n`));
  assert.equal(got.open, 0);
});

Deno.test("Server.close() stops accepting; waitClosed() waits for the connected clients", async () => {
  const events: string[] = [];
  await run(async () => {
    const server = await startServer(echo, { port: 0 });
    const port = server.port;
    const [r1, w1] = await openConnection({ port });
    const [r2, w2] = await openConnection({ port });
    w1.write("1\n");
    w2.write("2\n");
    await r1.readLine();
    await r2.readLine();
    server.close();
    events.push(`serving ${server.isServing()}`);
    // A new client is refused, or reset if it raced the listener's close.
    const late = await openConnection({ port }).then(
      async ([r, w]) => {
        w.write("late\n");
        const got = await r.readLine().then(text, (e) => e.name);
        await w[Symbol.asyncDispose]();
        return got;
      },
      (e) => e.name,
    );
    assert.ok(
      ["ConnectionRefused", "ConnectionReset", ""].includes(late),
      `late client got ${late}`,
    );
    const closed = createTask(async () => {
      await server.waitClosed();
      events.push("server closed");
    });
    // Connected clients are still served after close().
    w1.write("still\n");
    events.push(`echo ${text(await r1.readLine()).trim()}`);
    w1.close();
    await w1.waitClosed();
    events.push("client 1 left");
    await sleep(1);
    events.push("closeClients");
    server.closeClients();
    await closed;
    events.push(`client 2 eof ${(await r2.read()).length}`);
    w2.close();
    await w2.waitClosed();
  });
  assert.deepEqual(events, [
    "serving false",
    "echo still",
    "client 1 left",
    "closeClients",
    "server closed",
    "client 2 eof 0",
  ]);
});

Deno.test("Server.serveForever() cancelled closes the server and its clients", async () => {
  await run(async () => {
    const server = await startServer(echo, { port: 0 });
    const [r, w] = await openConnection({ port: server.port });
    w.write("x\n");
    await r.readLine();
    const serving = createTask(() => server.serveForever());
    await sleep(1);
    serving.cancel();
    await assert.rejects(serving, CancelledError);
    assert.equal((await r.read()).length, 0);
    await server.waitClosed();
    await w[Symbol.asyncDispose]();
  });
});

Deno.test("a cancelled read on a socket loses no byte", async () => {
  const got = await run(async () => {
    await using server = await startServer(async (r, w) => {
      w.write("01234");
      await r.readLine(); // go on when told
      w.write("56789");
      await r.read();
    }, { port: 0 });
    const [r, w] = await openConnection({ port: server.port });
    const waiting = createTask(() => r.readExactly(10));
    await until(() => r.bufferSize === 5, "five bytes arrived");
    waiting.cancel();
    await assert.rejects(waiting, CancelledError);
    w.write("go\n");
    const all = text(await r.readExactly(10));
    await w[Symbol.asyncDispose]();
    return all;
  });
  assert.equal(got, "0123456789");
});

Deno.test("openConnection() to a closed port throws ConnectionRefused", async () => {
  await run(async () => {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = listener.addr.port;
    listener.close();
    await assert.rejects(
      openConnection({ port }),
      Deno.errors.ConnectionRefused,
    );
    await assert.rejects(
      openConnection({ port, signal: AbortSignal.abort(new Error("pre")) }),
      /pre/,
    );
  });
});

Deno.test("openUnixConnection() and startUnixServer() echo over a socket file", async () => {
  // Deno 2.9+ wants `--allow-net=unix:<exact path>`: a fixed path the
  // test task grants (see deno.json).
  const path = "/tmp/aio-test-io-1.sock";
  await Deno.remove(path).catch(() => {});
  const got = await run(async () => {
    const server = await startUnixServer(echo, { path });
    const [r, w] = await openUnixConnection(path);
    w.write("over unix\n");
    const line = text(await r.readLine());
    await w[Symbol.asyncDispose]();
    await server[Symbol.asyncDispose]();
    return line;
  });
  const left = await Deno.stat(path).then(() => true, () => false);
  assert.equal(got, "over unix\n");
  assert.equal(left, false, "the socket file is removed on close");
});

Deno.test("openConnection() with tls talks to startServer() with a certificate", async () => {
  const cert = await Deno.readTextFile(
    new URL("./testdata/cert.pem", import.meta.url),
  );
  const key = await Deno.readTextFile(
    new URL("./testdata/key.pem", import.meta.url),
  );
  const got = await run(async () => {
    await using server = await startServer(echo, {
      port: 0,
      tls: { cert, key },
    });
    const [r, w] = await openConnection({
      port: server.port,
      tls: { caCerts: [cert] },
    });
    assert.equal(w.canWriteEof(), false);
    w.write("secret\n");
    const line = text(await r.readLine());
    await w[Symbol.asyncDispose]();
    return line;
  });
  assert.equal(got, "secret\n");
});

Deno.test("openConnection() with tls rejects an untrusted certificate", async () => {
  const cert = await Deno.readTextFile(
    new URL("./testdata/cert.pem", import.meta.url),
  );
  const key = await Deno.readTextFile(
    new URL("./testdata/key.pem", import.meta.url),
  );
  await run(async () => {
    await using server = await startServer(async (r) => {
      await r.read().catch(() => {});
    }, { port: 0, tls: { cert, key } });
    await assert.rejects(openConnection({ port: server.port, tls: true }));
  });
});

Deno.test("Server.abortClients() ends connections whose peers stopped reading", async () => {
  const outcomes: string[] = [];
  await run(async () => {
    const server = await startServer(async (_r, w) => {
      const chunk = new Uint8Array(64 * 1024);
      try {
        for (let i = 0; i < 4096; i++) { // at most 256 MiB
          w.write(chunk);
          await w.drain();
        }
        outcomes.push("wrote everything");
      } catch (error) {
        outcomes.push((error as Error).message);
      }
    }, { port: 0 });
    // A client that never reads.
    const raw = await Deno.connect({
      hostname: "127.0.0.1",
      port: server.port,
    });
    await until(() => server.connectionCount === 1, "the server accepted");
    server.close();
    server.abortClients();
    await server.waitClosed();
    assert.equal(server.connectionCount, 0);
    raw.close();
  });
  assert.deepEqual(outcomes, ["Cannot write: StreamWriter is closing"]);
});
