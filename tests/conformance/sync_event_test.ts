/**
 * CPython `Lib/test/test_asyncio/test_locks.py`, class `EventTests`, ported
 * to aio on the virtual clock. Each test names its CPython original.
 *
 * @module
 */

import assert from "node:assert/strict";
import { CancelledError, createTask } from "../../task/mod.ts";
import { getRunningLoop } from "../../loop/mod.ts";
import { Event } from "../../sync/mod.ts";
import { count, tick, vrun } from "./_util.ts";

Deno.test("EventTests.test_repr", async () => {
  await vrun(async () => {
    const ev = new Event();
    assert.equal(String(ev), "Event(unset)");
    ev.set();
    assert.equal(String(ev), "Event(set)");
    ev.clear();
    const t = createTask(() => ev.wait());
    await tick();
    assert.equal(String(ev), "Event(unset, waiters=1)");
    ev.set();
    await t;
  });
});

Deno.test("EventTests.test_wait: set() wakes every waiter; a newcomer runs first", async () => {
  await vrun(async () => {
    const ev = new Event();
    assert.equal(ev.isSet(), false);
    const result: number[] = [];
    const c = (n: number) => async () => {
      if (await ev.wait()) result.push(n);
    };
    const t1 = createTask(c(1));
    const t2 = createTask(c(2));
    await tick();
    assert.deepEqual(result, []);

    const t3 = createTask(c(3));
    ev.set();
    await tick();
    assert.deepEqual(result, [3, 1, 2]);
    assert.equal(await t1, undefined);
    assert.equal(await t2, undefined);
    assert.equal(await t3, undefined);
  });
});

Deno.test("EventTests.test_wait_on_set", async () => {
  await vrun(async () => {
    const ev = new Event();
    ev.set();
    assert.equal(await ev.wait(), true);
  });
});

Deno.test("EventTests.test_wait_cancel: a cancelled wait leaves no waiter", async () => {
  await vrun(async () => {
    const ev = new Event();
    const wait = createTask(() => ev.wait());
    getRunningLoop().callSoon(() => wait.cancel());
    await assert.rejects(wait, CancelledError);
    assert.equal(count(ev), 0);
  });
});

Deno.test("EventTests.test_clear", () => {
  const ev = new Event();
  assert.equal(ev.isSet(), false);
  ev.set();
  assert.equal(ev.isSet(), true);
  ev.clear();
  assert.equal(ev.isSet(), false);
});

Deno.test("EventTests.test_clear_with_waiters: set(); clear() still wakes the waiter", async () => {
  await vrun(async () => {
    const ev = new Event();
    const result: number[] = [];
    const t = createTask(async () => {
      if (await ev.wait()) result.push(1);
      return true;
    });
    await tick();
    assert.deepEqual(result, []);

    ev.set();
    ev.clear();
    assert.equal(ev.isSet(), false);
    ev.set();
    ev.set();
    // CPython keeps the woken future in _waiters (len 1) until the waiter
    // runs; aio takes it out of the line when it wakes it (internal state,
    // not asserted by count here).

    await tick();
    assert.deepEqual(result, [1]);
    assert.equal(count(ev), 0);
    assert.equal(await t, true);
  });
});
