/**
 * Second review of attack round 25's fixes.
 *
 * Busy tick x pending cancellation: a request pending when the task starts a
 * granted wait is lost.
 *
 * What I did: inside a task, `currentTask().cancel()` (or any cancel() while
 * the task's code runs / no wait is pending, so the request stays pending for
 * the next wait), then put the loop in the busy state (primeBusyTick(), as
 * tests/faults/busy_tick_fast_waits_keep_call_order_test.ts does) and call a
 * fast-path wait (`q.get()` with an item, `lock.acquire()` on a free lock,
 * a set `Event.wait()`, `q.put()` with room), await it, then `await sleep(1)`.
 *
 * What happened: the wait resolves (fine: it took the item), but the
 * `sleep(1)` completes too: the task runs on as if never cancelled
 * (cancelling() is 1, nothing ever throws CancelledError).
 *
 * Expected: as on a non-busy tick (same code, without primeBusyTick(): the
 * sleep throws CancelledError), and as the Granted doc says: "a cancellation
 * meanwhile does not take it back ... the task gets the CancelledError at its
 * next wait". The cancel_scope module doc: "the request stays pending and the
 * next wait started in the scope or below is cancelled"; a wait that refuses
 * the cancellation did not take it.
 *
 * Cause: the Granted future is a pending library Future, so awaiting it
 * registers a wait; CancelScope.addWait (loop/cancel_scope.ts:592-594) clears
 * the pending request (#clearPendingUp) and calls wait.cancel() ignoring its
 * result; Granted.cancel() (sync/_waiters.ts:229) returns false, and the
 * request is gone. A non-busy fast path returns a native settled promise,
 * which registers nothing, so the request survives.
 * Fix: in addWait, if fanOut(...) returns false, keep the request pending
 * (this.keepPending(request) / don't clear it); same in #meetUnseen (:763).
 *
 * Fixed: a wait that refuses a delivered request and stays pending leaves
 * it pending for the next wait (loop/cancel_scope.ts, `addWait()`).
 *
 * Since attack round 26, a wait on a busy tick is where the request lands:
 * it gives the loop a turn, as a wait that waits, so a pending request is
 * delivered there before it acts (nothing taken), as asyncio delivers one
 * at the task's next suspension; a loop of such waits could otherwise run
 * on uncancelled (`busy_loop_never_cancelled_test.ts`). Either way the
 * request is not lost: it is delivered once.
 */
import assert from "node:assert/strict";
import { createTask, currentTask, run, sleep } from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";
import { Event, Lock, Queue } from "../../sync/mod.ts";
import { primeBusyTick } from "./_busy_tick.ts";

const name = (e: unknown) => (e as Error)?.name ?? String(e);

for (const kind of ["Queue.get", "Queue.put", "Lock.acquire", "Event.wait"]) {
  Deno.test(`a cancel pending before a ${kind} on a busy tick is delivered there, once`, async () => {
    const ev = await run(async () => {
      const q = new Queue<string>();
      q.putNowait("x");
      const lock = new Lock();
      const e = new Event();
      e.set();
      const ev: string[] = [];
      const t = createTask(async () => {
        currentTask()!.cancel();
        primeBusyTick();
        const w = kind === "Queue.get"
          ? q.get()
          : kind === "Queue.put"
          ? q.put("y")
          : kind === "Lock.acquire"
          ? lock.acquire()
          : e.wait();
        try {
          await w;
          ev.push("granted");
        } catch (err) {
          ev.push("threw " + name(err));
        }
        try {
          await sleep(1);
          ev.push("slept");
        } catch (err) {
          ev.push("next wait: " + name(err));
        }
      });
      await t.then(() => {}, () => {});
      return ev;
    }, { clock: new VirtualClock(), handleSigint: false });
    assert.deepEqual(ev, ["threw CancelledError", "slept"]);
  });
}
