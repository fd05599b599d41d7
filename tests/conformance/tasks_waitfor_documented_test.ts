/**
 * waitFor() behaviour where aio departs from CPython, now documented in
 * waitFor()'s doc ("That task starts in the next tick: if the wait is
 * cancelled before then, the function never runs"); asserted as aio does it.
 */
import assert from "node:assert/strict";
import { createTask, sleep, wait, waitFor } from "@aio/asyncio";
import { SlowTask, vrun } from "./tasks_util.ts";

// CPython test_waitfor.py test_asyncio_wait_for_cancelled: a task running
// wait_for(t.run(), 0.4) is cancelled after one sleep(0); wait_for cancels
// the inner work and waits for it, and the inner work (which ignores
// cancellation) runs to its end: t.exited is True. (3.12+ awaits the
// coroutine inline, so it is already at its sleep; before 3.12 the inner
// task's first step was already queued ahead of the cancellation.)
//
// aio: waitFor() turns the function into a task (documented), whose first
// step is scheduled for the next tick; the cancel of the waiting task
// reaches it synchronously before that step, so the function never runs at
// all: t.exited stays false and the waitFor task ends cancelled at once.
// waitFor()'s doc now says so (asyncio's wait_for() always starts the
// coroutine).
Deno.test("test_asyncio_wait_for_cancelled: waitFor cancelled before its task starts never runs the function (documented)", async () => {
  await vrun(async () => {
    const t = new SlowTask();
    const waitForTask = createTask(() =>
      waitFor(t.run, SlowTask.TASK_TIMEOUT * 2)
    );
    await sleep(0);
    waitForTask.cancel();
    await wait([waitForTask]);
    assert.ok(waitForTask.cancelled());
    assert.ok(!t.exited); // CPython: true (the coroutine ran to its end)
  });
});
