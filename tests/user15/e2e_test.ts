// User port 15 (log-shipping agent, tests/user15/agent.ts), from the README
// and `deno doc` only.
// The agent as a program: spawned with the library's subprocess API, stopped
// with SIGTERM (graceful) after tailing a file.
import assert from "node:assert/strict";
import { createSubprocessExec } from "@aio/asyncio/io";
import { run, sleep } from "@aio/asyncio/task";
import { Collector } from "./collector.ts";

Deno.test("SIGTERM: the agent process ships everything and reports nothing lost", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/app.log`;
  const collector = new Collector();
  try {
    await Deno.writeTextFile(
      path,
      Array.from({ length: 50 }, (_, i) => `line ${i + 1}\n`).join(""),
    );
    const [code, lines] = await run(async () => {
      await using proc = await createSubprocessExec(Deno.execPath(), [
        "run",
        "-A",
        new URL("./agent.ts", import.meta.url).pathname,
        "--admin-port=0",
        "--batch-size=20",
        "--batch-delay-ms=60000",
        "--poll-ms=10",
        collector.url,
        path,
      ], { stderr: "piped" });
      const dec = new TextDecoder();
      const lines: string[] = [];
      lines.push(dec.decode(await proc.stderr!.readLine()).trim());
      // two full batches go at once; the last 10 lines wait for shutdown
      for (let i = 0; i < 500 && collector.batches.size < 2; i++) {
        await sleep(10);
      }
      assert.equal(collector.batches.size, 2);
      proc.terminate();
      for await (const l of proc.stderr!) lines.push(dec.decode(l).trim());
      return [await proc.wait(), lines] as const;
    });
    assert.equal(code, 0);
    assert.match(lines[0]!, /^agent: admin port \d+$/);
    const last = lines.at(-1)!;
    assert.ok(last.startsWith("agent: stopped "), last);
    const report = JSON.parse(last.slice("agent: stopped ".length));
    assert.deepEqual(
      [report.timedOut, report.shipped, report.failed, report.lost],
      [false, 50, 0, 0],
    );
    assert.equal(collector.lines().length, 50);
  } finally {
    await collector.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stdin source: lines piped in are shipped, SIGTERM stops a pending stdin read", async () => {
  const collector = new Collector();
  try {
    const [code, last] = await run(async () => {
      await using proc = await createSubprocessExec(Deno.execPath(), [
        "run",
        "-A",
        new URL("./agent.ts", import.meta.url).pathname,
        "--admin-port=0",
        "--batch-size=3",
        collector.url,
        "-",
      ], { stdin: "piped", stderr: "piped" });
      const dec = new TextDecoder();
      await proc.stderr!.readLine(); // admin port: running
      proc.stdin!.write("one\ntwo\nthree\nfour\n");
      await proc.stdin!.drain();
      for (let i = 0; i < 500 && collector.batches.size < 1; i++) {
        await sleep(10);
      }
      assert.equal(collector.batches.size, 1);
      proc.terminate(); // stdin still open: the agent must not wait for it
      let last = "";
      for await (const l of proc.stderr!) last = dec.decode(l).trim();
      return [await proc.wait(), last] as const;
    });
    assert.equal(code, 0);
    const report = JSON.parse(last.slice("agent: stopped ".length));
    assert.deepEqual([report.shipped, report.lost], [4, 0]);
    assert.deepEqual(collector.lines().map((r) => r.msg), [
      "one",
      "two",
      "three",
      "four",
    ]);
  } finally {
    await collector.close();
  }
});
