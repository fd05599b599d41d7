import assert from "node:assert/strict";
import { Channel, Fifo, RESOLVED } from "./_fifo.ts";

Deno.test("Fifo keeps FIFO order across growth and wrap-around", () => {
  const f = new Fifo<number>();
  const out: number[] = [];
  let next = 0;
  // Interleave so that the ring wraps before it grows, several times.
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < round % 7 + 3; i++) f.push(next++);
    for (let i = 0; i < round % 5 + 1 && f.length > 0; i++) {
      out.push(f.shift()!);
    }
  }
  while (f.length > 0) out.push(f.shift()!);
  assert.deepEqual(out, Array.from({ length: next }, (_, i) => i));
  assert.equal(f.shift(), undefined);
});

Deno.test("Channel hands items over in FIFO order and returns the shared promise when it need not wait", async () => {
  const c = new Channel<number>(1);
  assert.equal(c.put(0), RESOLVED);
  const blocked = [c.put(1), c.put(2)];
  assert.notEqual(blocked[0], RESOLVED);
  const order: string[] = [];
  blocked.forEach((p, i) => p.then(() => order.push(`put ${i + 1}`)));
  assert.equal(await c.get(), 0);
  assert.equal(await c.get(), 1);
  assert.equal(await c.get(), 2);
  await Promise.all(blocked);
  assert.deepEqual(order, ["put 1", "put 2"]);
  const waiting = [c.get(), c.get()];
  assert.equal(c.put(3), RESOLVED);
  assert.equal(c.put(4), RESOLVED);
  assert.deepEqual(await Promise.all(waiting), [3, 4]);
  assert.throws(() => new Channel(0), RangeError);
});
