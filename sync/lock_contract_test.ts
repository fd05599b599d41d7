/**
 * One suite over every lock-like primitive: `Lock`, `Semaphore(1)`,
 * `BoundedSemaphore(1)` and `Condition` used as a lock must behave the same
 * for exclusion, fairness and cancellation.
 */

import assert from "node:assert/strict";
import { CancelledError, createTask, sleep } from "../task/mod.ts";
import { BoundedSemaphore } from "./bounded_semaphore.ts";
import { Condition } from "./condition.ts";
import type { Guard } from "./guard.ts";
import { Lock } from "./lock.ts";
import { Semaphore } from "./semaphore.ts";
import type { SignalOptions } from "../loop/signal_options.ts";
import { ticks, vrun } from "../task/_test_util.ts";

interface LockLike {
  acquire(options?: SignalOptions): Promise<true>;
  release(): void;
  locked(): boolean;
  lock(options?: SignalOptions): Promise<Guard>;
}

const primitives: [string, () => LockLike][] = [
  ["Lock", () => new Lock()],
  ["Semaphore(1)", () => new Semaphore(1)],
  ["BoundedSemaphore(1)", () => new BoundedSemaphore(1)],
  ["Condition", () => new Condition()],
];

for (const [name, make] of primitives) {
  Deno.test(`${name} lets one task at a time into the critical section`, async () => {
    const { peak, entries } = await vrun(async () => {
      const lock = make();
      let inside = 0;
      let peak = 0;
      let entries = 0;
      const tasks = Array.from({ length: 5 }, (_, i) =>
        createTask(async () => {
          for (let round = 0; round < 3; round++) {
            using _ = await lock.lock();
            inside++;
            entries++;
            peak = Math.max(peak, inside);
            await sleep(i % 2);
            await sleep(0);
            inside--;
          }
        }));
      for (const t of tasks) await t;
      assert.equal(lock.locked(), false);
      return { peak, entries };
    });
    assert.equal(peak, 1);
    assert.equal(entries, 15);
  });

  Deno.test(`${name} serves waiters in FIFO order and a newcomer waits behind them`, async () => {
    const order = await vrun(async () => {
      const lock = make();
      const order: string[] = [];
      await lock.acquire();
      const worker = (id: string) =>
        createTask(async () => {
          await lock.acquire();
          order.push(id);
          await sleep(1);
          lock.release();
        });
      const tasks = [worker("a"), worker("b"), worker("c")];
      await ticks();
      lock.release();
      assert.equal(lock.locked(), true, "handed over, not freed");
      tasks.push(worker("newcomer"));
      for (const t of tasks) await t;
      return order;
    });
    assert.deepEqual(order, ["a", "b", "c", "newcomer"]);
  });

  Deno.test(`${name} frees the slot of a waiter cancelled while waiting`, async () => {
    await vrun(async () => {
      const lock = make();
      await lock.acquire();
      const t = createTask(() => lock.acquire());
      await ticks();
      t.cancel();
      await assert.rejects(t, CancelledError);
      lock.release();
      assert.equal(lock.locked(), false);
      assert.equal(await lock.acquire(), true);
    });
  });

  Deno.test(`${name} frees the slot of a waiter whose signal aborts`, async () => {
    await vrun(async () => {
      const lock = make();
      await lock.acquire();
      const controller = new AbortController();
      const reason = new Error("abort");
      const t = createTask(() => lock.acquire({ signal: controller.signal }));
      await ticks();
      controller.abort(reason);
      await assert.rejects(t, (e) => e === reason);
      lock.release();
      assert.equal(lock.locked(), false);
      assert.equal(await lock.acquire(), true);
    });
  });

  Deno.test(`${name} passes the slot on when the first waiter is cancelled as it is released`, async () => {
    const order = await vrun(async () => {
      const lock = make();
      const order: string[] = [];
      await lock.acquire();
      const b = createTask(async () => {
        using _ = await lock.lock();
        order.push("b");
      });
      const c = createTask(async () => {
        using _ = await lock.lock();
        order.push("c");
      });
      await ticks();
      b.cancel();
      lock.release();
      await assert.rejects(b, CancelledError);
      await c;
      assert.equal(lock.locked(), false);
      return order;
    });
    assert.deepEqual(order, ["c"]);
  });

  Deno.test(`${name} waiter cancelled right after the hand-over releases through its guard`, async () => {
    await vrun(async () => {
      const lock = make();
      await lock.acquire();
      let held = false;
      const b = createTask(async () => {
        using _ = await lock.lock();
        held = true;
        await sleep(5);
      });
      await ticks();
      lock.release();
      b.cancel();
      await assert.rejects(b, CancelledError);
      assert.equal(held, true);
      assert.equal(lock.locked(), false);
    });
  });

  Deno.test(`${name} rejects a pre-aborted acquire even when free`, async () => {
    await vrun(async () => {
      const lock = make();
      const reason = new Error("already aborted");
      await assert.rejects(
        lock.acquire({ signal: AbortSignal.abort(reason) }),
        (e) => e === reason,
      );
      await assert.rejects(
        lock.lock({ signal: AbortSignal.abort(reason) }),
        (e) => e === reason,
      );
      assert.equal(lock.locked(), false);
    });
  });
}
