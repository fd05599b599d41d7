/**
 * A wait the library refuses (a task awaiting itself) leaves a native promise behind that rejects unhandled once
 * the future fails.
 *
 * `Future#then()` (loop/future.ts) creates the future's inner promise and
 * hooks `wakeWaiters` to it before `#register()` finds the misuse; the
 * misused `then()` then returns `Promise.reject(misuse)...`, so nothing ever
 * listens to the inner promise. When the future later fails, `#wake()`
 * marks the error retrieved (the loop's "never retrieved" report is
 * skipped) and rejects the inner promise, which nobody handles: Deno
 * reports "Uncaught (in promise)" and, outside a test, terminates the
 * process. The await itself was refused correctly and caught by the code.
 *
 * Reached, for example, by a thenable that resolves with the task that
 * runs it (`createTask(() => thenable)`, whose `then()` hands back the
 * task: the task settles it through a native promise, which calls
 * `task.then()` inside the task). (The same order of checks applies to a
 * future of another loop awaited by mistake; its wake-up runs on its own
 * loop, so it was not seen to fire there.)
 *
 * Expected: the refused wait leaves nothing behind; the task's failure is
 * reported as any failure (it is retrieved here, so nothing at all), and
 * no unhandled rejection reaches the host.
 *
 * Fixed: `then()` checks for a misuse before it makes anything, and
 * registers the wait after. (A 0 ms host timer lets the host look for
 * unhandled rejections: it does so as each macrotask ends. The virtual
 * clock's 5 ms pass only once the loop is idle, so the task is done by
 * then.)
 */

import assert from "node:assert/strict";
import {
  createTask,
  currentTask,
  run,
  sleep,
  type Task,
  VirtualClock,
} from "../../mod.ts";

/** Runs `body`, collecting the host's unhandled rejections meanwhile. */
async function unhandledDuring(body: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const listener = (e: PromiseRejectionEvent) => {
    e.preventDefault();
    seen.push(String(e.reason));
  };
  globalThis.addEventListener("unhandledrejection", listener);
  try {
    await body();
    // Let the host look for unhandled rejections.
    await new Promise((r) => setTimeout(r, 0));
  } finally {
    globalThis.removeEventListener("unhandledrejection", listener);
  }
  return seen;
}

Deno.test("a task that awaited itself by mistake, then failed, leaves no unhandled rejection", async () => {
  let caught = "";
  let failure = "";
  const unhandled = await unhandledDuring(() =>
    run(async () => {
      const t: Task<void> = createTask(async () => {
        try {
          await currentTask()!;
        } catch (e) {
          caught = String(e);
        }
        throw new Error("boom");
      });
      await sleep(5);
      failure = String(t.exception());
    }, { clock: new VirtualClock() })
  );
  assert.match(caught, /cannot await on itself/);
  assert.equal(failure, "Error: boom");
  assert.deepEqual(unhandled, []);
});

Deno.test("a task whose thenable resolves with the task itself fails, with no unhandled rejection", async () => {
  let outcome = "";
  const unhandled = await unhandledDuring(() =>
    run(async () => {
      let t: Task<unknown> | undefined = undefined;
      const cycle: PromiseLike<unknown> = {
        then(resolve) {
          resolve?.(t as never);
          return this as never;
        },
      };
      t = createTask(() => cycle);
      await sleep(5);
      outcome = t.done() ? String(t.exception()) : "pending";
    }, { clock: new VirtualClock() })
  );
  assert.match(outcome, /cannot await on itself/);
  assert.deepEqual(unhandled, []);
});
