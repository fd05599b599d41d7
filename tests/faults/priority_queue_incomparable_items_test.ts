/**
 * A `PriorityQueue` with the default order takes items that cannot be
 * ordered against each other as equal, and then hands out a larger item
 * while a smaller one waits.
 *
 * The default order compares with `<` and `>` and returns 0 when both are
 * false. For a number against a word (`3` and `"x"`), `undefined` or an
 * object without `valueOf`, both are false: the word "equals" every number,
 * ties go by insertion order, and the heap's order is no longer
 * transitive. Measured: puts of 3, "x", 2, 1 drain as `[2, 1, 3, "x"]`, so
 * `get()` gives 2 while 1 is in the queue (a job of priority 1 runs after
 * one of priority 2). The same happens to `[priority, job]` entries whose
 * priority is sometimes missing (`undefined`).
 *
 * Expected (CPython 3.11 and 3.13: `asyncio.PriorityQueue().put_nowait()`
 * of `'x'` after `3` raises `TypeError: '<' not supported between
 * instances of 'str' and 'int'`): the put of an item the default order
 * cannot place raises `TypeError`, and the queue keeps its order. Values
 * JS orders (numbers with bigints, numeric strings with numbers), equal
 * values (`undefined` tying `undefined` in `[priority, payload]` entries,
 * as Python's tuple compare finds `None == None` first) and NaN (Python's
 * floats do not raise either) still compare.
 */

import assert from "node:assert/strict";
import { PriorityQueue } from "../../sync/mod.ts";

Deno.test("a PriorityQueue refuses an item the default order cannot place", () => {
  const q = new PriorityQueue<unknown>();
  q.putNowait(3);
  assert.throws(() => q.putNowait("x"), TypeError);
  q.putNowait(2);
  q.putNowait(1);
  const drained: unknown[] = [];
  while (!q.empty()) drained.push(q.getNowait());
  assert.deepEqual(drained, [1, 2, 3]);
});

Deno.test("a PriorityQueue refuses a missing priority among numbers", async () => {
  const q = new PriorityQueue<[number | undefined, string]>();
  await q.put([2, "b"]);
  await assert.rejects(q.put([undefined, "?"]), TypeError);
  assert.equal(q.qsize(), 1);
});

Deno.test("the default order still takes what JS orders, and ties", () => {
  const q = new PriorityQueue<unknown>();
  for (const x of [3, 1n, 2.5, NaN]) q.putNowait(x);
  assert.equal(q.qsize(), 4);
  const entries = new PriorityQueue<[number, undefined | null, string]>();
  entries.putNowait([1, undefined, "a"]);
  entries.putNowait([1, undefined, "b"]);
  entries.putNowait([0, null, "c"]);
  entries.putNowait([0, null, "d"]);
  const order: string[] = [];
  while (!entries.empty()) order.push(entries.getNowait()[2]);
  assert.deepEqual(order, ["c", "d", "a", "b"]);
  const objects = new PriorityQueue<[number, object]>();
  objects.putNowait([1, {}]);
  objects.putNowait([1, {}]);
  assert.equal(objects.qsize(), 2);
});
