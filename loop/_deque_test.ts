import assert from "node:assert/strict";
import fc from "fast-check";
import { Deque } from "./deque.ts";

// Bursts past the size where the storage grows and then halves again, with
// both ends used, against an array: the same items in the same order.
Deno.test("Deque keeps its items and their order as it grows and shrinks from either end", () => {
  const op = fc.oneof(
    fc.record({ kind: fc.constant("push" as const), n: fc.nat(3000) }),
    fc.record({ kind: fc.constant("unshift" as const), n: fc.nat(3000) }),
    fc.record({ kind: fc.constant("shift" as const), n: fc.nat(3000) }),
    fc.record({ kind: fc.constant("pop" as const), n: fc.nat(3000) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 12 }), (ops) => {
      const deque = new Deque<number>();
      const model: number[] = [];
      let next = 0;
      for (const { kind, n } of ops) {
        for (let i = 0; i < n; i++) {
          switch (kind) {
            case "push":
              deque.push(next);
              model.push(next++);
              break;
            case "unshift":
              deque.unshift(next);
              model.unshift(next++);
              break;
            case "shift":
              assert.equal(deque.shift(), model.shift());
              break;
            case "pop":
              assert.equal(deque.pop(), model.pop());
              break;
          }
        }
        assert.equal(deque.length, model.length);
        assert.equal(deque.peekFront(), model[0]);
        assert.equal(deque.peekBack(), model.at(-1));
      }
      assert.deepEqual([...deque], model);
    }),
    { numRuns: 60 },
  );
});
