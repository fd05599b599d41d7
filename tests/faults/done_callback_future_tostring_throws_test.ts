/**
 * A done callback that throws, on a future whose `toString()` throws too
 * (a subclass, a hostile label) (attack round 24).
 *
 * Found: the report of the callback's error named the future with
 * `${this}`; its `toString()` threw out of the catch, out of the loop's
 * run of the future's callbacks, and the callbacks after the failing one
 * never ran (reported only as "Exception in callback
 * Handle(runCallbacks)"). Older than the round: it was there before the
 * ready queue took jobs.
 *
 * Fixed: the report names the future with `describeValue()`, which does
 * not call its `toString()`.
 */

import assert from "node:assert/strict";
import { EventLoop, Future, VirtualClock } from "../../loop/mod.ts";

class Hostile<T> extends Future<T> {
  override toString(): string {
    throw new Error("toString boom");
  }
}

Deno.test("a done callback's error on a future whose toString() throws is reported, and the next callbacks still run", async () => {
  using loop = new EventLoop({ clock: new VirtualClock() });
  const events: string[] = [];
  loop.setExceptionHandler((_loop, context) => {
    events.push(
      `report: ${context.message} / ${(context.exception as Error).message}`,
    );
  });
  const future = new Hostile<number>(loop);
  future.addDoneCallback(() => {
    throw new Error("first callback");
  });
  future.addDoneCallback((f) => events.push(`second got ${f.result()}`));
  future.setResult(7);
  loop.callSoon(() => loop.stop());
  await loop.runForever();
  assert.deepEqual(events, [
    "report: Exception in done callback <anonymous> of Hostile [Future] {} / first callback",
    "second got 7",
  ]);
});
