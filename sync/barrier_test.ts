import assert from "node:assert/strict";
import { BrokenBarrierError } from "./mod.ts";
import { CancelledError, createTask } from "../task/mod.ts";
import { Barrier } from "./barrier.ts";
import { ticks, vrun } from "../task/_test_util.ts";

Deno.test("Barrier() refuses fewer than one party", () => {
  assert.throws(() => new Barrier(0), RangeError);
  assert.throws(() => new Barrier(1.5), RangeError);
});

Deno.test("Barrier.wait() releases everyone when the last party arrives, with distinct indices", async () => {
  const indices = await vrun(async () => {
    const barrier = new Barrier(3);
    const tasks = [0, 1].map(() => createTask(() => barrier.wait()));
    await ticks();
    assert.equal(barrier.nWaiting, 2);
    assert.equal(tasks[0]!.done(), false);
    const last = await barrier.wait();
    assert.equal(barrier.nWaiting, 0);
    return [await tasks[0]!, await tasks[1]!, last];
  });
  assert.deepEqual(indices, [0, 1, 2]);
});

Deno.test("Barrier runs cycle after cycle, each with indices 0..parties-1", async () => {
  const rounds = await vrun(async () => {
    const barrier = new Barrier(2);
    const mine: number[] = [];
    const theirs: number[] = [];
    const worker = createTask(async () => {
      for (let i = 0; i < 3; i++) theirs.push(await barrier.wait());
    });
    for (let i = 0; i < 3; i++) mine.push(await barrier.wait());
    await worker;
    return mine.map((m, i) => [m, theirs[i]!].sort());
  });
  assert.deepEqual(rounds, [[0, 1], [0, 1], [0, 1]]);
});

Deno.test("Barrier.abort() breaks the barrier for current and later waiters until reset()", async () => {
  await vrun(async () => {
    const barrier = new Barrier(3);
    const t = createTask(() => barrier.wait());
    await ticks();
    barrier.abort();
    assert.ok(barrier.broken);
    await assert.rejects(t, BrokenBarrierError);
    await assert.rejects(barrier.wait(), BrokenBarrierError);
    barrier.reset();
    assert.equal(barrier.broken, false);
    const u = createTask(() => barrier.wait());
    const v = createTask(() => barrier.wait());
    await ticks();
    assert.equal(await barrier.wait(), 2);
    assert.deepEqual([await u, await v], [0, 1]);
  });
});

Deno.test("Barrier.reset() fails the current waiters and starts a fresh cycle", async () => {
  await vrun(async () => {
    const barrier = new Barrier(2);
    const t = createTask(() => barrier.wait());
    await ticks();
    barrier.reset();
    await assert.rejects(t, BrokenBarrierError);
    assert.equal(barrier.broken, false);
    assert.equal(barrier.nWaiting, 0);
    const u = createTask(() => barrier.wait());
    await ticks();
    assert.equal(await barrier.wait(), 1);
    assert.equal(await u, 0);
  });
});

Deno.test("Barrier.wait() cancelled leaves the barrier without breaking it", async () => {
  await vrun(async () => {
    const barrier = new Barrier(2);
    const t = createTask(() => barrier.wait());
    await ticks();
    assert.equal(barrier.nWaiting, 1);
    t.cancel();
    await assert.rejects(t, CancelledError);
    assert.equal(barrier.nWaiting, 0);
    assert.equal(barrier.broken, false);
    const u = createTask(() => barrier.wait());
    await ticks();
    assert.equal(await barrier.wait(), 1);
    assert.equal(await u, 0);
  });
});

Deno.test("Barrier.wait(): a cancelled waiter's place goes to those after it, so indices stay distinct (CPython repeats one)", async () => {
  // CPython 3.11 and 3.13 print [('B', 1), ('C', 1), ('D', 2)] for:
  //   b = Barrier(3); A, B wait; A cancelled; C, D wait
  // (its index is the count at arrival); fuzz seed 218306.
  const indices = await vrun(async () => {
    const barrier = new Barrier(3);
    const a = createTask(() => barrier.wait());
    const b = createTask(() => barrier.wait());
    await ticks();
    a.cancel();
    await assert.rejects(a, CancelledError);
    const c = createTask(() => barrier.wait());
    await ticks();
    const d = await barrier.wait();
    return [await b, await c, d];
  });
  assert.deepEqual(indices, [0, 1, 2]);
});

Deno.test("Barrier.wait() with a signal rejects with its reason, before or while waiting", async () => {
  await vrun(async () => {
    const barrier = new Barrier(2);
    const reason = new Error("gave up");
    await assert.rejects(
      barrier.wait({ signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
    const controller = new AbortController();
    const t = createTask(() => barrier.wait({ signal: controller.signal }));
    await ticks();
    controller.abort(reason);
    await assert.rejects(t, (e) => e === reason);
    assert.equal(barrier.nWaiting, 0);
    assert.equal(String(barrier), "Barrier(filling, waiters=0/2)");
  });
});

Deno.test("Barrier.toString() shows a broken barrier", () => {
  const barrier = new Barrier(3);
  barrier.abort();
  assert.equal(String(barrier), "Barrier(broken, waiters=0/3)");
});
