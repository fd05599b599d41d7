/**
 * Second review of attack round 25's fixes.
 *
 * Busy tick x lock(): a granted `lock.lock()` / `sem.lock()` under
 * waitFor()/timeout()/a task cancel throws while the lock stays taken, and
 * nobody holds the guard: the lock is leaked for ever (deadlock).
 *
 * What I did (VirtualClock): on a busy tick (primeBusyTick()), a free Lock:
 * (1) `await waitFor(lock.lock(), 0)`; (2) in a task
 * `using g = await waitFor(lock.lock(), 100)`, the task cancelled in the
 * granted tick; (3) the same with a Semaphore(1).lock(). Then looked at
 * lock.locked() / sem.locked().
 *
 * What happened: (1) TimeoutError, lock.locked() === true; (2), (3)
 * CancelledError, still locked. No guard ever reached the caller, so the lock
 * can never be released. The same code on a non-busy tick gets the guard
 * (and releases it): "guard", locked false.
 *
 * Expected: as for `waitFor(q.get(), ...)` on a busy tick (which keeps the
 * item) and as the Granted doc says (sync/_waiters.ts:205-210): "the
 * primitive has already done its part (the lock is taken) ... a cancellation
 * meanwhile does not take it back: cancel() refuses". README: "a waiter
 * cancelled after the hand-over keeps what it was given".
 *
 * Cause: guarded() (sync/_waiters.ts:185-187) only special-cases a Waiter
 * and RESOLVED_TRUE; a Granted falls to `acquired.then(() => new Guard())`,
 * a plain native promise. waitFor()/gather() wrap it (toFuture) in a
 * cancellable future, and cancelling that drops the guard while the lock
 * stays taken (the Granted's refusal is never consulted).
 * Fix: in guarded(), for a Granted return a Granted of the Guard (e.g. a
 * mapResult hook on Granted, or grantNextTick(loop, new Guard(resource))
 * riding the same job), so the returned future itself refuses cancel().
 *
 * Fixed: `guarded()` grants the Guard itself for the next tick when the
 * acquisition was granted, so no native wrapper can drop it.
 */
import assert from "node:assert/strict";
import { createTask, run, sleep, waitFor } from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";
import { Lock, Semaphore } from "../../sync/mod.ts";
import { primeBusyTick } from "./_busy_tick.ts";

const name = (e: unknown) => (e as Error)?.name ?? String(e);
const opts = () => ({ clock: new VirtualClock(), handleSigint: false });

Deno.test("granted lock.lock() under waitFor(…, 0) gives the guard, not a held lock", async () => {
  const out = await run(async () => {
    const lock = new Lock();
    primeBusyTick();
    const r = await waitFor(lock.lock(), 0).then((g) => {
      g[Symbol.dispose]();
      return "guard";
    }, name);
    return { r, locked: lock.locked() };
  }, opts());
  assert.deepEqual(out, { r: "guard", locked: false });
});

Deno.test("granted lock.lock() under waitFor() in a task cancelled in the granted tick leaves the lock free", async () => {
  const out = await run(async () => {
    const lock = new Lock();
    const t = createTask(async () => {
      primeBusyTick();
      using _g = await waitFor(lock.lock(), 100);
      return "guard";
    });
    await sleep(0);
    t.cancel();
    const r = await t.catch(name);
    return { locked: lock.locked(), r };
  }, opts());
  // Either outcome of the await is acceptable; the lock must not leak.
  assert.equal(out.locked, false, `task ended with ${out.r}, lock still held`);
});

Deno.test("granted Semaphore.lock() under waitFor() in a cancelled task gives the permit back", async () => {
  const out = await run(async () => {
    const sem = new Semaphore(1);
    const t = createTask(async () => {
      primeBusyTick();
      using _g = await waitFor(sem.lock(), 100);
      return "guard";
    });
    await sleep(0);
    t.cancel();
    const r = await t.catch(name);
    return { locked: sem.locked(), r };
  }, opts());
  assert.equal(
    out.locked,
    false,
    `task ended with ${out.r}, permit still taken`,
  );
});
