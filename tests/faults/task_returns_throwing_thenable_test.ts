/**
 * A task whose (non-async) function returns a thenable whose `then()`
 * throws.
 *
 * `runFirstStep()` (task/task.ts) calls `result.then(succeedCurrent,
 * failCurrent)` unguarded. When `then()` throws, the error escapes the
 * loop callback (reported as "Exception in callback Handle(startTask)"),
 * and the task stays pending with its step begun and never ended. Awaiting
 * it hangs; and even once main is done (a `waitFor()` deadline ended its
 * wait), `run()` shuts down waiting for that task for good: it never
 * returns (Deno then fails the test with "Promise resolution is still
 * pending but the event loop has already resolved"), and the loop stays
 * marked as the running one, so every later `run()` in the process throws
 * "another event loop is running". `createTask(async () => await
 * thenable)` rejects with the error, as it should.
 *
 * Expected: the task fails with the error `then()` threw (as a function
 * that throws would), and `run()` returns.
 *
 * Fixed: the task settles such a thenable through a native promise, as
 * `await` does (thenable_then_throws_test.ts).
 *
 * This case is in a file of its own: once it fails, no `run()` in the
 * process works.
 */

import assert from "node:assert/strict";
import { getRunningLoop } from "../../loop/mod.ts";
import { createTask, run, waitFor } from "../../task/mod.ts";

class ThenError extends Error {}

Deno.test("a task whose function returns a thenable whose then() throws fails with that error, and run() returns", async () => {
  const handled: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    run(async () => {
      getRunningLoop().setExceptionHandler((_loop, context) => {
        handled.push(String(context.message));
      });
      const hostile: PromiseLike<number> = {
        then() {
          throw new ThenError("then() threw");
        },
      };
      // The deadline ends main's wait; run() then has only to shut down.
      return await waitFor(createTask(() => hostile), 300).then(
        () => "resolved",
        (e) => e instanceof ThenError ? "rejected with ThenError" : String(e),
      );
    }),
    new Promise<string>((resolve) => {
      timer = setTimeout(
        () => resolve("run() never returned (main was done at 300 ms)"),
        1000,
      );
    }),
  ]);
  clearTimeout(timer);
  assert.deepEqual(
    { outcome, handled },
    { outcome: "rejected with ThenError", handled: [] },
  );
});
