/**
 * A future's own errors (awaiting a future of a closed loop, completing it
 * once its loop is closed, awaiting a task inside itself) on a future whose
 * `toString()` throws.
 *
 * Found (left open in an earlier stop, mended now): the messages named the
 * future with `${this}`, so the hostile `toString()` threw instead and its
 * error replaced the one that says what went wrong. Now they name it with
 * `describeValue()`, which falls back to inspecting the object.
 */

import assert from "node:assert/strict";
import { EventLoop, Future, VirtualClock } from "../../loop/mod.ts";
import { run, Task } from "../../task/mod.ts";

class Hostile<T> extends Future<T> {
  override toString(): string {
    throw new Error("toString boom");
  }
}

Deno.test("awaiting a future of a closed loop says so, though its toString() throws", async () => {
  const loop = new EventLoop({ clock: new VirtualClock() });
  const future = new Hostile<number>(loop);
  loop.close();
  await assert.rejects(
    async () => await future,
    (error: Error) => {
      assert.match(
        error.message,
        /^Cannot await .*: its event loop is closed$/,
      );
      assert.doesNotMatch(error.message, /toString boom/);
      return true;
    },
  );
});

Deno.test("completing a future of a closed loop with callbacks says so, though its toString() throws", () => {
  const loop = new EventLoop({ clock: new VirtualClock() });
  const future = new Hostile<number>(loop);
  future.addDoneCallback(() => {});
  loop.close();
  assert.throws(
    () => future.setResult(1),
    /^Error: Cannot complete .*: its event loop is closed, so its callbacks cannot run$/,
  );
  assert.equal(future.done(), false);
});

class HostileTask<T> extends Task<T> {
  override toString(): string {
    throw new Error("toString boom");
  }
}

Deno.test("a task awaiting itself is refused with that error, though its toString() throws", async () => {
  const message = await run(async () => {
    const box: { task?: Task<string> } = {};
    const task = new HostileTask<string>(async () => {
      try {
        await box.task!;
        return "awaited itself";
      } catch (error) {
        return (error as Error).message;
      }
    });
    box.task = task;
    return await task;
  }, { handleSigint: false });
  assert.match(
    message,
    /^Cannot await .* inside itself: a task cannot await on itself$/,
  );
});
