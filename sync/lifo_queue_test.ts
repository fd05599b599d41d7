import assert from "node:assert/strict";
import { createTask } from "../task/mod.ts";
import { LifoQueue } from "./lifo_queue.ts";
import { ticks, vrun } from "../task/_test_util.ts";

Deno.test("LifoQueue returns the most recent item first", () => {
  const q = new LifoQueue<number>();
  for (const n of [1, 2, 3]) q.putNowait(n);
  assert.deepEqual([q.getNowait(), q.getNowait(), q.getNowait()], [3, 2, 1]);
});

Deno.test("LifoQueue bounded: a waiting putter's item goes on top when a slot frees", async () => {
  await vrun(async () => {
    const q = new LifoQueue<number>(2);
    q.putNowait(1);
    q.putNowait(2);
    const t = createTask(() => q.put(3));
    await ticks();
    assert.equal(q.getNowait(), 2);
    await t;
    assert.deepEqual([q.getNowait(), q.getNowait()], [3, 1]);
    assert.equal(String(q), "LifoQueue(maxsize=2, size=0, unfinished=3)");
  });
});

Deno.test("LifoQueue.shutdown(true) drops every item", () => {
  const q = new LifoQueue<number>();
  q.putNowait(1);
  q.putNowait(2);
  q.shutdown(true);
  assert.equal(q.qsize(), 0);
  assert.equal(q.empty(), true);
});
