/**
 * A combinator cancelled around a wait that did not need to wait (second
 * review of attack round 25, older than the round).
 *
 * Found: `gather(q.get())` on a queue with an item, cancelled before it
 * resolved, threw `CancelledError` and the item was gone from the queue;
 * `gather(lock.lock())` left the lock held with no guard returned. The fast
 * path acts at the call (takes the item, the lock) and returns a settled
 * native promise; the combinator wrapped that promise in a task, and
 * cancelling the task threw the value away. In asyncio the coroutine would
 * not have run yet, so nothing was taken; the library's calls run at once,
 * so what they took must reach the caller.
 *
 * Fixed: the settled promises of the fast paths carry their value
 * (`settledWith`, loop/future.ts), and a combinator takes such a promise as
 * a done future: its cancel() then has nothing to cancel, and the value
 * comes back, as asyncio's gather of done futures does.
 */

import assert from "node:assert/strict";
import { VirtualClock } from "../../loop/mod.ts";
import { Lock, Queue, Semaphore } from "../../sync/mod.ts";
import { gather, run } from "../../task/mod.ts";

const outcome = (p: Promise<unknown>): Promise<string> =>
  p.then(
    (value) => `value ${JSON.stringify(value)}`,
    (error) => `threw ${(error as Error).name}`,
  );

Deno.test("gather() cancelled around fast-path waits gives back what they took", async () => {
  const out = await run(async () => {
    const q = new Queue<string>();
    q.putNowait("x");
    const lock = new Lock();
    const sem = new Semaphore(1);
    const got = gather(q.get(), lock.acquire(), sem.acquire());
    const cancelled = got.cancel();
    return {
      cancelled,
      got: await outcome(got),
      qsize: q.qsize(),
      locked: lock.locked(),
      permits: sem.value,
    };
  }, { clock: new VirtualClock(), handleSigint: false });
  // Nothing was lost: the caller holds the item, the lock and the permit.
  assert.deepEqual(out, {
    cancelled: false,
    got: 'value ["x",true,true]',
    qsize: 0,
    locked: true,
    permits: 0,
  });
});

Deno.test("gather(lock.lock()) cancelled gives back the guard, which frees the lock", async () => {
  const locked = await run(async () => {
    const lock = new Lock();
    const got = gather(lock.lock());
    got.cancel();
    const [guard] = await got;
    guard[Symbol.dispose]();
    return lock.locked();
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.equal(locked, false);
});
