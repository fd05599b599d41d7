/**
 * A Worker job that posts a message of its own kills the main program.
 *
 * A job run by a `WorkerPool` is an ordinary function of a module, running
 * in a Worker, where `self.postMessage()` is at hand; posting progress from
 * a Worker is the usual idiom. The pool's `worker.onmessage`
 * (`executor/worker_pool.ts`, `#spawn()` → `#onResult()`) takes every
 * message from the Worker for one of its own and starts with
 * `if ("alive" in message)`, which throws `TypeError: Cannot use 'in'
 * operator to search for 'alive' in ...` for any message that is not an
 * object. The throw escapes the event handler, and Deno ends the whole
 * process with "error: Uncaught TypeError" (exit code 1). Measured: a job
 * doing `self.postMessage(null)`, `"50% done"`, `50` or `undefined` kills
 * the main program every time (4/4 cases), before the job's own result
 * arrives. (An object message is read as one of the pool's own.)
 *
 * Expected: a job cannot take the main program down by what it does inside
 * its Worker. The pool's own Worker entry says as much (executor/_worker.js:
 * an error the job leaves uncaught "would kill the whole program ... So it
 * is caught here"), and `runInExecutor()`'s doc: a job that misbehaves
 * "fails with an `Error` that says how, and the pool replaces the Worker
 * ... The loop goes on." (CPython's executors have no channel a job can
 * write into: a job's `print`/`queue` traffic never reaches the executor's
 * result pipe.) Either the stray message is ignored and the job returns
 * "job done", or the job fails with an error; then the next job runs.
 *
 * Fixed: the pool talks to each Worker over a private `MessagePort`, and
 * leaves the Worker's own channel to the jobs (`executor/worker_pool.ts`,
 * "What a job may do with `self`").
 */
import assert from "node:assert/strict";

const CHILD = new URL("./_worker_posts.ts", import.meta.url);

for (const kind of ["null", "string", "number", "undefined"]) {
  Deno.test(`a job that posts ${kind} does not kill the program`, async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", CHILD.href, kind],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, `exit ${out.code}; stderr:\n${stderr}`);
    assert.match(stdout, /^job: (job done|failed: .+)$/m);
    assert.match(stdout, /^next: 42$/m);
    assert.match(stdout, /^survived$/m);
  });
}
