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
