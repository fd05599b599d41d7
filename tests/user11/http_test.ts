// The HTTP/1.1 server on aio streams: keep-alive, pipelining order, chunked
// and Content-Length bodies, the header limit, slow clients, the connection
// cap.
import assert from "node:assert/strict";
import { run } from "@aio/asyncio/task";
import { openConnection } from "@aio/asyncio/io";
import { Event } from "@aio/asyncio/sync";
import { startHttpServer } from "./http_server.ts";
import { readResponse, sleepRoute } from "./_util.ts";

const enc = new TextEncoder();

Deno.test("fetch keep-alive reuses one connection", async () => {
  await run(async () => {
    await using srv = await startHttpServer({});
    const client = Deno.createHttpClient({});
    try {
      for (let i = 0; i < 20; i++) {
        const r = await fetch(`http://127.0.0.1:${srv.port}/echo`, {
          client,
          method: "POST",
          body: `msg ${i}`,
        });
        assert.equal(r.status, 200);
        assert.equal(await r.text(), `msg ${i}`);
      }
    } finally {
      client.close();
    }
    assert.equal(srv.stats.accepted, 1);
    assert.equal(srv.stats.requests, 20);
  });
});

Deno.test("pipelined responses come back in request order", async () => {
  const log: string[] = [];
  await run(async () => {
    await using srv = await startHttpServer({
      routes: { "/sleep": sleepRoute(log) },
    });
    const [reader, writer] = await openConnection({ port: srv.port });
    // The first is the slowest: the answers must still come in order.
    const reqs = [
      "GET /sleep?ms=60&name=a HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
      "GET /sleep?ms=10&name=b HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "3\r\nabc\r\n4;ext=1\r\ndefg\r\n0\r\nX-Trailer: 1\r\n\r\n",
      "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    ];
    writer.write(reqs.join(""));
    const got: string[] = [];
    for (;;) {
      const res = await readResponse(reader);
      if (res === null) break;
      got.push(`${res.status} ${res.body.trim()}`);
    }
    await writer[Symbol.asyncDispose]();
    assert.deepEqual(got, [
      "200 slept a",
      "200 hello",
      "200 slept b",
      "200 abcdefg",
      "404 not found",
    ]);
  });
  // Requests were handled one after another, in order.
  assert.deepEqual(log, ["start a", "end a", "start b", "end b"]);
});

Deno.test("pipelined requests split at every byte boundary", async () => {
  await run(async () => {
    await using srv = await startHttpServer({});
    const [reader, writer] = await openConnection({ port: srv.port });
    const one =
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" +
      "2\r\nok\r\n0\r\n\r\n";
    const bytes = enc.encode(one.repeat(3));
    for (let i = 0; i < bytes.length; i++) {
      writer.write(bytes.subarray(i, i + 1));
      await writer.drain();
    }
    for (let i = 0; i < 3; i++) {
      const res = await readResponse(reader);
      assert.equal(res?.body, "ok");
    }
    await writer[Symbol.asyncDispose]();
  });
});

Deno.test("a head over the reader's limit gets 431 and the connection closes", async () => {
  await run(async () => {
    await using srv = await startHttpServer({ headerLimit: 1024 });
    const [reader, writer] = await openConnection({ port: srv.port });
    writer.write(
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(4000)}\r\n\r\n`,
    );
    const res = await readResponse(reader);
    assert.equal(res?.status, 431);
    assert.equal(res?.headers.get("connection"), "close");
    assert.equal(await readResponse(reader), null);
    await writer[Symbol.asyncDispose]();
    assert.equal(srv.stats.headerTooLarge, 1);
  });
});

Deno.test("a body far larger than the reader's limit is read whole", async () => {
  await run(async () => {
    await using srv = await startHttpServer({ headerLimit: 1024 });
    const client = Deno.createHttpClient({});
    try {
      const body = "x".repeat(200_000);
      const r = await fetch(`http://127.0.0.1:${srv.port}/echo`, {
        client,
        method: "POST",
        body,
      });
      assert.equal((await r.text()).length, body.length);
    } finally {
      client.close();
    }
  });
});

Deno.test("a slow client gets 408 and the connection closes", async () => {
  await run(async () => {
    await using srv = await startHttpServer({ requestTimeoutMs: 150 });
    const [reader, writer] = await openConnection({ port: srv.port });
    writer.write(
      "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12",
    );
    const res = await readResponse(reader);
    assert.equal(res?.status, 408);
    assert.equal(await readResponse(reader), null);
    await writer[Symbol.asyncDispose]();
    assert.equal(srv.stats.timeouts408, 1);
  });
});

Deno.test("an idle keep-alive connection is closed quietly after idleTimeoutMs", async () => {
  await run(async () => {
    await using srv = await startHttpServer({ idleTimeoutMs: 100 });
    const [reader, writer] = await openConnection({ port: srv.port });
    writer.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal((await readResponse(reader))?.status, 200);
    // No 408 for an idle connection: just EOF.
    assert.equal(await readResponse(reader), null);
    await writer[Symbol.asyncDispose]();
    assert.equal(srv.stats.timeouts408, 0);
  });
});

Deno.test("the connection cap: a second connection waits for the first", async () => {
  const log: string[] = [];
  await run(async () => {
    const started = new Event();
    await using srv = await startHttpServer({
      maxConnections: 1,
      routes: { "/sleep": sleepRoute(log, started) },
    });
    const [r1, w1] = await openConnection({ port: srv.port });
    w1.write("GET /sleep?ms=0&name=one HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal((await readResponse(r1))?.status, 200);
    // Connection 1 holds the only permit (idle keep-alive).
    const [r2, w2] = await openConnection({ port: srv.port });
    w2.write(
      "GET /sleep?ms=0&name=two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    // Until the first one goes, the second is not served.
    // (Not `await r1.read(0)` in a loop: that never lets the accept in.)
    for (let i = 0; i < 400 && srv.connStates().length < 2; i++) {
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.deepEqual(srv.connStates().sort(), ["idle", "waiting-permit"]);
    await w1[Symbol.asyncDispose]();
    const res = await readResponse(r2);
    assert.equal(res?.body, "slept two\n");
    await w2[Symbol.asyncDispose]();
  });
  assert.deepEqual(log, ["start one", "end one", "start two", "end two"]);
});

Deno.test("the connection cap: past permitWaitMs a waiting connection gets 503", async () => {
  await run(async () => {
    await using srv = await startHttpServer({
      maxConnections: 1,
      permitWaitMs: 50,
    });
    const [r1, w1] = await openConnection({ port: srv.port });
    w1.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal((await readResponse(r1))?.status, 200);
    const [r2, w2] = await openConnection({ port: srv.port });
    const res = await readResponse(r2);
    assert.equal(res?.status, 503);
    await w2[Symbol.asyncDispose]();
    await w1[Symbol.asyncDispose]();
    assert.equal(srv.stats.rejected503, 1);
  });
});
