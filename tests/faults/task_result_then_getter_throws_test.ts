/**
 * A task whose function returns an object whose `then` getter throws (a
 * strict `Proxy` that throws on unknown properties, a remote-object stub).
 *
 * `runFirstStep()` (task/task.ts) calls `isThenable(result)` outside its
 * `try`: the getter's error escapes the loop callback (reported as
 * "Exception in callback Handle(startTask)"), and the task stays pending
 * for good with its step begun. Awaiting it hangs, and `run()` never
 * returns (its shutdown waits for the task). `TaskGroup.createTask()` and
 * `run(main)` go the same way. `async () => proxy`, `await proxy` and
 * `Promise.resolve(proxy)` reject with the getter's error; so do
 * `gather()`, `waitFor()`, `shield()` and a bare `createTask(proxy)` here.
 *
 * Expected: the task fails with the getter's error, as an async function
 * returning the same object does.
 *
 * Fixed: the look at the result's `then` is inside the `try` that fails
 * the task.
 */

import assert from "node:assert/strict";
import { getRunningLoop } from "../../loop/mod.ts";
import { createTask, run, waitFor } from "../../task/mod.ts";

class StrictError extends Error {}

/** A proxy that refuses every property it does not have. */
function strict<T extends object>(target: T): T {
  return new Proxy(target, {
    get(t, key) {
      if (!(key in t)) throw new StrictError(`no property ${String(key)}`);
      return Reflect.get(t, key);
    },
  });
}

Deno.test("a task whose function returns an object whose then getter throws fails with that error", async () => {
  const reference = await (async () => strict({ id: 1 }))().then(
    () => "resolved",
    (e) => e instanceof StrictError ? "rejected with StrictError" : String(e),
  );
  assert.equal(reference, "rejected with StrictError");

  const handled: string[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    run(async () => {
      getRunningLoop().setExceptionHandler((_loop, context) => {
        handled.push(String(context.message));
      });
      return await waitFor(createTask(() => strict({ id: 1 })), 300).then(
        () => "resolved",
        (e) =>
          e instanceof StrictError ? "rejected with StrictError" : String(e),
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
    { outcome: "rejected with StrictError", handled: [] },
  );
});
