// deno test tests/user/jobs_test.ts
// Virtual clock throughout: no host I/O, so every run is exact and repeatable.
import assert from "node:assert/strict";
import { CancelledError, run } from "@aio/asyncio/task";
import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import {
  DEMO_JOBS,
  DEMO_OPTIONS,
  runJobs,
  RunLog,
  type RunnerOptions,
} from "./jobs.ts";

async function runOnce(options: RunnerOptions) {
  const log = new RunLog();
  const reports: string[] = [];
  let outcome = "returned";
  try {
    await run(async () => {
      getRunningLoop().setExceptionHandler((_l, ctx) => {
        reports.push(`${ctx.message} ${String(ctx.exception)}`);
      });
      await runJobs(DEMO_JOBS, options, log);
    }, { clock: new VirtualClock() });
  } catch (e) {
    outcome = e instanceof CancelledError
      ? `cancelled: ${e.message}`
      : `threw ${e}`;
  }
  return { log, reports, outcome };
}

Deno.test("jobs: retries, ordered shielded commits, errors in place, bounded concurrency", async () => {
  const { log, reports, outcome } = await runOnce(DEMO_OPTIONS);
  assert.equal(outcome, "returned");
  assert.deepEqual(reports, []);
  assert.deepEqual(log.results, [
    "r0",
    "r1",
    "r2",
    "GaveUpError",
    "r4",
    "r5",
    "FatalError",
    "r7",
    "r8",
    "r9",
    "r10",
    "r11",
  ]);
  // Commits in job order, each once, none torn.
  assert.deepEqual(log.ledger.committed, [0, 1, 2, 4, 5, 7, 8, 9, 10, 11]);
  assert.deepEqual(log.ledger.torn(), []);
  // Attempts: failTimes + 1, capped at maxAttempts; fatal ones once.
  for (const spec of DEMO_JOBS) {
    const want = spec.fatal
      ? 1
      : Math.min(spec.failTimes + 1, DEMO_OPTIONS.maxAttempts);
    assert.equal(log.attempts.get(spec.id), want, `job ${spec.id}`);
  }
  assert.equal(log.maxRunning, DEMO_OPTIONS.concurrency);
  // Backoff: job 9's attempts start at least 20, 40, 80 ms apart.
  const nine = log.starts.filter(([, id]) => id === 9).map(([t]) => t);
  assert.equal(nine.length, 4);
  for (let i = 1; i < nine.length; i++) {
    assert.ok(nine[i]! - nine[i - 1]! >= 35 + 20 * 2 ** (i - 1), String(nine));
  }
  // asCompleted saw every job, once, in completion order.
  assert.equal(log.completionOrder.length, DEMO_JOBS.length);
  assert.equal(new Set(log.completionOrder).size, DEMO_JOBS.length);
  assert.ok(log.completionOrder.includes("job-6:FatalError"));
  assert.ok(log.completionOrder.includes("job-3:GaveUpError"));
  // Virtual time: the same end on every run.
  const again = await runOnce(DEMO_OPTIONS);
  assert.equal(again.log.endedAt, log.endedAt);
  assert.deepEqual(again.log.starts, log.starts);
  assert.deepEqual(again.log.completionOrder, log.completionOrder);
});

Deno.test("jobs: ^C at any moment — run() ends cancelled, no commit torn, commits in order", async () => {
  const full = (await runOnce(DEMO_OPTIONS)).log.endedAt;
  let shieldedSomewhere = 0;
  for (let at = 0; at <= full + 10; at += 3) {
    const { log, reports, outcome } = await runOnce({
      ...DEMO_OPTIONS,
      cancelAfterMs: at,
    });
    const where = `cancel at ${at} ms`;
    if (at < full) assert.equal(outcome, "cancelled: ^C", where);
    assert.deepEqual(log.ledger.torn(), [], where);
    const c = log.ledger.committed;
    assert.deepEqual(c, [...c].sort((a, b) => a - b), where);
    assert.equal(new Set(c).size, c.length, where);
    // A commit the ^C hit still made it into the ledger.
    for (const id of log.ledger.shieldedThroughCancel) {
      assert.ok(c.includes(id), where);
    }
    shieldedSomewhere += log.ledger.shieldedThroughCancel.length;
    // Cancelled jobs are reported by gather's caller, not as "never
    // retrieved" errors.
    assert.deepEqual(reports, [], where);
  }
  assert.ok(shieldedSomewhere > 0, "some ^C landed during a commit");
});
