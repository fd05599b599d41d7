/**
 * Second review of attack round 25's fixes.
 *
 * Busy tick: one grant per 4 ms per tick, so N branches that never park keep
 * the host out for about N x 4 ms.
 *
 * What I did (real clock, run()): 100 tasks, each `while (!stop) await
 * ev.wait()` on a set Event (a loop of waits that need not wait; Queue.get
 * with items or a free Lock behave the same), and a host
 * `setTimeout(() => stop = true, 1)`. Measured when the host timer fired.
 *
 * What happened: the timer fired after ~410 ms (N=10: ~43 ms, N=100: ~413,
 * N=300: ~1,226 ms: linear in N). All tasks start in one tick and interleave
 * in microtasks; the tick ends only when every one of them is parked, and the
 * loop parks just one fast wait per 256 waits + 4 ms
 * (loop/event_loop.ts:1029-1031 resets #busyCount and #busySince after each
 * grant), so the tick lasts ~N x 4 ms.
 *
 * Expected: README "How it differs": "A busy loop (tasks that never wait on
 * the host ...) lets the host run every 4 ms, and lets it poll sockets and
 * fire its timers at least every 50 ms".
 *
 * Fix: once a tick has given way (#hostDue set), grant every later fast wait
 * of that tick at once (keep returning true from [busyTick]() until the tick
 * ends), so all branches park within one pass and the tick ends.
 *
 * The test checks the rule itself, not wall time: in a tick that gave way
 * once, every later wait that need not wait (of any primitive) is granted
 * a tick later; in the next tick, they go back to settled promises.
 *
 * Fixed: once a tick gave way, every later wait that need not wait in it
 * gives way too, so the tick ends however many branches keep it.
 */
import assert from "node:assert/strict";
import { Future, VirtualClock } from "../../loop/mod.ts";
import { Event, Lock, Queue, Semaphore } from "../../sync/mod.ts";
import { run, sleep } from "../../task/mod.ts";
import { primeBusyTick } from "./_busy_tick.ts";

Deno.test("once a tick gave way, every later wait that need not wait in it gives way too", async () => {
  const kinds = await run(async () => {
    const ev = new Event();
    ev.set();
    const q = new Queue<number>();
    for (let i = 0; i < 4; i++) q.putNowait(i);
    const lock = new Lock();
    const sem = new Semaphore(2);
    const kind = (p: Promise<unknown>) =>
      p instanceof Future ? (p.done() ? "done" : "next tick") : "now";
    primeBusyTick();
    const busy = [
      kind(ev.wait()), // the one that gives way
      kind(ev.wait()),
      kind(q.get()),
      kind(lock.acquire()),
      kind(sem.acquire()),
      kind(q.put(9)),
    ];
    await sleep(0); // a new tick
    const after = [kind(ev.wait()), kind(q.get()), kind(sem.acquire())];
    return { busy, after };
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.deepEqual(kinds, {
    busy: Array(6).fill("next tick"),
    after: ["now", "now", "now"],
  });
});
