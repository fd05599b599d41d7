// Real clients against the server: curl (keep-alive, chunked upload, a
// rate-limited slow upload) and Python's http.client, run with Deno.Command
// while the aio loop serves them.
import assert from "node:assert/strict";
import { run } from "@aio/asyncio/task";
import { startHttpServer } from "./http_server.ts";

const HERE = new URL(".", import.meta.url).pathname;
const dec = new TextDecoder();

async function exec(cmd: string, args: string[], stdin?: Uint8Array) {
  const child = new Deno.Command(cmd, {
    args,
    stdin: stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin) {
    const w = child.stdin.getWriter();
    await w.write(stdin);
    await w.close();
  }
  const out = await child.output();
  return {
    code: out.code,
    stdout: dec.decode(out.stdout),
    stderr: dec.decode(out.stderr),
  };
}

Deno.test("curl --http1.1: two URLs on one kept-alive connection", async () => {
  await run(async () => {
    await using srv = await startHttpServer({});
    const base = `http://127.0.0.1:${srv.port}`;
    const r = await exec("curl", [
      "--http1.1",
      "-sS",
      "--max-time",
      "10",
      `${base}/`,
      `${base}/echo`,
      "-d",
      "from curl",
    ]);
    assert.equal(r.code, 0, r.stderr);
    // curl sends both with the -d body (POST); "/" ignores it.
    assert.equal(r.stdout, "hello\nfrom curl");
    assert.equal(srv.stats.accepted, 1);
    assert.equal(srv.stats.requests, 2);
  });
});

Deno.test("curl: a chunked upload from stdin is echoed whole", async () => {
  await run(async () => {
    await using srv = await startHttpServer({});
    const body = new TextEncoder().encode("0123456789".repeat(5000));
    const r = await exec("curl", [
      "--http1.1",
      "-sS",
      "--max-time",
      "10",
      "-H",
      "Transfer-Encoding: chunked",
      "--data-binary",
      "@-",
      `http://127.0.0.1:${srv.port}/echo`,
    ], body);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.length, body.length);
    assert.equal(r.stdout, dec.decode(body));
  });
});

Deno.test("curl --limit-rate: a slow upload gets 408", async () => {
  await run(async () => {
    await using srv = await startHttpServer({ requestTimeoutMs: 300 });
    const r = await exec("curl", [
      "--http1.1",
      "-sS",
      "--max-time",
      "15",
      "--limit-rate",
      "1000",
      "-H",
      "Expect:",
      "--data-binary",
      "@-",
      "-o",
      "/dev/null",
      "-w",
      "%{http_code}",
      `http://127.0.0.1:${srv.port}/echo`,
    ], new Uint8Array(5000));
    assert.equal(r.stdout, "408");
    assert.equal(srv.stats.timeouts408, 1);
  });
});

Deno.test("curl --limit-rate: a slow upload within the limit is served", async () => {
  await run(async () => {
    await using srv = await startHttpServer({ requestTimeoutMs: 10_000 });
    const r = await exec("curl", [
      "--http1.1",
      "-sS",
      "--max-time",
      "15",
      "--limit-rate",
      "20000",
      "--data-binary",
      "@-",
      `http://127.0.0.1:${srv.port}/echo`,
    ], new TextEncoder().encode("z".repeat(30_000)));
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "z".repeat(30_000));
  });
});

Deno.test("Python http.client: keep-alive and a chunked upload", async () => {
  await run(async () => {
    await using srv = await startHttpServer({});
    const r = await exec("python3", [HERE + "_client.py", String(srv.port)]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      [200, "py 0"],
      [200, "py 1"],
      [200, "py 2"],
      [200, "chunk-a chunk-b"],
      [404, "not found\n"],
    ]);
    assert.equal(srv.stats.accepted, 1);
  });
});
