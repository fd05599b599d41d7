// User port 15 (log-shipping agent, tests/user15/agent.ts), from the README
// and `deno doc` only.
// A ReadableStream source (stdin in production): lines read until the agent
// stops, nothing buffered lost, the stream released for the leak checks.
import assert from "node:assert/strict";
import { run, sleep } from "@aio/asyncio/task";
import { VirtualClock } from "@aio/asyncio/loop";
import { Agent, type PostFn } from "./agent.ts";

function pushStream() {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  let cancelled: unknown = "not cancelled";
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      ctl = c;
    },
    cancel(reason) {
      cancelled = reason;
    },
  });
  const enc = new TextEncoder();
  return {
    stream,
    push: (s: string) => ctl.enqueue(enc.encode(s)),
    close: () => ctl.close(),
    cancelled: () => cancelled,
  };
}

Deno.test("stream source: lines until shutdown, the open stream cancelled", async () => {
  const got: string[] = [];
  const post: PostFn = (b) => {
    got.push(...b.records.map((r) => `${r.line}:${r.msg}`));
    return Promise.resolve();
  };
  const src = pushStream();
  const report = await run(async () => {
    const agent = new Agent({
      post,
      adminPort: null,
      batchSize: 100,
      batchDelayMs: 60_000,
    });
    await agent.start();
    agent.addStream("stdin", src.stream);
    src.push("a\nb\n");
    for (let i = 0; i < 100 && agent.stats().linesRead < 2; i++) await sleep(1);
    src.push("c\nd");
    src.push("\ne\n");
    for (let i = 0; i < 100 && agent.stats().linesRead < 5; i++) await sleep(1);
    src.push("f, no newline yet");
    await sleep(1);
    return await agent.shutdown();
  }, { clock: new VirtualClock() });
  assert.deepEqual(got, [
    "1:a",
    "2:b",
    "3:c",
    "4:d",
    "5:e",
    "6:f, no newline yet",
  ]);
  assert.deepEqual([report.shipped, report.lost], [6, 0]);
  assert.equal((src.cancelled() as Error).message, "agent stopping");
});

Deno.test("stream source: a stream that ends ends its reader, the last partial line kept", async () => {
  const got: string[] = [];
  const post: PostFn = (b) => {
    got.push(...b.records.map((r) => r.msg));
    return Promise.resolve();
  };
  const src = pushStream();
  await run(async () => {
    const agent = new Agent({
      post,
      adminPort: null,
      batchSize: 2,
      batchDelayMs: 1_000,
    });
    await agent.start();
    agent.addStream("pipe", src.stream);
    src.push("x\ny\nz");
    src.close();
    await sleep(5_000);
    assert.deepEqual(got, ["x", "y", "z"]);
    await agent.shutdown();
  }, { clock: new VirtualClock() });
  assert.equal(src.cancelled(), "not cancelled");
});
