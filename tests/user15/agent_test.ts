// User port 15 (log-shipping agent, tests/user15/agent.ts), from the README
// and `deno doc` only.
// Real I/O: files on disk, a Deno.serve collector, fetch, the admin TCP port.
// Real clock (the README says a VirtualClock does not wait for host I/O);
// no assertion on wall time, only on orders, counts and values.
import assert from "node:assert/strict";
import { createTask, run, sleep } from "@aio/asyncio/task";
import { openConnection } from "@aio/asyncio/io";
import { Agent, type LogRecord } from "./agent.ts";
import { Collector } from "./collector.ts";

async function writeLog(path: string, from: number, to: number) {
  const lines: string[] = [];
  for (let i = from; i <= to; i++) {
    lines.push(
      i % 2
        ? JSON.stringify({ level: "info", msg: `event ${i}`, n: i })
        : `plain event ${i}`,
    );
  }
  await Deno.writeTextFile(path, lines.join("\n") + "\n", { append: true });
}

/** Polls (bounded) until `cond` holds. */
async function until(cond: () => boolean, what: string, tries = 500) {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await sleep(10);
  }
  throw new Error(`never happened: ${what}`);
}

function keys(records: LogRecord[]): string[] {
  return records.map((r) => `${r.source.split("/").at(-1)}:${r.line}`);
}

function expectedKeys(file: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => `${file}:${i + 1}`);
}

Deno.test("no line lost or duplicated across 500s and timed-out requests", async () => {
  const dir = await Deno.makeTempDir();
  const collector = new Collector();
  try {
    await writeLog(`${dir}/a.log`, 1, 120);
    await writeLog(`${dir}/b.log`, 1, 80);
    collector.failNext = 4;
    // first requests are slower than the client's timeout: the collector
    // stores them after the client gave up, and the retry is a duplicate.
    collector.mode = "slow";
    collector.slowMs = 400;
    const report = await run(async () => {
      const agent = new Agent({
        collectorUrl: collector.url,
        files: [`${dir}/a.log`, `${dir}/b.log`],
        adminPort: null,
        batchSize: 25,
        batchDelayMs: 50,
        maxInFlight: 3,
        requestTimeoutMs: 200,
        baseBackoffMs: 10,
        maxBackoffMs: 50,
        maxRetries: 20,
        pollMs: 10,
        shutdownDeadlineMs: 30_000,
      });
      const main = createTask(() => agent.run());
      await until(() => agent.stats().linesRead === 200, "all read");
      await until(
        () => collector.requests.some((r) => r.outcome === "500"),
        "a 500",
      );
      await until(
        () => agent.retryLog.some((r) => r.error === "TimeoutError"),
        "a request timed out",
      );
      collector.mode = "ok";
      await writeLog(`${dir}/a.log`, 121, 150); // appended while running
      await until(() => agent.stats().linesRead === 230, "appended read");
      agent.requestQuit();
      return await main;
    });
    assert.deepEqual(report.lost, 0);
    assert.deepEqual(report.failed, 0);
    assert.deepEqual(report.shipped, 230);
    const got = keys(collector.lines());
    assert.equal(new Set(got).size, got.length, "duplicates");
    assert.deepEqual(
      got.filter((k) => k.startsWith("a.log")).sort((x, y) =>
        Number(x.split(":")[1]) - Number(y.split(":")[1])
      ),
      expectedKeys("a.log", 150),
    );
    assert.deepEqual(
      got.filter((k) => k.startsWith("b.log")).sort((x, y) =>
        Number(x.split(":")[1]) - Number(y.split(":")[1])
      ),
      expectedKeys("b.log", 80),
    );
    // parsing: JSON lines keep fields, plain lines become msg
    const a1 = collector.lines().find((r) =>
      r.source.endsWith("a.log") && r.line === 1
    )!;
    assert.deepEqual([a1.level, a1.msg, a1.fields], [
      "info",
      "event 1",
      { n: 1 },
    ]);
    const a2 = collector.lines().find((r) =>
      r.source.endsWith("a.log") && r.line === 2
    )!;
    assert.equal(a2.msg, "plain event 2");
    assert.ok(
      collector.requests.filter((r) => r.outcome === "500").length >= 4,
    );
    // a timed-out request the collector still stored came back as a retry:
    // the idempotency key kept it out
    await until(() => collector.requests.length >= collector.batches.size, "");
    assert.ok(collector.requests.length > collector.batches.size);
  } finally {
    await collector.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the in-flight limit holds against a real slow collector", async () => {
  const collector = new Collector();
  collector.mode = "slow";
  collector.slowMs = 100;
  try {
    const report = await run(async () => {
      const agent = new Agent({
        collectorUrl: collector.url,
        adminPort: null,
        batchSize: 1,
        maxInFlight: 2,
        shutdownDeadlineMs: 30_000,
      });
      await agent.start();
      for (let i = 1; i <= 8; i++) agent.ingestLine("mem", i, `${i}\n`);
      return await agent.shutdown();
    });
    assert.equal(report.lost, 0);
    assert.equal(collector.batches.size, 8);
    assert.equal(collector.peakActive, 2);
  } finally {
    await collector.close();
  }
});

Deno.test("cancelling the agent's task aborts the fetch in flight: the collector sees it", async () => {
  const collector = new Collector();
  collector.mode = "hang";
  try {
    const outcome = await run(async () => {
      const agent = new Agent({
        collectorUrl: collector.url,
        adminPort: null,
        batchSize: 1,
        requestTimeoutMs: 60_000,
      });
      const main = createTask(() => agent.run());
      await sleep(0);
      agent.ingestLine("mem", 1, "x\n");
      await collector.hanging(1);
      main.cancel();
      const r = await main.then(() => "finished", (e) => (e as Error).name);
      await until(() => collector.aborted === 1, "abort seen");
      return r;
    });
    assert.equal(outcome, "CancelledError");
    assert.equal(collector.aborted, 1);
    assert.equal(collector.batches.size, 0);
  } finally {
    await collector.close();
  }
});

Deno.test("shutdown against a hanging collector ends at its deadline and reports the loss", async () => {
  const collector = new Collector();
  collector.mode = "hang";
  try {
    const report = await run(async () => {
      const agent = new Agent({
        collectorUrl: collector.url,
        adminPort: null,
        batchSize: 3,
        maxInFlight: 2,
        requestTimeoutMs: 60_000,
        shutdownDeadlineMs: 300,
      });
      await agent.start();
      for (let i = 1; i <= 9; i++) agent.ingestLine("mem", i, `${i}\n`);
      await collector.hanging(2);
      const report = await agent.shutdown();
      await until(() => collector.aborted === 2, "both aborts seen");
      return report;
    });
    assert.equal(report.timedOut, true);
    assert.equal(report.lost, 9);
    assert.equal(report.shipped, 0);
    assert.equal(collector.aborted, 2);
  } finally {
    await collector.close();
  }
});

Deno.test("admin port: stats, pause, resume, flush, unknown, quit", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/app.log`;
  const collector = new Collector();
  try {
    await writeLog(path, 1, 3);
    const transcript = await run(async () => {
      const agent = new Agent({
        collectorUrl: collector.url,
        files: [path],
        batchSize: 1_000,
        batchDelayMs: 600_000, // only flush sends
        pollMs: 10,
        shutdownDeadlineMs: 10_000,
      });
      const main = createTask(() => agent.run());
      await until(() => agent.adminPort !== 0, "listening");
      const [r, w] = await openConnection({
        hostname: "127.0.0.1",
        port: agent.adminPort,
      });
      const dec = new TextDecoder();
      const ask = async (cmd: string) => {
        w.write(cmd + "\n");
        await w.drain();
        return dec.decode(await r.readLine()).trim();
      };
      const out: unknown[] = [];
      await until(() => agent.stats().linesRead === 3, "first lines");
      out.push(JSON.parse(await ask("stats")).linesRead);
      out.push(await ask("pause"));
      await sleep(50); // several poll intervals: the tailer is parked
      await writeLog(path, 4, 6);
      await sleep(100);
      const paused = JSON.parse(await ask("stats"));
      out.push([paused.paused, paused.linesRead]);
      out.push(await ask("resume"));
      await until(() => agent.stats().linesRead === 6, "read after resume");
      out.push(collector.batches.size);
      out.push(await ask("flush"));
      await until(() => collector.batches.size === 1, "flushed batch");
      out.push(await ask("bogus"));
      const report = JSON.parse(await ask("quit"));
      out.push([report.shipped, report.lost, report.timedOut]);
      out.push((await r.read()).length); // EOF: the server closed
      await w[Symbol.asyncDispose]();
      await main;
      return out;
    });
    assert.deepEqual(transcript, [
      3,
      "ok",
      [true, 3],
      "ok",
      0,
      "ok",
      'error unknown command "bogus"',
      [6, 0, false],
      0,
    ]);
    assert.deepEqual(keys(collector.lines()), expectedKeys("app.log", 6));
  } finally {
    await collector.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a quit from a host callback (as a signal listener would) stops run()", async () => {
  const collector = new Collector();
  try {
    const report = await run(async () => {
      const agent = new Agent({
        collectorUrl: collector.url,
        adminPort: null,
        batchDelayMs: 60_000,
      });
      const main = createTask(() => agent.run());
      await sleep(0);
      agent.ingestLine("mem", 1, "a\n");
      agent.ingestLine("mem", 2, "b\n");
      // Promise.all over a native setTimeout and a library wait
      await Promise.all([
        new Promise((r) => setTimeout(r, 20)),
        sleep(20),
      ]);
      const sig = AbortSignal.timeout(10);
      sig.addEventListener("abort", () => agent.requestQuit());
      return await main;
    });
    assert.deepEqual(report.shipped, 2);
    assert.deepEqual(report.lost, 0);
    assert.equal(collector.batches.size, 1);
  } finally {
    await collector.close();
  }
});

Deno.test("checksums computed in the Worker pool match what the collector hashes", async () => {
  const collector = new Collector();
  try {
    const report = await run(async () => {
      const agent = new Agent({
        collectorUrl: collector.url,
        adminPort: null,
        batchSize: 4,
        maxInFlight: 3,
        checksum: true,
      });
      await agent.start();
      for (let i = 1; i <= 10; i++) {
        agent.ingestLine("mem", i, JSON.stringify({ msg: `m${i}`, i }) + "\n");
      }
      return await agent.shutdown();
    });
    assert.deepEqual([report.shipped, report.lost, report.failed], [10, 0, 0]);
    assert.equal(collector.checksums, 3);
    assert.deepEqual(
      collector.requests.map((r) => r.outcome),
      ["ok", "ok", "ok"],
    );
  } finally {
    await collector.close();
  }
});

Deno.test("a copytruncate rotation is followed: lines after it are read from the start", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/app.log`;
  const got: string[] = [];
  try {
    await Deno.writeTextFile(path, "before 1\nbefore 2\nbefore 3\n");
    await run(async () => {
      const agent = new Agent({
        post: (b) => {
          got.push(...b.records.map((r) => r.msg));
          return Promise.resolve();
        },
        files: [path],
        adminPort: null,
        batchSize: 1,
        pollMs: 5,
      });
      await agent.start();
      await until(() => agent.stats().linesRead === 3, "first lines");
      await Deno.truncate(path, 0);
      await until(() => agent.stats().rotations === 1, "rotation seen");
      await Deno.writeTextFile(path, "after 1\n", { append: true });
      await until(() => agent.stats().linesRead === 4, "line after rotation");
      const report = await agent.shutdown();
      assert.equal(report.lost, 0);
    });
    assert.deepEqual(got, ["before 1", "before 2", "before 3", "after 1"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
