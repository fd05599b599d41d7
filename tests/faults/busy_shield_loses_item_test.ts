/**
 * Third review of attack round 25's fixes (the marks of eb6fbe0).
 *
 * What I did: a task on a busy tick (primeBusyTick()) takes an item with
 * `await shield(q.get())`; another task cancels it in that same tick, while
 * it waits. The same with the tick not busy.
 *
 * What happened: not busy, `q.get()` is a tagged settled promise, shield()
 * takes it as a done future and returns it as is (task/shield.ts:59), so
 * the task gets "x" and the cancellation reaches its next wait. Busy,
 * `q.get()` has already taken the item but returns a `Granted` future
 * (sync/_waiters.ts), which is not done yet: shield() wraps it in an outer
 * future, the cancel ends that outer future, the task gets CancelledError
 * and "x" is gone (out of the queue, held by nobody).
 *
 * Expected: the same outcome busy or not. README: on a busy tick a wait
 * that need not wait "still acts at the call ... but resolves a tick later;
 * a cancellation meanwhile reaches the next wait, as for a woken waiter",
 * and eb6fbe0: combinators incl. shield() take a fast path's promise as a
 * done future so "cancelling them gives back what it took". A woken waiter
 * is done, so shield() returns it as is; a Granted (whose cancel() refuses)
 * should be treated the same.
 *
 * Fixed: `shield()` returns a granted future as it is, as it does a done
 * one (its cancel() refuses either way).
 */
import assert from "node:assert/strict";
import { VirtualClock } from "../../loop/mod.ts";
import { Queue } from "../../sync/mod.ts";
import { createTask, run, shield, sleep } from "../../task/mod.ts";
import { primeBusyTick } from "./_busy_tick.ts";

async function scenario(busy: boolean): Promise<string> {
  return await run(async () => {
    const q = new Queue<string>();
    q.putNowait("x");
    let taking = false;
    const t = createTask(async () => {
      if (busy) primeBusyTick();
      taking = true;
      const v = await shield(q.get());
      return `got ${v}`;
    });
    while (!taking) await sleep(0);
    t.cancel();
    const r = await t.then((v) => v, (e) => `threw ${(e as Error).name}`);
    return `${r}, qsize ${q.qsize()}`;
  }, { clock: new VirtualClock(), handleSigint: false });
}

Deno.test("shield(q.get()) cancelled gives the item back on a busy tick too", async () => {
  const calm = await scenario(false);
  const busy = await scenario(true);
  assert.equal(calm, "got x, qsize 0");
  assert.equal(busy, calm);
});
