import assert from "node:assert/strict";

async function runExample(
  file: string,
  permissions: string[] = [],
  args: string[] = [],
): Promise<string[]> {
  const url = new URL(`../examples/${file}`, import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...permissions, url.pathname, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.equal(stderr, "");
  return new TextDecoder().decode(out.stdout).trimEnd().split("\n");
}

Deno.test("examples/tasks.ts prints the task's result, then the cancelled task's finally", async () => {
  assert.deepEqual(await runExample("tasks.ts"), [
    "The task's result was: task finished",
    "worker: started, about to sleep for an hour",
    "worker: cancelled (no longer needed)",
    "worker: finally ran",
    "main: the worker task was cancelled: true",
  ]);
});

Deno.test("examples/timeouts.ts shows waitFor, timeout, shield and a TaskGroup failure", async () => {
  assert.deepEqual(await runExample("timeouts.ts"), [
    "waitFor: a 10 s job with a 100 ms limit",
    "  slow job: cancelled",
    "  slow job: cleaned up",
    "  waitFor threw TimeoutError after the job cleaned up",
    "  quick job: cleaned up",
    "  waitFor returned: quick job done",
    "timeout: a block limited to 100 ms",
    "  block: cancelled",
    "  block: cleaned up",
    "  timeout threw TimeoutError",
    "  finished in time after reschedule (expired: false)",
    "shield: a 150 ms save, awaited with a 50 ms limit",
    "  stopped waiting: TimeoutError; the save goes on",
    "  save: cleaned up",
    "  the save still completed: save done",
    "TaskGroup: one child fails after 50 ms",
    "  child A: cancelled",
    "  child A: cleaned up",
    "  child B: cancelled",
    "  child B: cleaned up",
    "  AggregateError: child C failed",
  ]);
});

Deno.test("examples/download.ts downloads the five local files into --out", async () => {
  const out = await Deno.makeTempDir({ prefix: "aio-example-" });
  try {
    const lines = await runExample(
      "download.ts",
      ["--allow-net=127.0.0.1", `--allow-write=${out}`],
      ["--out", out],
    );
    assert.equal(lines[0], `Downloading 5 files to ${out}`);
    const finished = lines.filter((l) => l.startsWith("Finished downloading"));
    assert.deepEqual(finished, [
      "Finished downloading tiny.bin (16384 bytes)",
      "Finished downloading small.bin (98304 bytes)",
      "Finished downloading medium.bin (327680 bytes)",
      "Finished downloading large.bin (655360 bytes)",
      "Finished downloading huge.bin (6291456 bytes)",
    ]);
    assert.ok(lines.includes("progress huge.bin 50%"));
    assert.equal(lines.at(-1), "Done: 5 of 5 downloaded");
    const sizes: Record<string, number> = {};
    for await (const entry of Deno.readDir(out)) {
      sizes[entry.name] = (await Deno.stat(`${out}/${entry.name}`)).size;
    }
    assert.deepEqual(sizes, {
      "tiny.bin": 16384,
      "small.bin": 98304,
      "medium.bin": 327680,
      "large.bin": 655360,
      "huge.bin": 6291456,
    });
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("examples/download.ts --timeout cancels the stragglers and removes their files", async () => {
  const out = await Deno.makeTempDir({ prefix: "aio-example-" });
  try {
    // huge.bin takes at least 768 ms (384 chunks, 2 ms apart); tiny.bin one
    // chunk: 0.5 s leaves a loaded machine room for the small ones (at
    // 0.15 s, tiny.bin timed out once in a full run beside other tests).
    const lines = await runExample(
      "download.ts",
      ["--allow-net=127.0.0.1", `--allow-write=${out}`],
      ["--out", out, "--timeout", "0.5"],
    );
    assert.ok(lines.includes("Finished downloading tiny.bin (16384 bytes)"));
    assert.ok(lines.includes("Timed out downloading huge.bin: cancelled"));
    assert.match(lines.at(-1)!, /^Done: [1-4] of 5 downloaded$/);
    const names: string[] = [];
    for await (const entry of Deno.readDir(out)) names.push(entry.name);
    assert.ok(names.includes("tiny.bin"));
    assert.ok(!names.includes("huge.bin"));
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
