/**
 * User port 14: `examples/job_scheduler.ts` runs with `deno run`, ends
 * by itself, and prints the job table.
 *
 * @module
 */
import assert from "node:assert/strict";

const EXAMPLE = new URL("../../examples/job_scheduler.ts", import.meta.url)
  .pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;

Deno.test("example: job_scheduler.ts runs to completion on its own, with the expected table", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--config", CONFIG, EXAMPLE],
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1" },
  }).spawn();
  // A bound, not a timing check: a hung example fails instead of hanging.
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const out = await child.output();
  clearTimeout(killer);
  const stdout = new TextDecoder().decode(out.stdout);
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.equal(stderr, "");
  const lines = stdout.trim().split("\n");
  assert.deepEqual(lines.slice(-6), [
    'job 1 sleeper: done "slept"',
    "job 2 fetch-data: done 49",
    'job 3 native-mix: done "setTimeout+aio sleep+resolved"',
    'job 4 pipeline: done {"total":55,"peak":2}',
    'job 5 deadline: done "timed out"',
    "job 6 hang: cancelled",
  ]);
  assert.ok(lines.includes("hang: finally ran"));
  assert.ok(lines.includes("pending jobs: 0"));
  assert.ok(lines.includes("tasks left besides main: 0"));
});
