/**
 * Third review of attack round 25's fixes (the marks of eb6fbe0).
 *
 * What I did: an Event that is set; `ev.wait()` returns the shared
 * RESOLVED_TRUE promise. Put that promise in a Queue (collecting the
 * promises of waits is ordinary code) and `get()` it on the fast path.
 * Then `gather(new Lock().acquire())` and `waitFor(...)` anywhere later.
 *
 * What happened: `settled(item)` (loop/future.ts:59-63) is
 * `Promise.resolve(RESOLVED_TRUE)`, i.e. RESOLVED_TRUE itself, and it
 * overwrites the shared promise's tag with the promise itself. From then
 * on, for the whole process, every fast-path acquire/Event.wait()/
 * Semaphore.acquire() handed to a combinator yields the promise object,
 * not `true`: `gather(lock.acquire())` resolves with `[Promise]`.
 *
 * Expected: `[true]`, as before and as the fault test
 * combinator_cancel_loses_fast_path_value_test.ts asserts; one queue's
 * item must not change what unrelated locks give.
 *
 * Fixed: there is no shared marked promise any more, and marks live in a
 * side table.
 */
import assert from "node:assert/strict";
import { VirtualClock } from "../../loop/mod.ts";
import { Event, Lock, Queue } from "../../sync/mod.ts";
import { gather, run } from "../../task/mod.ts";

Deno.test("a queue item that is a fast-path promise does not retag the shared RESOLVED_TRUE", async () => {
  const out = await run(async () => {
    const ev = new Event();
    ev.set();
    const q = new Queue<Promise<boolean>>();
    q.putNowait(ev.wait());
    await q.get();
    const [acquired] = await gather(new Lock().acquire());
    return (acquired as unknown) instanceof Promise ? "a promise" : acquired;
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.equal(out, true);
});
