/**
 * Attack round 25: `runInExecutor(url, exportName)` with an exportName that
 * is not a string (a symbol; an object whose toString() throws) kills the
 * whole program with an unhandled rejection.
 *
 * What I did (child process `_executor_bad_export.ts`, inside run(), a
 * WorkerPool of 1 as default executor): `try { await runInExecutor(jobs,
 * Symbol("job")) } catch {}`, then a normal job. Same with the hostile
 * object.
 *
 * What happened (measured): the call throws "TypeError: Cannot convert a
 * Symbol value to a string" (resp. "Error: toString boom"), which the code
 * catches; then the process dies with "error: Uncaught (in promise)
 * DataCloneError: Symbol(job) could not be cloned." (exit code 1, every
 * run); the normal job never runs and nothing after is printed.
 *
 * Cause: executor/default_executor.ts:114 `pool.submit()` queues the job
 * (WorkerPool.submit, executor/worker_pool.ts:429, checks the URL but not
 * exportName), then :119 builds the label with a template
 * (`runInExecutor(${exportName})`), which throws for these values before
 * :128 attaches `job.then(...)`. The job's postMessage fails to clone the
 * name (worker_pool.ts:600), #settle rejects the job's promise, and nobody
 * handles it.
 *
 * Expected: a bad argument gives the library's own TypeError naming the
 * value (4985775's standard) and leaves nothing behind; never an unhandled
 * rejection that ends the program (the README: "a report never stops the
 * loop"; unhandled rejections are the brief's crash class).
 *
 * Fixed: `WorkerPool.submit()` refuses an exportName that is not a string
 * with a TypeError, before anything is queued; `runInExecutor()` attaches
 * the job's handlers right after `submit()`.
 */

import assert from "node:assert/strict";

for (const kind of ["symbol", "hostile"]) {
  Deno.test(`runInExecutor() with a ${kind} exportName: a TypeError, and the program goes on`, async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        new URL("_executor_bad_export.ts", import.meta.url).pathname,
        kind,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr.split("\n").slice(0, 3).join("\n"));
    const got = JSON.parse(new TextDecoder().decode(out.stdout).trim());
    assert.match(got.call, /^TypeError: .*exportName/);
    assert.equal(got.next, "42");
  });
}
