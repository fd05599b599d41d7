/**
 * An `EventLoop` subclass that overrides `callSoon()` (tracing, timing,
 * context propagation around each callback) no longer sees the library's
 * own callbacks: a task's first step, a future's done callbacks, the wake
 * of `sleep(0)` (attack round 24).
 *
 * Found (attack round 24, on 21273d9): `Task`'s constructor,
 * `Future[complete]`/`[settleNow]` and `sleep(0)` queued their callbacks
 * straight into the ready queue (`callSoonJob()`, no `Handle` each), so
 * an override of `callSoon()` no longer wrapped them. asyncio routes the
 * same calls through the loop's `call_soon` (`Task.__init__`,
 * `Task.__wakeup`, `Future.__schedule_callbacks`): in CPython 3.11 an
 * override sees the task's step, each done callback and each wake-up.
 *
 * Fixed: the fast path is taken only while `callSoon` is the base class's
 * own; a loop with another gets every job through it.
 */

import assert from "node:assert/strict";
import { EventLoop, type Handle, VirtualClock } from "../../loop/mod.ts";
import { sleep, Task } from "../../task/mod.ts";

let depth = 0;

class TracingLoop extends EventLoop {
  override callSoon<A extends unknown[]>(
    callback: (...args: A) => unknown,
    ...args: A
  ): Handle {
    const traced = (...a: A): unknown => {
      depth++;
      try {
        return callback(...a);
      } finally {
        depth--;
      }
    };
    return super.callSoon(traced, ...args);
  }
}

Deno.test("an EventLoop subclass's callSoon() override wraps a task's first step and a future's done callbacks", async () => {
  using loop = new TracingLoop({ clock: new VirtualClock() });
  const seen: string[] = [];
  const future = loop.createFuture<number>();
  future.addDoneCallback(() => seen.push(`done callback traced=${depth > 0}`));
  const task = new Task(async () => {
    seen.push(`first step traced=${depth > 0}`);
    await sleep(0);
    future.setResult(1);
  }, { loop });
  await loop.runUntilComplete(task);
  assert.deepEqual(seen, [
    "first step traced=true",
    "done callback traced=true",
  ]);
});
