// /hash: CPU work in the Worker pool, cancelled when the client goes away or
// the handler's deadline passes.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { run, sleep } from "@aio/asyncio/task";
import { openConnection } from "@aio/asyncio/io";
import {
  runInExecutor,
  setDefaultExecutor,
  WorkerPool,
} from "@aio/asyncio/executor";
import { startHttpServer } from "./http_server.ts";
import { readResponse } from "./_util.ts";

function expected(data: string, rounds: number): string {
  let d: Uint8Array = new TextEncoder().encode(data);
  for (let i = 0; i < rounds; i++) d = createHash("sha256").update(d).digest();
  return Array.from(d, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Polls a shared counter until `pred` holds (bounded). */
async function until(pred: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (pred()) return;
    await sleep(5);
  }
  throw new Error(`timed out waiting for ${what}`);
}

Deno.test("/hash computes in the Worker pool, several at once", async () => {
  await run(async () => {
    setDefaultExecutor(new WorkerPool({ size: 2 }));
    await using srv = await startHttpServer({});
    const client = Deno.createHttpClient({});
    try {
      const bodies = await Promise.all(
        ["a", "b", "c", "d"].map(async (d) => {
          const r = await fetch(
            `http://127.0.0.1:${srv.port}/hash?rounds=1000`,
            { client, method: "POST", body: d },
          );
          return (await r.text()).trim();
        }),
      );
      assert.deepEqual(
        bodies,
        ["a", "b", "c", "d"].map((d) => expected(d, 1000)),
      );
    } finally {
      client.close();
    }
  });
});

Deno.test("/hash: a client that hangs up stops its job", async () => {
  const progress = new SharedArrayBuffer(16);
  const counters = new Int32Array(progress);
  await run(async () => {
    setDefaultExecutor(new WorkerPool({ size: 1 }));
    await using srv = await startHttpServer({ hashProgress: progress });
    const [reader, writer] = await openConnection({ port: srv.port });
    writer.write(
      "POST /hash?rounds=1000000000 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nz",
    );
    await until(() => Atomics.load(counters, 0) > 1000, "the job to run");
    // The client goes away without reading its answer.
    writer.close();
    await writer.waitClosed();
    assert.equal((await reader.read()).length, 0);
    await until(() => srv.stats.clientGone === 1, "the server to see it");
    await until(() => Atomics.load(counters, 3) === 1, "the job to stop");
    const stoppedAt = Atomics.load(counters, 0);
    // The pool's one Worker is free again: another job runs on it.
    const url = import.meta.resolve("./hash_job.ts");
    assert.equal(
      await runInExecutor(url, "hashRounds", new Uint8Array(1), 2),
      expected("\0", 2),
    );
    assert.equal(Atomics.load(counters, 0), stoppedAt);
    assert.equal(Atomics.load(counters, 2), 0, "the job never finished");
    assert.ok(srv.stats.log.some((l) => l.includes("client gone")));
  });
});

Deno.test("/hash: the handler deadline gives 504 and stops the job", async () => {
  const progress = new SharedArrayBuffer(16);
  const counters = new Int32Array(progress);
  const pool = new WorkerPool({ size: 1, terminateOnCancel: true });
  await run(async () => {
    setDefaultExecutor(pool);
    await using srv = await startHttpServer({
      hashProgress: progress,
      handlerTimeoutMs: 200,
    });
    // Warm the Worker up, so the deadline does not pass during its start.
    const url = import.meta.resolve("./hash_job.ts");
    await runInExecutor(url, "hashRounds", new Uint8Array(1), 1);
    const [reader, writer] = await openConnection({ port: srv.port });
    writer.write(
      "POST /hash?rounds=1000000000 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nz",
    );
    const res = await readResponse(reader);
    assert.equal(res?.status, 504);
    await until(() => pool.workerCount === 0, "the Worker to be terminated");
    await until(() => Atomics.load(counters, 3) === 1, "the job to stop");
    assert.equal(Atomics.load(counters, 1), 1);
    assert.equal(Atomics.load(counters, 2), 0);
    // The connection is still usable.
    writer.write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert.equal((await readResponse(reader))?.body, "hello\n");
    await writer[Symbol.asyncDispose]();
  });
});

Deno.test("/hash: leaving run() with a job running stops the job", async () => {
  const progress = new SharedArrayBuffer(16);
  const counters = new Int32Array(progress);
  const t0 = performance.now();
  await run(async () => {
    setDefaultExecutor(new WorkerPool({ size: 1 }));
    await using srv = await startHttpServer({ hashProgress: progress });
    const [reader, writer] = await openConnection({ port: srv.port });
    writer.write(
      "POST /hash?rounds=1000000000 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\nz",
    );
    await until(() => Atomics.load(counters, 0) > 1000, "the job to run");
    // Leaving the block shuts the server down at once: the request is
    // cancelled and answered 503.
    await srv.shutdown(0);
    assert.equal((await readResponse(reader))?.status, 503);
    await writer[Symbol.asyncDispose]();
  });
  // A billion rounds take minutes.
  assert.ok(performance.now() - t0 < 30_000);
  // run() ended the Worker, but Deno's terminate() does not stop a busy
  // Worker: the job stops when it sees its cancel flag.
  for (let i = 0; i < 500 && Atomics.load(counters, 3) === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(Atomics.load(counters, 3), 1);
  assert.equal(Atomics.load(counters, 2), 0);
});
