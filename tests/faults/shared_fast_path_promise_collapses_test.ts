/**
 * Third review of attack round 25's fixes (the marks of eb6fbe0).
 *
 * What I did: `asCompleted()` and `wait()` over three separate
 * `sem.acquire()` calls on a Semaphore(3) (all free: fast path), releasing
 * one permit per completion the iterator yields / per done input.
 *
 * What happened: every uncontended acquire returns the one shared
 * RESOLVED_TRUE promise (sync/_waiters.ts:167, sync/semaphore.ts:137), and
 * asCompleted()/wait() dedupe their inputs (`new Set(aws)`,
 * task/as_completed.ts:114, task/wait.ts), so three acquisitions come out
 * as one completion / one done input: the loop releases one permit and
 * two stay taken for good. With one permit busy (slow path: three distinct
 * waiters) the same code yields three. (Older than this round: the shared
 * promise predates eb6fbe0, which now gives it a value tag too.)
 *
 * Expected: one completion per call, as asyncio's as_completed/wait over
 * three acquire tasks gives three; the result must not depend on whether
 * the semaphore was free. Fix: a fresh settled(true) per fast-path call,
 * or no dedupe of distinct calls (impossible to tell apart now).
 *
 * Fixed: each fast path returns a promise of its own (`settled(true)`).
 */
import assert from "node:assert/strict";
import { VirtualClock } from "../../loop/mod.ts";
import { Semaphore } from "../../sync/mod.ts";
import { asCompleted, run, wait } from "../../task/mod.ts";

Deno.test("asCompleted/wait over three free acquires see three completions", async () => {
  const out = await run(async () => {
    const sem = new Semaphore(3);
    let yielded = 0;
    for (
      const p of asCompleted([sem.acquire(), sem.acquire(), sem.acquire()])
    ) {
      await p;
      yielded++;
      sem.release();
    }
    const afterAsCompleted = sem.value;
    const sem2 = new Semaphore(3);
    const { done } = await wait([
      sem2.acquire(),
      sem2.acquire(),
      sem2.acquire(),
    ]);
    for (const _ of done) sem2.release();
    return {
      yielded,
      afterAsCompleted,
      doneSize: done.size,
      afterWait: sem2.value,
    };
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.deepEqual(out, {
    yielded: 3,
    afterAsCompleted: 3,
    doneSize: 3,
    afterWait: 3,
  });
});
