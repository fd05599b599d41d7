/**
 * A job module that sets `self.onmessage` takes its Worker away from the
 * pool: every later job sent to that Worker hangs forever.
 *
 * The pool's Worker entry (`executor/_worker.js`) receives jobs through
 * `scope.onmessage = ...`. A job's module is imported into that Worker,
 * and a module written to double as a Worker entry (the usual way to
 * write a Worker module in Deno and browsers) assigns `self.onmessage` at
 * its top level, which replaces the pool's handler. The first job (the one
 * that imported the module) still answers; from then on the Worker never
 * sees a job: the pool sends it the next one, which neither runs nor fails,
 * and since the Worker is alive and "busy" the pool never replaces it.
 * Measured with a pool of one: the first `twice(1)` gives 2; the second
 * `twice(2)`, and a job of another module after it, each time out after
 * 3 s (they would wait forever without the deadline).
 *
 * Expected (`runInExecutor()`'s doc: a job that breaks its Worker "fails
 * with an `Error` that says how, and the pool replaces the Worker ... The
 * loop goes on"; CPython's `ProcessPoolExecutor` reads jobs from its own
 * call queue, which no module a job imports can take over): the jobs after
 * it run (the pool's entry listening with `addEventListener`, which a
 * module cannot replace), or at worst fail, and the pool goes on.
 *
 * Fixed: the pool talks to each Worker over a private `MessagePort`, and
 * leaves the Worker's own channel to the jobs (`executor/worker_pool.ts`,
 * "What a job may do with `self`").
 */
import assert from "node:assert/strict";
import { WorkerPool } from "@aio/asyncio/executor";
import { run, waitFor } from "@aio/asyncio/task";

const MODULE = "data:text/javascript," + encodeURIComponent(`
self.onmessage = () => { /* this module's own Worker protocol */ };
export const twice = (n) => 2 * n;
`);
const OTHER = "data:text/javascript,export const seven = () => 7;";

Deno.test("jobs after a module that sets self.onmessage still run", async () => {
  const got = await run(async () => {
    const pool = new WorkerPool({ size: 1 });
    try {
      const outcome = (p: Promise<number>) =>
        waitFor(p, 3_000).then(String, (e) => (e as Error).name);
      return [
        await outcome(pool.submit<number>(MODULE, "twice", [1])),
        await outcome(pool.submit<number>(MODULE, "twice", [2])),
        await outcome(pool.submit<number>(OTHER, "seven", [])),
      ];
    } finally {
      pool.terminate();
    }
  });
  assert.deepEqual(got, ["2", "4", "7"]);
});
