/**
 * `Condition.notify(n)` with `n` that is not a number wakes a number of
 * waiters nobody asked for, silently.
 *
 * `notify()` ran `for (i = 0; i < (n ?? 1) && wake(); i++)`: `NaN` (a
 * count computed from an empty average, `Number(undefined)`) woke nobody,
 * the waiters slept on, and a string or `null` was coerced (`null` woke
 * one, `"2"` two). A lost wake-up is a hang of the consumers.
 *
 * Expected (CPython 3.11 to 3.13, `asyncio.Condition.notify(n)` compares
 * `idx >= n` for each waiter: a string or `None` raises `TypeError`, and
 * NaN, for which every comparison is false, wakes every waiter; aio's other
 * counts and delays refuse a non-number or NaN with `TypeError`, as
 * `timeout()` does): a count that is not a number, or NaN, throws
 * `TypeError` and wakes nobody; a negative count wakes nobody, as in
 * CPython.
 */

import assert from "node:assert/strict";
import { VirtualClock } from "../../loop/mod.ts";
import { Condition } from "../../sync/mod.ts";
import { createTask, run, sleep } from "../../task/mod.ts";

Deno.test("Condition.notify() refuses a count that is not a number", async () => {
  const woken = await run(async () => {
    const cond = new Condition();
    let woken = 0;
    const waiters = [0, 1, 2].map(() =>
      createTask(async () => {
        await cond.acquire();
        try {
          await cond.wait();
          woken++;
        } finally {
          cond.release();
        }
      })
    );
    await sleep(1);
    await cond.acquire();
    for (const n of [NaN, "2", null, {}]) {
      assert.throws(() => cond.notify(n as number), TypeError, String(n));
    }
    cond.notify(-1);
    cond.release();
    await sleep(1);
    const before = woken;
    await cond.acquire();
    cond.notify(2);
    cond.release();
    await sleep(1);
    for (const w of waiters) w.cancel();
    return [before, woken];
  }, { clock: new VirtualClock() });
  assert.deepEqual(woken, [0, 2]);
});
