// /fanout: fetch() to upstreams served by Deno.serve, with Promise.all,
// gather and a TaskGroup, a per-upstream timeout, and the scope's signal
// handed to fetch so that a cancelled fetch really stops (the upstream sees
// its request aborted).
import assert from "node:assert/strict";
import { run } from "@aio/asyncio/task";
import { openConnection } from "@aio/asyncio/io";
import { startHttpServer } from "./http_server.ts";
import { readResponse } from "./_util.ts";

interface Upstream {
  base: string;
  aborted: Map<string, PromiseWithResolvers<void>>;
  hits: string[];
  close(): Promise<void>;
}

/** /fast answers at once, /fail with 500, /hang only when aborted. */
function startUpstream(): Upstream {
  const aborted = new Map<string, PromiseWithResolvers<void>>();
  const hits: string[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => {
      const path = new URL(req.url).pathname;
      hits.push(path);
      if (path.startsWith("/hang")) {
        const seen = Promise.withResolvers<void>();
        aborted.set(path, seen);
        return new Promise<Response>((resolve) => {
          req.signal.addEventListener("abort", () => {
            seen.resolve();
            resolve(new Response("too late"));
          });
        });
      }
      if (path.startsWith("/fail")) return new Response("bad", { status: 500 });
      return new Response(`body of ${path}`);
    },
  );
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    aborted,
    hits,
    close: () => server.shutdown(),
  };
}

async function get(port: number, path: string) {
  const [reader, writer] = await openConnection({ port });
  writer.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  const res = await readResponse(reader);
  await writer[Symbol.asyncDispose]();
  return res!;
}

async function abortSeen(up: Upstream, path: string): Promise<void> {
  // The request may not have reached the upstream yet.
  for (let i = 0; i < 200 && !up.aborted.has(path); i++) {
    await new Promise((r) => setTimeout(r, 5));
  }
  await up.aborted.get(path)!.promise;
}

Deno.test("/fanout gathers every upstream's body in order", async () => {
  const up = startUpstream();
  try {
    await run(async () => {
      await using srv = await startHttpServer({
        upstreams: ["/a", "/b", "/c"].map((p) => up.base + p),
      });
      for (const mode of ["all", "gather", "group"]) {
        const res = await get(srv.port, `/fanout?mode=${mode}`);
        assert.equal(res.status, 200, mode);
        assert.deepEqual(JSON.parse(res.body), [
          "body of /a",
          "body of /b",
          "body of /c",
        ]);
      }
    });
  } finally {
    await up.close();
  }
});

Deno.test("/fanout gather: a hanging upstream times out alone, and its fetch is aborted", async () => {
  const up = startUpstream();
  try {
    await run(async () => {
      await using srv = await startHttpServer({
        upstreams: [up.base + "/a", up.base + "/hang1", up.base + "/fail"],
        upstreamTimeoutMs: 150,
      });
      const res = await get(srv.port, "/fanout?mode=gather");
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), [
        "body of /a",
        "timeout",
        `Error: ${up.base}/fail: 500`,
      ]);
      await abortSeen(up, "/hang1");
    });
  } finally {
    await up.close();
  }
});

Deno.test("/fanout group: a failing upstream cancels the hanging one at once", async () => {
  const up = startUpstream();
  try {
    await run(async () => {
      await using srv = await startHttpServer({
        upstreams: [up.base + "/hang2", up.base + "/fail"],
        upstreamTimeoutMs: 60_000,
      });
      const res = await get(srv.port, "/fanout?mode=group");
      assert.equal(res.status, 502);
      assert.equal(res.body, `Error: ${up.base}/fail: 500`);
      // Long before its 60 s deadline, the hanging fetch was aborted.
      await abortSeen(up, "/hang2");
    });
  } finally {
    await up.close();
  }
});

Deno.test("/fanout: a client that hangs up aborts the upstream fetches", async () => {
  const up = startUpstream();
  try {
    await run(async () => {
      await using srv = await startHttpServer({
        upstreams: [up.base + "/hang3", up.base + "/hang4"],
        upstreamTimeoutMs: 60_000,
      });
      const [_reader, writer] = await openConnection({ port: srv.port });
      writer.write("GET /fanout?mode=all HTTP/1.1\r\nHost: x\r\n\r\n");
      while (up.hits.length < 2) {
        await new Promise((r) => setTimeout(r, 5));
      }
      writer.close();
      await writer.waitClosed();
      await abortSeen(up, "/hang3");
      await abortSeen(up, "/hang4");
      assert.equal(srv.stats.clientGone, 1);
    });
  } finally {
    await up.close();
  }
});
