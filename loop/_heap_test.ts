import assert from "node:assert/strict";
import fc from "fast-check";
import { Heap, type HeapEntry } from "./_heap.ts";

interface Entry extends HeapEntry {
  readonly id: number;
}

/** A step of a random run: push a deadline, pop, or drop every k-th entry. */
const step = fc.oneof(
  fc.record({
    push: fc.oneof(
      fc.integer({ min: 0, max: 20 }), // many equal deadlines
      fc.double({ min: 0, max: 1e6, noNaN: true }),
      fc.constant(Infinity),
    ),
  }),
  fc.record({ pop: fc.constant(true) }),
  fc.record({ dropEvery: fc.integer({ min: 2, max: 5 }) }),
);

/** The model's order; Infinity - Infinity is NaN, so no subtraction. */
function byKey(a: Entry, b: Entry): number {
  if (a.deadline !== b.deadline) return a.deadline < b.deadline ? -1 : 1;
  return a.seq - b.seq;
}

Deno.test("Heap pops by (deadline, seq) through pushes, pops and filters, as a sorted list does", () => {
  fc.assert(
    fc.property(fc.array(step, { maxLength: 300 }), (steps) => {
      const heap = new Heap<Entry>();
      let model: Entry[] = [];
      let seq = 0;
      for (const s of steps) {
        if ("push" in s) {
          // Sequence numbers are unique but not pushed in order of size
          // relative to deadlines: ties must still pop oldest first.
          const entry = { deadline: s.push, seq: seq, id: seq++ };
          heap.push(entry);
          model.push(entry);
        } else if ("pop" in s) {
          model.sort(byKey);
          assert.equal(heap.pop(), model.shift());
        } else {
          const keep = (e: Entry) => e.id % s.dropEvery !== 0;
          heap.filter(keep);
          model = model.filter(keep);
        }
        model.sort(byKey);
        assert.equal(heap.size, model.length);
        assert.equal(heap.peek(), model[0]);
      }
      const drained: Entry[] = [];
      for (let e = heap.pop(); e !== undefined; e = heap.pop()) drained.push(e);
      assert.deepEqual(drained, model);
    }),
    { numRuns: 300 },
  );
});

Deno.test("Heap.clear() empties it, and it works after", () => {
  const heap = new Heap<Entry>();
  for (let i = 0; i < 10; i++) heap.push({ deadline: 10 - i, seq: i, id: i });
  heap.clear();
  assert.equal(heap.size, 0);
  assert.equal(heap.pop(), undefined);
  heap.push({ deadline: 2, seq: 11, id: 11 });
  heap.push({ deadline: 1.5, seq: 12, id: 12 });
  assert.deepEqual([heap.pop()?.id, heap.pop()?.id, heap.pop()], [
    12,
    11,
    undefined,
  ]);
});
