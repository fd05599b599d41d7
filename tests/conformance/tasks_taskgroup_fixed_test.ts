/**
 * TaskGroup behaviour where aio departed from CPython (found by this port):
 * a failure was replaced by a cancellation from outside. Fixed: the body's
 * failure counts with the children's before the group decides to pass the
 * cancellation on (failures win, and the cancellation stays pending for the
 * next wait, as in asyncio). These tests assert CPython's behaviour.
 */
import assert from "node:assert/strict";
import { createTask, sleep, taskGroup, wait } from "@aio/asyncio";
import { caught, divZero, errorTypes, vrun } from "./tasks_util.ts";

// CPython test_taskgroups.py test_taskgroup_12: the parent task is cancelled;
// the inner group's children fail in their `finally`, so the inner group
// raises ExceptionGroup(ZeroDivisionError) (its errors win over the
// cancellation); the outer group, whose body thus failed, raises
// ExceptionGroup(ExceptionGroup(ZeroDivisionError)). (asyncio/taskgroups.py:
// a cancellation caught while waiting for the children is only propagated
// `if not self._aborting`, and a failing body set `_aborting`; the body's
// error is appended to `_errors`.)
//
// aio: the outer group throws a bare CancelledError and the
// ZeroDivisionErrors are lost. The inner group re-arms the outside
// cancellation ("the cancellation stays pending for the task's next wait",
// taskGroup's doc); the outer group's wait for its own child (here a
// `sleep(10_000)`) takes it as an outside cancellation, and `#exit` throws
// it because `errors` is still empty: the body's own error (the inner
// AggregateError) is pushed only after that check. Without the outer
// child (test_taskgroup_11) aio gets it right. Severity: high (a failure
// silently replaced by a cancellation).
Deno.test("test_taskgroup_12: the inner group's errors win over the parent's cancellation when the outer group has a child", async () => {
  await vrun(async () => {
    const r = createTask(() =>
      taskGroup((g1) => {
        g1.createTask(() => sleep(10_000));
        return taskGroup(async (g2) => {
          for (let i = 0; i < 5; i++) {
            g2.createTask(async () => {
              try {
                await sleep(10_000);
              } finally {
                divZero();
              }
            });
          }
          await sleep(10_000);
        });
      })
    );
    await sleep(100);
    r.cancel();
    const e = await caught(() => r);
    assert.deepEqual(errorTypes(e), new Set(["AggregateError"]));
    assert.deepEqual(
      errorTypes((e as AggregateError).errors[0]),
      new Set(["ZeroDivisionError"]),
    );
  });
});

// The same defect without nesting (derived from test_taskgroup_12 and
// taskgroups.py's `__aexit__`): the body fails, the group cancels its child,
// whose cleanup still awaits; the parent task is cancelled while the group
// waits for that child. CPython: `_aborting` is set, so the cancellation is
// not propagated; the group raises ExceptionGroup(RangeError) and re-cancels
// the parent (uncancel + cancel) for its next await. aio: the group throws
// CancelledError and the body's RangeError is lost. Severity: high.
Deno.test("taskgroup: the body's error wins over an outside cancel that arrives while the group waits for its children", async () => {
  await vrun(async () => {
    let childDone = false;
    let groupError: unknown;
    const r = createTask(async () => {
      groupError = await caught(() =>
        taskGroup(async (g) => {
          g.createTask(async () => {
            try {
              await sleep(10_000);
            } catch {
              // cancelled by the group at 100: clean up for 500 ms
            }
            await sleep(500);
            childDone = true;
          });
          await sleep(100);
          throw new RangeError("body failed");
        })
      );
      await sleep(1000); // the re-armed cancellation lands here
    });
    await sleep(200);
    r.cancel();
    await wait([r]);
    assert.ok(childDone);
    assert.deepEqual(errorTypes(groupError), new Set(["RangeError"]));
    assert.ok(r.cancelled());
  });
});
