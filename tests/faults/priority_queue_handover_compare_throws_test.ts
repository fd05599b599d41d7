/**
 * A `PriorityQueue` comparator that throws while `get()` moves a waiting
 * putter's item in loses the item taken, and leaves the putter waiting
 * forever.
 *
 * When the queue is full and a `put()` waits, `get()` takes the smallest
 * item and then hands the waiting putter's item over into the heap
 * (`Queue.#take()` in `sync/queue.ts`: `items.take()`, then
 * `this.#putters.shift()`, `this.#unfinished++`, `items.push(payload)`,
 * and only then `putter.setResult()`). If the comparator throws inside that
 * `push` (the putter's item cannot be compared, the case attack round 1
 * fixed for a plain `put()`), the exception leaves `#take()` after the
 * item was taken and the putter was taken off the waiters, but before it
 * was resolved:
 *
 * - `get()` throws the comparator's `TypeError`, and the item it took (1,
 *   the smallest) is in neither the result nor the queue: lost;
 * - the putter is no longer a waiter but its future never settles: its
 *   `put()` hangs forever (here cut by a 500 ms `waitFor`, hence the
 *   `CancelledError` the putter sees);
 * - `#unfinished` was counted up for an item that is not there, so
 *   `join()` can never return.
 *
 * Measured: items 1 and 2 in a `PriorityQueue(2, compare)` whose comparator
 * throws on "bad"; a task's `put("bad")` waits; `get()` throws
 * `TypeError: cannot compare`; the putter is still waiting 500 ms later;
 * the queue holds `[2]`. (`get()` throws synchronously here, as it takes
 * an item at once, rather than returning a rejected promise.) With
 * `getNowait()` instead, and the putter then cancelled: after taking the
 * `2` left and calling `taskDone()` for it, the queue shows
 * `PriorityQueue(maxsize=2, size=0, unfinished=2)` and `join()` does not
 * return (timed out after 300 ms).
 *
 * Expected (CPython 3.11.7 and 3.13.0, measured with the same items, a key
 * class whose `__lt__` raises for "bad": `get()` returns 1 and wakes the
 * putter, whose own `put_nowait()` then raises `TypeError` in the
 * putter's task; sync/mod.ts's queues promise each item put comes out
 * once): `get()` returns 1 (or fails without taking it), and the putter's
 * `put()` settles (with the `TypeError`, or having put its item).
 */
import assert from "node:assert/strict";
import { PriorityQueue } from "@aio/asyncio/sync";
import { createTask, run, sleep, waitFor } from "@aio/asyncio/task";

/** Numbers in order; "bad" cannot be compared. */
function compare(a: unknown, b: unknown): number {
  if (a === "bad" || b === "bad") throw new TypeError("cannot compare");
  return (a as number) - (b as number);
}

Deno.test("a comparator that throws during get()'s hand-over loses no item and leaves no putter hanging", async () => {
  const got = await run(async () => {
    const q = new PriorityQueue<unknown>(2, compare);
    q.putNowait(1);
    q.putNowait(2);
    const putter = createTask(async () => {
      try {
        await q.put("bad");
        return "put ok";
      } catch (e) {
        return `put threw ${(e as Error).name}`;
      }
    });
    await sleep(0);
    let get: string;
    try {
      get = `got ${String(await q.get())}`;
    } catch (e) {
      get = `get threw ${(e as Error).name}`;
    }
    const put = await waitFor(putter, 500).catch((e) =>
      `put still waiting after 500 ms (${(e as Error).name})`
    );
    const rest: unknown[] = [];
    while (!q.empty()) rest.push(q.getNowait());
    return { get, put, rest };
  });
  // The item taken is returned; the putter's put() has settled one way or
  // the other; whatever else, 2 is still there.
  assert.equal(got.get, "got 1");
  assert.match(got.put, /^put (ok|threw TypeError)$/);
  assert.ok(got.rest.includes(2));
});

Deno.test("after a hand-over the comparator refused, join() counts only the items there", async () => {
  await run(async () => {
    const q = new PriorityQueue<unknown>(2, compare);
    q.putNowait(1);
    q.putNowait(2);
    const bad = createTask(() => q.put("bad"));
    const good = createTask(() => q.put(3));
    await sleep(0);
    assert.equal(q.getNowait(), 1); // the room goes past "bad" to 3
    await assert.rejects(bad, TypeError);
    await good;
    const rest: unknown[] = [];
    while (!q.empty()) rest.push(q.getNowait());
    assert.deepEqual(rest, [2, 3]);
    for (let i = 0; i < 3; i++) q.taskDone();
    await waitFor(q.join(), 0); // nothing unfinished: returns at once
  });
});
