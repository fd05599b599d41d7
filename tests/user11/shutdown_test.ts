// Graceful shutdown: stop accepting, close idle connections at once, let the
// requests in flight finish within the deadline, cancel the rest (503).
import assert from "node:assert/strict";
import { createTask, run } from "@aio/asyncio/task";
import { Event } from "@aio/asyncio/sync";
import { openConnection } from "@aio/asyncio/io";
import { startHttpServer } from "./http_server.ts";
import { readResponse, sleepRoute } from "./_util.ts";

Deno.test("graceful shutdown finishes short requests and cancels long ones", async () => {
  const log: string[] = [];
  await run(async () => {
    const two = { n: 2, event: new Event() };
    const srv = await startHttpServer({
      routes: { "/sleep": sleepRoute(log, undefined, two) },
    });
    const port = srv.port;
    // An idle keep-alive connection.
    const [ri, wi] = await openConnection({ port });
    wi.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal((await readResponse(ri))?.status, 200);
    // Two requests in flight, one short, one far past the deadline.
    const [rs, ws] = await openConnection({ port });
    ws.write("GET /sleep?ms=100&name=short HTTP/1.1\r\nHost: x\r\n\r\n");
    const [rl, wl] = await openConnection({ port });
    wl.write("GET /sleep?ms=600000&name=long HTTP/1.1\r\nHost: x\r\n\r\n");
    await two.event.wait();
    assert.deepEqual(log.toSorted(), ["start long", "start short"]);

    const shutdown = createTask(() => srv.shutdown(300));
    // The idle connection is closed at once, without a response.
    assert.equal(await readResponse(ri), null);
    assert.equal(shutdown.done(), false);
    const short = await readResponse(rs);
    assert.equal(short?.status, 200);
    assert.equal(short?.body, "slept short\n");
    assert.equal(short?.headers.get("connection"), "close");
    assert.equal(await readResponse(rs), null);
    const long = await readResponse(rl);
    assert.equal(long?.status, 503);
    assert.equal(await readResponse(rl), null);
    assert.deepEqual(await shutdown, { finished: 2, cancelled: 1 });
    // New connections are refused.
    await assert.rejects(
      openConnection({ port }),
      Deno.errors.ConnectionRefused,
    );
    for (const w of [wi, ws, wl]) await w[Symbol.asyncDispose]();
    assert.equal(srv.stats.cancelledByShutdown, 1);
  });
  assert.deepEqual(log.slice(2), ["end short", "cancelled long"]);
});

Deno.test("shutdown with pipelined requests queued: the current one finishes, the rest are dropped", async () => {
  const log: string[] = [];
  await run(async () => {
    const started = new Event();
    const srv = await startHttpServer({
      routes: { "/sleep": sleepRoute(log, started) },
    });
    const [r, w] = await openConnection({ port: srv.port });
    w.write(
      "GET /sleep?ms=50&name=1 HTTP/1.1\r\nHost: x\r\n\r\n" +
        "GET /sleep?ms=50&name=2 HTTP/1.1\r\nHost: x\r\n\r\n",
    );
    await started.wait();
    const result = createTask(() => srv.shutdown(5_000));
    const first = await readResponse(r);
    assert.equal(first?.body, "slept 1\n");
    assert.equal(first?.headers.get("connection"), "close");
    assert.equal(await readResponse(r), null);
    assert.deepEqual(await result, { finished: 1, cancelled: 0 });
    await w[Symbol.asyncDispose]();
  });
  assert.deepEqual(log, ["start 1", "end 1"]);
});
