/**
 * Code run while `WorkerPool.submit()` clones a job's arguments (a getter
 * among them) can wedge the pool: a job aborted there leaves the queue
 * count at -1 and every later job hangs; a job submitted there is sent to
 * the same busy Worker and never settles.
 *
 * Measured (size 1):
 *
 * 1. An argument whose getter aborts the job's own signal: the job rejects
 *    with the reason, `pool.queued` is then `-1`, and the next
 *    `submit(url, "echo", [2])` never settles (still pending after 2 s,
 *    `queued` 0, one Worker, idle).
 * 2. An argument whose getter submits another job: the outer job resolves,
 *    the inner one never settles (pending after 2 s).
 *
 * Why (executor/worker_pool.ts): `#dispatch()` takes the job off the queue
 * and decrements `#queued`, then `#start()` calls `w.port.postMessage()`,
 * whose structured clone runs the getters, and only afterwards sets
 * `job.state = RUNNING` and `w.job = job`. (1) `#abort()` sees the job still
 * `QUEUED` and decrements `#queued` a second time; `#start()` then marks the
 * settled job RUNNING again. `#dispatch()` loops `while (#queued > 0)`, so
 * from then on the last job queued is never dispatched. (2) the nested
 * `submit()` runs `#dispatch()`, which finds the Worker idle (`w.job` not
 * yet set) and sends it the inner job; `#start()` then records the outer
 * job as the Worker's, so the inner job's answer is dropped (`job.id !==
 * message.id`): it breaks "the pool never sends a second one before the
 * first answered" (executor/_worker.js).
 *
 * Expected (`submit()` doc: "aborting `signal` rejects the promise at once
 * ... The pool stays usable"; every job settles): later jobs run, the inner
 * job resolves. Low severity: needs a getter with side effects in the
 * arguments (structured clone calls getters).
 */
import assert from "node:assert/strict";
import { WorkerPool } from "../../executor/mod.ts";

const url = "data:text/javascript,export const echo = (x) => x;";

function within(p: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise((resolve) => {
      timer = setTimeout(() => resolve("still pending"), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

Deno.test("a job aborted while its arguments are cloned leaves the pool usable", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    const c = new AbortController();
    const arg = {
      get x() {
        c.abort(new Error("aborted in clone"));
        return 1;
      },
    };
    await assert.rejects(
      pool.submit(url, "echo", [arg], { signal: c.signal }),
      /aborted in clone/,
    );
    assert.equal(pool.queued, 0);
    assert.equal(await within(pool.submit(url, "echo", [2]), 2000), 2);
  } finally {
    pool.terminate();
  }
});

Deno.test("a job submitted while another's arguments are cloned settles", async () => {
  const pool = new WorkerPool({ size: 1 });
  try {
    let inner: Promise<unknown> | null = null;
    const arg = {
      get x() {
        inner ??= pool.submit(url, "echo", ["inner"]).catch(String);
        return 1;
      },
    };
    assert.deepEqual(await pool.submit(url, "echo", [arg]), { x: 1 });
    assert.equal(await within(inner!, 2000), "inner");
  } finally {
    pool.terminate();
  }
});
