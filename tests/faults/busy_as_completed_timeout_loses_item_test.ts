/**
 * asCompleted() with a timeout that is due in the next tick, around a
 * Queue.get() that need not wait: on a normal tick the get's settled
 * promise is taken as a done future and its item comes out; on a busy tick
 * the get returns a Granted future (the item already out of the queue),
 * which completes in the next tick, but its done callback only runs a tick
 * after that, so the timer wins: the iteration throws TimeoutError and the
 * item is out of the queue and out of the caller's hands.
 * (Same on the real clock with timeout 0: 20 of 20 runs; 1 ms: 0 of 20.)
 */
import assert from "node:assert/strict";
import { asCompleted, run } from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";
import { Queue } from "../../sync/mod.ts";
import { primeBusyTick } from "./_busy_tick.ts";

for (const busy of [false, true]) {
  Deno.test(`asCompleted(timeout 0) yields a get() that took its item (busy tick: ${busy})`, async () => {
    const out = await run(async () => {
      const q = new Queue<string>();
      q.putNowait("x");
      if (busy) primeBusyTick();
      const got: string[] = [];
      for (const next of asCompleted([q.get()], { timeout: 0 })) {
        try {
          got.push(await next);
        } catch (error) {
          got.push((error as Error).name);
        }
      }
      return { got, left: q.qsize() };
    }, { clock: new VirtualClock(), handleSigint: false });
    assert.deepEqual(out, { got: ["x"], left: 0 });
  });
}
