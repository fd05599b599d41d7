import assert from "node:assert/strict";
import { EventLoop } from "../loop/mod.ts";
import { CancelledError } from "../task/mod.ts";
import { Waiter, WaiterQueue } from "./_waiters.ts";

Deno.test("WaiterQueue wakes waiters in FIFO order", () => {
  using loop = new EventLoop();
  const q = new WaiterQueue<number>("test");
  const ws = [0, 1, 2].map(() => new Waiter<number>(loop));
  for (const w of ws) q.push(w);
  assert.equal(q.length, 3);
  assert.ok(q.wakeFirst(10));
  assert.ok(q.wakeFirst(11));
  assert.deepEqual(ws.map((w) => w.done()), [true, true, false]);
  assert.equal(ws[0]!.result(), 10);
  assert.equal(ws[1]!.result(), 11);
  q.wakeAll(12);
  assert.equal(ws[2]!.result(), 12);
  assert.equal(q.wakeFirst(13), false);
});

Deno.test("Waiter.cancel() takes the waiter out of its queue at once, from any position", () => {
  using loop = new EventLoop();
  const q = new WaiterQueue<string>("test");
  const ws = [0, 1, 2, 3].map(() => new Waiter<string>(loop));
  for (const w of ws) q.push(w);
  ws[1]!.cancel();
  ws[3]!.cancel();
  ws[0]!.cancel();
  assert.equal(q.length, 1);
  assert.equal(q.shift(), ws[2]);
  assert.equal(q.length, 0);
  assert.equal(q.shift(), null);
  const w = new Waiter<string>(loop);
  q.push(w);
  assert.equal(q.shift(), w, "the queue is usable after removals at both ends");
});

Deno.test("Waiter completed directly leaves its queue, so a wakeup goes to the next one", () => {
  using loop = new EventLoop();
  const q = new WaiterQueue<string>("test");
  const a = new Waiter<string>(loop);
  const b = new Waiter<string>(loop);
  q.push(a);
  q.push(b);
  a.setException(new Error("gone"));
  a.exception();
  assert.ok(q.wakeFirst("for b"));
  assert.equal(b.result(), "for b");
  assert.equal(q.length, 0);
});

Deno.test("WaiterQueue.rejectAll() fails every waiter with its own error", () => {
  using loop = new EventLoop();
  const q = new WaiterQueue<void>("test");
  const a = new Waiter<void>(loop);
  const b = new Waiter<void>(loop);
  q.push(a);
  q.push(b);
  let n = 0;
  q.rejectAll(() => new Error(`e${n++}`));
  assert.equal((a.exception() as Error).message, "e0");
  assert.equal((b.exception() as Error).message, "e1");
  assert.equal(q.length, 0);
});

Deno.test("Waiter.abortOn() rejects with exactly a CancelledError reason and unlinks the waiter", async () => {
  using loop = new EventLoop();
  const q = new WaiterQueue<void>("test");
  const w = new Waiter<void>(loop);
  q.push(w);
  const controller = new AbortController();
  const reason = new CancelledError("exact");
  const p = w.abortOn(controller.signal);
  assert.equal(p, w);
  controller.abort(reason);
  await assert.rejects(p, (e) => e === reason);
  assert.equal(w.exception(), reason);
  assert.equal(q.length, 0);
});
