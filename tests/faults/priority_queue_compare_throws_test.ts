/**
 * A `PriorityQueue` comparator that throws during `put` duplicates an item.
 *
 * `HeapStore.push()` (`sync/_store.ts`) appends the new entry, then sifts
 * it up by copying each parent down (`items[i] = p`) and writes the entry
 * at its final place only at the end. If the comparator throws between the
 * two (a comparison two levels up), the entry is never written back: the
 * parent it copied down now sits in the heap twice, and the new item is
 * gone. The `putNowait()` throws (fine), but the queue now hands one
 * earlier item out twice (a job run twice). Measured: items 5, 3, 8, 1, 9,
 * 4, then a put of 0 whose comparison with 1 throws; draining gives
 * `[1, 3, 4, 4, 5, 8, 9]`.
 *
 * Comparators do throw: the default one compares with `<`, which throws on
 * symbols and null-prototype objects (say `[priority, payload]` entries
 * whose priorities tie); CPython's raises `TypeError` on `dict < dict` the
 * same way.
 *
 * Expected (sync/mod.ts: "a cancelled `put()` inserts none", the queues'
 * contract that each item put comes out once; CPython's `heappush`, used by
 * `asyncio.PriorityQueue`, swaps as it sifts, so an exception leaves each
 * item in the heap once; measured with CPython 3.11 and the same items and
 * failing comparison: the put raises and draining gives
 * `[1, 0, 3, 4, 5, 8, 9]`): the failed put leaves every item that was in
 * the queue there exactly once (the new one may or may not be in).
 */

import assert from "node:assert/strict";
import { PriorityQueue } from "../../sync/mod.ts";

Deno.test("a PriorityQueue put whose comparator throws leaves no item twice", () => {
  let hostile = false;
  const q = new PriorityQueue<number>(0, (a, b) => {
    if (hostile && ((a === 0 && b === 1) || (a === 1 && b === 0))) {
      throw new Error("comparator failed");
    }
    return a - b;
  });
  for (const v of [5, 3, 8, 1, 9, 4]) q.putNowait(v);
  hostile = true;
  assert.throws(() => q.putNowait(0), /comparator failed/);
  hostile = false;
  const drained: number[] = [];
  while (!q.empty()) drained.push(q.getNowait());
  const earlier = drained.filter((v) => v !== 0).sort((a, b) => a - b);
  assert.deepEqual(earlier, [1, 3, 4, 5, 8, 9], `drained ${drained}`);
});

Deno.test("a PriorityQueue get whose comparator throws keeps every item, in order", () => {
  let hostile = false;
  const q = new PriorityQueue<number>(0, (a, b) => {
    if (hostile) throw new Error("comparator failed");
    return a - b;
  });
  for (const v of [5, 3, 8, 1, 9, 4, 7, 2]) q.putNowait(v);
  hostile = true;
  assert.throws(() => q.getNowait(), /comparator failed/);
  assert.throws(() => q.putNowait(0), /comparator failed/);
  hostile = false;
  assert.equal(q.qsize(), 8);
  const drained: number[] = [];
  while (!q.empty()) drained.push(q.getNowait());
  assert.deepEqual(drained, [1, 2, 3, 4, 5, 7, 8, 9]);
});
