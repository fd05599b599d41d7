// User port 15 (log-shipping agent, tests/user15/agent.ts), from the README
// and `deno doc` only.
// Virtual-clock tests of batching, backoff, timeouts and the in-flight limit:
// the transport is a fake that waits on library sleeps only.
import assert from "node:assert/strict";
import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import { run, sleep } from "@aio/asyncio/task";
import { Agent, type Batch, HttpError, type PostFn } from "./agent.ts";

interface Sent {
  at: number;
  id: string;
  lines: number[];
}

function recorder(
  behave: (batch: Batch, signal: AbortSignal, n: number) => Promise<void> =
    () => Promise.resolve(),
): { post: PostFn; sent: Sent[]; calls: Sent[] } {
  const sent: Sent[] = [];
  const calls: Sent[] = [];
  let n = 0;
  const post: PostFn = async (batch, signal) => {
    const rec = {
      at: getRunningLoop().time(),
      id: batch.id,
      lines: batch.records.map((r) => r.line),
    };
    calls.push(rec);
    await behave(batch, signal, n++);
    sent.push({ ...rec, at: getRunningLoop().time() });
  };
  return { post, sent, calls };
}

Deno.test("a batch goes out at N lines, the rest T ms after its first line", async () => {
  const { post, sent } = recorder();
  await run(async () => {
    const agent = new Agent({
      post,
      adminPort: null,
      batchSize: 3,
      batchDelayMs: 1_000,
      agentId: "a",
    });
    await agent.start();
    for (let i = 1; i <= 7; i++) agent.ingestLine("mem", i, `line ${i}\n`);
    await sleep(5_000);
    assert.deepEqual(sent, [
      { at: 0, id: "a-1", lines: [1, 2, 3] },
      { at: 0, id: "a-2", lines: [4, 5, 6] },
      { at: 1_000, id: "a-3", lines: [7] },
    ]);
    const report = await agent.shutdown();
    assert.deepEqual(report, {
      timedOut: false,
      elapsedMs: 0,
      shipped: 7,
      failed: 0,
      lost: 0,
    });
  }, { clock: new VirtualClock() });
});

Deno.test("the timer starts at a batch's first line, not at the previous send", async () => {
  const { post, sent } = recorder();
  await run(async () => {
    const agent = new Agent({
      post,
      adminPort: null,
      batchSize: 10,
      batchDelayMs: 1_000,
      agentId: "b",
    });
    await agent.start();
    agent.ingestLine("mem", 1, "a\n");
    await sleep(400);
    agent.ingestLine("mem", 2, "b\n");
    await sleep(1_100); // t = 1500
    agent.ingestLine("mem", 3, "c\n");
    await sleep(2_000); // t = 3500
    assert.deepEqual(sent, [
      { at: 1_000, id: "b-1", lines: [1, 2] },
      { at: 2_500, id: "b-2", lines: [3] },
    ]);
    // flush sends a partial batch at once
    agent.ingestLine("mem", 4, "d\n");
    await sleep(10);
    agent.flush();
    await sleep(0);
    await sleep(0);
    assert.deepEqual(sent.at(-1), { at: 3_510, id: "b-3", lines: [4] });
    await agent.shutdown();
  }, { clock: new VirtualClock() });
});

Deno.test("retries back off exponentially with jitter, in order", async () => {
  const { post, calls, sent } = recorder((_b, _s, n) => {
    if (n < 3) return Promise.reject(new HttpError(500));
    return Promise.resolve();
  });
  await run(async () => {
    const agent = new Agent({
      post,
      adminPort: null,
      batchSize: 1,
      baseBackoffMs: 100,
      maxBackoffMs: 300,
      maxRetries: 5,
      random: () => 0.5,
      agentId: "r",
    });
    await agent.start();
    agent.ingestLine("mem", 1, "x\n");
    await sleep(10_000);
    // ceilings 100, 200, 300 (capped); equal jitter at 0.5 -> 75, 150, 225
    assert.deepEqual(
      agent.retryLog.map((r) => [r.attempt, r.at, r.delayMs, r.error]),
      [
        [0, 0, 75, "HttpError"],
        [1, 75, 150, "HttpError"],
        [2, 225, 225, "HttpError"],
      ],
    );
    assert.deepEqual(calls.map((c) => c.at), [0, 75, 225, 450]);
    assert.deepEqual(sent, [{ at: 450, id: "r-1", lines: [1] }]);
    assert.equal(agent.stats().retries, 3);
    await agent.shutdown();
  }, { clock: new VirtualClock() });
});

Deno.test("a request that hangs is timed out, its signal aborted, then dropped after the retries", async () => {
  const reasons: string[] = [];
  const { post, calls } = recorder((_b, signal) =>
    new Promise<void>((_, reject) => {
      signal.addEventListener("abort", () => {
        reasons.push((signal.reason as Error).name);
        reject(signal.reason);
      });
    })
  );
  await run(async () => {
    const agent = new Agent({
      post,
      adminPort: null,
      batchSize: 2,
      requestTimeoutMs: 1_000,
      maxRetries: 1,
      baseBackoffMs: 100,
      random: () => 0,
      agentId: "t",
    });
    await agent.start();
    agent.ingestLine("mem", 1, "x\n");
    agent.ingestLine("mem", 2, "y\n");
    await sleep(10_000);
    assert.deepEqual(calls.map((c) => c.at), [0, 1_050]);
    assert.equal(reasons.length, 2);
    assert.deepEqual(
      agent.retryLog.map((r) => r.error),
      ["TimeoutError"],
    );
    const s = agent.stats();
    assert.equal(s.linesFailed, 2);
    assert.equal(s.linesShipped, 0);
    const report = await agent.shutdown();
    assert.equal(report.lost, 0);
    assert.equal(report.failed, 2);
  }, { clock: new VirtualClock() });
});

Deno.test("never more than K requests in flight", async () => {
  let active = 0;
  let peak = 0;
  const { post, sent } = recorder(async () => {
    active++;
    peak = Math.max(peak, active);
    try {
      await sleep(100);
    } finally {
      active--;
    }
  });
  await run(async () => {
    const agent = new Agent({
      post,
      adminPort: null,
      batchSize: 1,
      maxInFlight: 3,
      agentId: "k",
    });
    await agent.start();
    for (let i = 1; i <= 10; i++) agent.ingestLine("mem", i, `${i}\n`);
    await sleep(60_000);
    assert.equal(peak, 3);
    assert.equal(agent.stats().peakInFlight, 3);
    // 10 batches, 3 at a time, 100 ms each: done at 100, 200, 300, 400
    assert.deepEqual(
      sent.map((s) => s.at),
      [100, 100, 100, 200, 200, 200, 300, 300, 300, 400],
    );
    assert.deepEqual(
      sent.flatMap((s) => s.lines),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    );
    await agent.shutdown();
  }, { clock: new VirtualClock() });
});

Deno.test("shutdown ships what is queued before its deadline and reports nothing lost", async () => {
  const { post, sent } = recorder(() => sleep(300));
  await run(async () => {
    const agent = new Agent({
      post,
      adminPort: null,
      batchSize: 5,
      batchDelayMs: 10_000,
      maxInFlight: 2,
      shutdownDeadlineMs: 2_000,
      agentId: "s",
    });
    await agent.start();
    for (let i = 1; i <= 12; i++) agent.ingestLine("mem", i, `${i}\n`);
    await sleep(0);
    const report = await agent.shutdown();
    // batches of 5, 5, 2; two at a time, 300 ms each
    assert.deepEqual(sent.map((s) => [s.at, s.lines.length]), [
      [300, 5],
      [300, 5],
      [600, 2],
    ]);
    assert.deepEqual(report, {
      timedOut: false,
      elapsedMs: 600,
      shipped: 12,
      failed: 0,
      lost: 0,
    });
  }, { clock: new VirtualClock() });
});

Deno.test("shutdown past its deadline cancels the sends and counts their lines lost", async () => {
  const aborted: string[] = [];
  const { post } = recorder(async (b, signal) => {
    signal.addEventListener("abort", () => aborted.push(b.id));
    await sleep(60_000);
  });
  await run(async () => {
    const agent = new Agent({
      post,
      adminPort: null,
      batchSize: 4,
      batchDelayMs: 10_000,
      maxInFlight: 1,
      shutdownDeadlineMs: 1_000,
      agentId: "d",
    });
    await agent.start();
    for (let i = 1; i <= 10; i++) agent.ingestLine("mem", i, `${i}\n`);
    await sleep(0);
    const report = await agent.shutdown();
    assert.deepEqual(report, {
      timedOut: true,
      elapsedMs: 1_000,
      shipped: 0,
      failed: 0,
      lost: 10,
    });
    assert.deepEqual(aborted, ["d-1"]);
  }, { clock: new VirtualClock() });
});
