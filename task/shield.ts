/**
 * `shield(aw)`: protect an awaitable from the cancellation of its waiter.
 *
 * @module
 */

import { Granted } from "../loop/settled.ts";
import { type Awaitable, loopOf, toFuture } from "./awaitable.ts";
import { failed, Future } from "../loop/future.ts";

/**
 * Returns a future that follows `aw` but whose cancellation does not reach
 * `aw`: cancelling the waiting task (or the returned future) leaves `aw`
 * running. A function becomes a task. If `aw` is done already it is
 * returned as is.
 *
 * If `aw` itself is cancelled, the returned future is cancelled too.
 *
 * **Pass the work, not its promise**: `shield(cleanup())` does not shield
 * the waits `cleanup()` makes. It runs in the caller's task and scope, so a
 * cancellation that reaches the caller (a deadline around it) still reaches
 * them. Pass the function, `shield(() => cleanup())`, or a task: it then
 * runs as a task of its own, as asyncio's `shield(cleanup())` runs the
 * coroutine.
 *
 * **Cancellation**: when the task awaiting the shield is cancelled, only the
 * returned future is cancelled: the await throws `CancelledError` at once
 * and `aw` goes on. Its result is then dropped, and an error it ends with is
 * reported to the loop's exception handler as never retrieved (hold on to
 * `aw` and await it to see it).
 *
 * @typeParam T The result type.
 * @param aw A task, future, promise or async function.
 * @returns A future of the result of `aw`.
 * @throws {TypeError} If `aw` is not awaitable.
 * @throws {Error} If a function or promise is given and no loop is running.
 *
 * @example The inner task survives the outer cancel
 * ```ts
 * import { CancelledError, createTask, run, shield, sleep } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const result = await run(async () => {
 *   const inner = createTask(async () => {
 *     await sleep(20);
 *     return "saved";
 *   });
 *   const outer = createTask(() => shield(inner));
 *   await sleep(10);
 *   outer.cancel();
 *   await assert.rejects(outer, CancelledError);
 *   return await inner;
 * }, { clock: new VirtualClock() });
 * assert.equal(result, "saved");
 * ```
 */
export function shield<T>(aw: Awaitable<T>): Future<T> {
  const inner = toFuture(loopOf([aw]), aw, "shield()");
  // A granted hand-over refuses cancellation as a done future would: the
  // caller keeps it either way.
  if (inner.done() || inner instanceof Granted) return inner;
  const outer = new Future<T>(inner.getLoop());
  outer.label = "shield";
  const onInnerDone = (f: Future<T>): void => {
    if (outer.cancelled()) {
      if (!f.cancelled()) f.exception();
      return;
    }
    if (f.cancelled()) {
      outer.cancel();
      return;
    }
    const error = f.exception();
    if (failed(f)) outer.setException(error);
    else outer.setResult(f.result());
  };
  const onOuterDone = (): void => {
    if (!inner.done()) inner.removeDoneCallback(onInnerDone);
  };
  inner.addDoneCallback(onInnerDone);
  outer.addDoneCallback(onOuterDone);
  return outer;
}
