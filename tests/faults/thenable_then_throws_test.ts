/**
 * A thenable whose `then()` throws, handed to a combinator or returned by
 * a task's function.
 *
 * `gather()`, `waitFor()`, `shield()`, `asCompleted()` (and `wait()`) wrap
 * a thenable that is not a library future in a `Task` whose first step
 * calls `target.then(...)` (task/task.ts `Task.#start`; a plain function
 * that returns a thenable goes through `runFirstStep`'s `result.then(...)`
 * the same way). Neither call is guarded: when `then()` throws, the error
 * escapes the loop callback ("Exception in callback Handle(startTask)" is
 * reported to the loop's exception handler) and the task is left pending
 * for good, counted as stepping. So `gather(thenable)` never settles, and
 * the caller hangs until some deadline ends it with `TimeoutError`, not
 * the thenable's error. Yet `await thenable` inside a task rejects with
 * the error, as the Promise resolution procedure says (a throwing `then`
 * rejects), and as `Promise.all([thenable])` does.
 *
 * Expected: each of these rejects with the error `then()` threw, at once,
 * and nothing goes to the exception handler.
 *
 * Fixed: a task settles a thenable that is neither a native promise nor a
 * library future through a native promise, as `await` does (so a `then()`
 * that throws, calls back twice or hands over another thenable follows the
 * Promise resolution procedure), and a promise whose own `then` throws
 * fails the task with the error.
 *
 * `createTask(() => thenable)` is worse (run() never returns, and the loop
 * stays marked as running): see task_returns_throwing_thenable_test.ts.
 */

import assert from "node:assert/strict";
import { getRunningLoop } from "../../loop/mod.ts";
import {
  asCompleted,
  createTask,
  gather,
  run,
  shield,
  timeout,
  waitFor,
} from "../../task/mod.ts";

class ThenError extends Error {}

function hostile(): PromiseLike<number> {
  return {
    then() {
      throw new ThenError("then() threw");
    },
  };
}

const cases: Record<string, () => PromiseLike<unknown>> = {
  "gather(thenable)": () => gather(hostile()),
  "waitFor(thenable, 1000)": () => waitFor(hostile(), 1000),
  "shield(thenable)": () => shield(hostile()),
  "asCompleted([thenable])": () => [...asCompleted([hostile()])][0]!,
  "timeout(1000, () => thenable)": () => timeout(1000, () => hostile()),
};

for (const [name, make] of Object.entries(cases)) {
  Deno.test(`${name} rejects with the error then() threw`, async () => {
    const [outcome, handled] = await run(async () => {
      const handled: string[] = [];
      getRunningLoop().setExceptionHandler((_loop, context) => {
        handled.push(String(context.message));
      });
      const outcome = await waitFor(make(), 300).then(
        () => "resolved",
        (e) => e instanceof ThenError ? "rejected with ThenError" : String(e),
      );
      return [outcome, handled] as const;
    });
    assert.deepEqual(
      { outcome, handled },
      { outcome: "rejected with ThenError", handled: [] },
    );
  });
}

Deno.test("await thenable in a task rejects with the error (the reference)", async () => {
  const outcome = await run(() =>
    createTask(async () => await hostile()).then(
      () => "resolved",
      (e) => e instanceof ThenError ? "rejected with ThenError" : String(e),
    )
  );
  assert.equal(outcome, "rejected with ThenError");
});

Deno.test("a task whose function returns a native promise with a throwing own then() fails with the error", async () => {
  const outcome = await run(() => {
    const p = Promise.resolve(1);
    p.then = () => {
      throw new ThenError("own then() threw");
    };
    return createTask(() => p).then(
      () => "resolved",
      (e) => e instanceof ThenError ? "rejected with ThenError" : String(e),
    );
  });
  assert.equal(outcome, "rejected with ThenError");
});
