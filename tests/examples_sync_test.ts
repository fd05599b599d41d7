import assert from "node:assert/strict";

async function runExample(file: string): Promise<string[]> {
  const url = new URL(`../examples/${file}`, import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", url.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout).trim().split("\n");
}

Deno.test("examples/producer_consumer.ts processes every job once and shuts down cleanly", async () => {
  const lines = await runExample("producer_consumer.ts");
  assert.equal(lines[0], "produced: 30 jobs");
  assert.equal(lines[1], "consumed: 30 jobs (30 distinct)");
  assert.equal(lines[2], "per producer: 10, 10, 10");
  assert.match(lines[3]!, /^per consumer: \d+, \d+$/);
  const perConsumer = lines[3]!.slice("per consumer: ".length).split(", ")
    .map(Number);
  assert.equal(perConsumer[0]! + perConsumer[1]!, 30);
  assert.equal(lines[4], "queue never above maxsize: true");
  assert.match(lines[5]!, /^producers found the queue full \d+ times$/);
  assert.equal(lines[6], "queue shut down cleanly");
  assert.equal(lines.length, 7);
});

Deno.test("examples/rate_limit.ts never runs more downloads at once than the limit", async () => {
  const lines = await runExample("rate_limit.ts");
  assert.deepEqual(lines, [
    "downloads: 11 ok, 1 failed",
    `bytes: ${
      Array.from({ length: 12 }, (_, i) => i).filter((i) => i !== 7)
        .reduce((sum, i) => sum + 1000 + i, 0)
    }`,
    "maximum concurrency observed: 3 (limit 3)",
    "started in FIFO order: true",
    "permits free at the end: 3",
  ]);
});
