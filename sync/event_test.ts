import assert from "node:assert/strict";
import { CancelledError, createTask } from "../task/mod.ts";
import { Event } from "./event.ts";
import { ticks, vrun } from "../task/_test_util.ts";

Deno.test("Event.set() wakes every waiter in the order they began to wait", async () => {
  const order = await vrun(async () => {
    const ev = new Event();
    const order: number[] = [];
    const tasks = [1, 2, 3].map((n) =>
      createTask(async () => {
        assert.equal(await ev.wait(), true);
        order.push(n);
      })
    );
    await ticks();
    assert.deepEqual(order, []);
    ev.set();
    for (const t of tasks) await t;
    return order;
  });
  assert.deepEqual(order, [1, 2, 3]);
});

Deno.test("Event.wait() on a set event resolves without waiting", async () => {
  await vrun(async () => {
    const ev = new Event();
    ev.set();
    assert.equal(ev.isSet(), true);
    assert.equal(await ev.wait(), true);
  });
});

Deno.test("Event.clear() blocks later waits, but waiters already woken still resolve", async () => {
  // CPython's test_clear_with_waiters.
  await vrun(async () => {
    const ev = new Event();
    const t = createTask(() => ev.wait());
    await ticks();
    ev.set();
    ev.clear();
    assert.equal(ev.isSet(), false);
    assert.equal(await t, true);
    const late = createTask(() => ev.wait());
    await ticks(3);
    assert.equal(late.done(), false);
    ev.set();
    assert.equal(await late, true);
  });
});

Deno.test("Event.wait() cancelled leaves the line", async () => {
  await vrun(async () => {
    const ev = new Event();
    const t = createTask(() => ev.wait());
    await ticks();
    assert.equal(String(ev), "Event(unset, waiters=1)");
    t.cancel();
    await assert.rejects(t, CancelledError);
    assert.equal(String(ev), "Event(unset)");
  });
});

Deno.test("Event.wait() with a signal rejects with its reason, before or while waiting", async () => {
  await vrun(async () => {
    const ev = new Event();
    ev.set();
    const early = new Error("early");
    await assert.rejects(
      ev.wait({ signal: AbortSignal.abort(early) }),
      (e) => e === early,
    );
    ev.clear();
    const controller = new AbortController();
    const late = new Error("late");
    const t = createTask(() => ev.wait({ signal: controller.signal }));
    await ticks();
    controller.abort(late);
    await assert.rejects(t, (e) => e === late);
    assert.equal(String(ev), "Event(unset)");
  });
});

Deno.test("Event.set() on a set event does nothing", async () => {
  await vrun(async () => {
    const ev = new Event();
    ev.set();
    ev.set();
    assert.equal(String(ev), "Event(set)");
    assert.equal(await ev.wait(), true);
  });
});
