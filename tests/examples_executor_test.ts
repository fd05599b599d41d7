import assert from "node:assert/strict";
import { hashChunk, makeChunk } from "../examples/_hash_work.ts";

async function runExample(
  file: string,
  permissions: string[] = [],
): Promise<string> {
  const url = new URL(`../examples/${file}`, import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", ...permissions, url.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return new TextDecoder().decode(out.stdout);
}

Deno.test("examples/cpu_offload.ts hashes every chunk in the pool while the ticker keeps ticking", async () => {
  const lines = (await runExample("cpu_offload.ts", ["--allow-read"]))
    .trim().split("\n");
  const hashes = lines.filter((l) => l.startsWith("chunk "));
  assert.deepEqual(
    hashes,
    Array.from(
      { length: 8 },
      (_, i) => `chunk ${i}: ${hashChunk(makeChunk(1 << 20, i + 1), 40)}`,
    ),
  );
  // The ticker printed while the Workers hashed, before the results.
  const firstHash = lines.findIndex((l) => l.startsWith("chunk "));
  assert.match(lines[0]!, /^tick 1 \(\d+\.\d ms late\)$/);
  assert.ok(lines.slice(0, firstHash).every((l) => /^tick \d+ /.test(l)));
  assert.match(lines.at(-2)!, /^pool: 8 chunks hashed in \d+ ms;/);
  assert.match(lines.at(-1)!, /^inline: one chunk blocks the loop for \d+ ms$/);
});

Deno.test("examples/stuck.ts shows both transfers waiting in the task tree, then exits cleanly", async () => {
  const lines = (await runExample("stuck.ts")).trim().split("\n");
  assert.equal(lines[0], "no progress after 1000 ms: deadlock?");
  assert.match(lines[1]!, /^Task tree at .* \(3 tasks\)$/);
  assert.match(lines[2]!, /^└── main \(running, age .*\)$/);
  assert.match(
    lines[3]!,
    /^ {4}├── transfer checking->savings \(waiting, age .*\) awaits \S+/,
  );
  assert.match(
    lines[4]!,
    /^ {4}└── transfer savings->checking \(waiting, age .*\) awaits \S+/,
  );
  assert.equal(
    lines[5],
    "cancelled both; checking locked: false, savings locked: false",
  );
  assert.equal(lines.length, 6);
});

Deno.test("examples/crawler.ts crawls, fails a batch fast, stops a Worker job at its deadline, and exits", async () => {
  const t0 = performance.now();
  const out = await runExample("crawler.ts", [
    "--allow-net=127.0.0.1",
    "--allow-read",
    "--allow-run=sh",
  ]);
  assert.deepEqual(out.trim().split("\n"), [
    "crawled 15 pages",
    "batch failed (HttpError: 500 for /broken); cancelled: /hang",
    "scores: ea6cb355 a7ef3cc5",
    "scoring everything: timed out",
    "both Workers free again: yes",
    "child: step 1",
    "child: step 2",
    "child: step 3",
    "child exited with 0",
    "stopped after some polls",
    "done",
  ]);
  // The job given up stopped at checkCancelled(): nothing held the process.
  assert.ok(performance.now() - t0 < 10_000);
});
