/**
 * A branch a `Promise.all` left behind in an exited block takes the task's
 * cancellation (or the deadline of an enclosing `timeout()`) as the code's
 * reaction, and the code that goes on is never cancelled.
 *
 * Measured (virtual clock, deterministic, 10/10; the same 10/10 on the real
 * clock): inside `timeout(1000, ...)` a `Promise.all` rejects at once and
 * leaves its other branch running, a worker that holds a lock and waits on
 * `q.get()`, with `finally { await sleep(0); lock.release(); }` as cleanup
 * (or a keepalive that catches and retries). The task's code then parks on
 * a host promise. `t.cancel()` reaches only the branch's `get()` (a plain
 * future), so the request is held as "unseen". The branch reacts within the
 * two ticks: its `finally` starts `sleep(0)`. `addWait()` counts that as a
 * move of the task's code (`root.#moves++` runs before `#meetUnseen()`
 * looks at whether the wait's scope exited), so `close()` drops the
 * request. When the host promise settles, the code's `sleep(10)` is not
 * cancelled and the task returns "ran on". The same with a `timeout(50)`
 * deadline instead of `cancel()`: the block returns normally 100 ms after
 * its deadline, through a library wait (5/5, real clock).
 *
 * Expected: ARCHITECTURE.md, Cancel scopes: "a move of the task's code ...
 * counts as its reaction"; `rearm()`'s doc and `#meetUnseen()`: "Waits left
 * behind in scopes that have exited (a branch a Promise.all dropped) are
 * stray code, not the code that goes on: they do not take it" / "its waits
 * are not the code's next one". README: "Code that awaits a native promise
 * without a signal is cancelled at its next library wait"; Pitfalls: the
 * request "stays pending for its next library wait". asyncio: the left-over
 * branch would be a gather child (its own task); `task.cancel()` and the
 * deadline cancel the parent at its await, and the parent ends cancelled /
 * the timeout raises TimeoutError.
 *
 * Fixed: a wait started by code left behind by an exited block is not a move
 * of the task's code (`leftBehind()` in loop/cancel_scope.ts).
 */
import assert from "node:assert/strict";
import { VirtualClock } from "../../loop/mod.ts";
import { Lock, Queue } from "../../sync/mod.ts";
import { createTask, run, sleep, timeout } from "../../task/mod.ts";

Deno.test("task.cancel(): a stray branch's cleanup wait does not spend it for the code that goes on", async () => {
  const outcome = await run(async () => {
    const q = new Queue<number>();
    const lock = new Lock();
    const gate = Promise.withResolvers<void>();
    const parked = Promise.withResolvers<void>();
    const t = createTask(async () => {
      try {
        await timeout(1000, () =>
          Promise.all([
            Promise.reject(new Error("boom")),
            (async () => {
              await lock.acquire();
              try {
                await q.get();
              } finally {
                await sleep(0); // cleanup with a library wait
                lock.release();
              }
            })(),
          ]));
      } catch {
        // boom
      }
      parked.resolve();
      await gate.promise; // a host wait: fetch(), Deno.stat()...
      await sleep(10);
      return "ran on";
    });
    await parked.promise;
    await sleep(1);
    t.cancel();
    setTimeout(() => gate.resolve(), 5); // the host reply, well after
    try {
      return `returned ${await t}`;
    } catch (error) {
      return `threw ${(error as Error).name}`;
    }
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.equal(outcome, "threw CancelledError");
});

Deno.test("timeout(): a stray branch that catches and retries does not spend the deadline", async () => {
  const outcome = await run(async () => {
    const q = new Queue<number>();
    const keepalive = async () => {
      for (let i = 0; i < 3; i++) {
        try {
          await q.get();
        } catch {
          // log and retry
        }
      }
    };
    try {
      return await timeout(50, async () => {
        try {
          await timeout(
            1000,
            () => Promise.all([Promise.reject(new Error("boom")), keepalive()]),
          );
        } catch {
          // boom
        }
        // A host wait past the deadline.
        await new Promise((resolve) => setTimeout(resolve, 100));
        await sleep(10);
        return "returned late";
      });
    } catch (error) {
      return `threw ${(error as Error).name}`;
    }
  }, { handleSigint: false });
  assert.equal(outcome, "threw TimeoutError");
});
