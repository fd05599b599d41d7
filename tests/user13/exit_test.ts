/**
 * User port 13: a given-up CPU-bound job holds the process open after
 * `run()` returned unless it calls `checkCancelled()` (Deno 2.9 cannot
 * terminate a Worker busy in synchronous code). The docs of
 * `runInExecutor()` and `WorkerPool.shutdown()` said the Workers of given-up
 * jobs "are terminated at once" and did not tell.
 *
 * @module
 */
import assert from "node:assert/strict";

async function exitTimes(mode: string): Promise<[number, number]> {
  const t0 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-read",
      new URL("./_exit_main.ts", import.meta.url).pathname,
      mode,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const exited = performance.now() - t0;
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return [Number(new TextDecoder().decode(out.stdout).trim()), exited];
}

Deno.test("a given-up job that calls checkCancelled() lets the process exit at once", async () => {
  const [returned, exited] = await exitTimes("check");
  assert.ok(returned < 1_400, `run() returned after ${returned} ms`);
  assert.ok(exited < 1_500, `exited after ${exited} ms`);
});

Deno.test("a given-up job that never checks holds the process after run() returned", async () => {
  const [returned, exited] = await exitTimes("spin");
  // run() does not wait for it...
  assert.ok(returned < 1_400, `run() returned after ${returned} ms`);
  // ...but the process exits only once the job's 1.5 s are over.
  assert.ok(exited >= 1_500, `exited after ${exited} ms`);
});
