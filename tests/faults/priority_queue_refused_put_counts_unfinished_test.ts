/**
 * A `PriorityQueue` put whose item the comparator refuses still counts as
 * an unfinished item, so `join()` never returns.
 *
 * `Queue.#insert()` (`sync/queue.ts`) raised the count of unfinished items
 * before handing the item to the store, whose heap calls the comparator.
 * When that throws (the default order does on a symbol or a value it
 * cannot order; a user comparator may), the put throws and the item is not
 * in the queue, as documented, but the count stays raised: after every
 * item in the queue was taken and marked done, `join()` still waits, for
 * an item nobody can take. Measured: one put of 1, one refused put, then a
 * get and `taskDone()`: `PriorityQueue(maxsize=0, size=0, unfinished=1)`,
 * and a `join()` waits forever (a worker pool's shutdown hangs).
 *
 * The same `put()` (not `putNowait()`) threw at the call instead of
 * rejecting the promise it returns, unlike `get()`, whose comparator error
 * rejects: `q.put(item).catch(handle)` never reached `handle`.
 *
 * Expected (CPython's `put_nowait()` raises before it counts the item:
 * `self._put(item)` comes before `self._unfinished_tasks += 1`): a refused
 * item is not counted, `join()` returns once the items in the queue are
 * done, and `put()` rejects.
 */

import assert from "node:assert/strict";
import { VirtualClock } from "../../loop/mod.ts";
import { PriorityQueue } from "../../sync/mod.ts";
import { run, waitFor } from "../../task/mod.ts";

Deno.test("a refused PriorityQueue put leaves join() to the items in the queue", async () => {
  const outcome = await run(async () => {
    const q = new PriorityQueue<unknown>();
    q.putNowait(1);
    assert.throws(() => q.putNowait(Symbol("refused")), TypeError);
    assert.equal(q.qsize(), 1);
    await q.get();
    q.taskDone();
    await waitFor(q.join(), 1_000);
    return String(q);
  }, { clock: new VirtualClock() });
  assert.equal(outcome, "PriorityQueue(maxsize=0, size=0)");
});

Deno.test("a PriorityQueue put() refused by its comparator rejects", async () => {
  const q = new PriorityQueue<number>(0, (a, b) => {
    if (a === 13 || b === 13) throw new Error("unlucky");
    return a - b;
  });
  q.putNowait(1);
  let put: Promise<void> | undefined;
  assert.doesNotThrow(() => {
    put = q.put(13);
  });
  await assert.rejects(put!, /unlucky/);
  assert.equal(q.qsize(), 1);
});
