/**
 * A difference found porting CPython's
 * `ConditionTests.test_cancelled_error_wakeup` and
 * `ConditionTests.test_cancelled_error_re_aquire` (3.13): CPython asserts
 * that awaiting the cancelled task raises *the same* `CancelledError`
 * instance the task's code caught and re-raised (`assertIs(err.exception,
 * raised)`: Task stores `_cancelled_exc`). aio's task ends with a new
 * `CancelledError` (`Task.#finish` builds one from the message), so code
 * that tags the error (a property, a `cause`) before re-raising loses the
 * tag at the task boundary. The message is kept. The README now names it
 * ("How it differs from asyncio": the awaiter of a cancelled task gets a
 * `CancelledError` of its own); this test asserts that documented side.
 *
 * @module
 */

import assert from "node:assert/strict";
import { CancelledError, createTask } from "../../task/mod.ts";
import { Condition } from "../../sync/mod.ts";
import { tick, vrun } from "./_util.ts";

Deno.test("ConditionTests.test_cancelled_error_wakeup: awaiting the task raises a CancelledError of its own, with the message (documented)", async () => {
  await vrun(async () => {
    let raised: unknown = null;
    const cond = new Condition();
    const task = createTask(async () => {
      using _ = await cond.lock();
      try {
        await cond.waitFor(() => false);
      } catch (e) {
        raised = e;
        throw e;
      }
    });
    await tick();
    task.cancel("foo");
    const err = await task.then(() => null, (e) => e);
    assert.ok(err instanceof CancelledError);
    assert.equal(err.message, "foo");
    // CPython: the same object. aio: a new CancelledError (documented).
    assert.notEqual(err, raised);
    assert.ok(raised instanceof CancelledError);
  });
});
