/**
 * A global `Promise` replaced by a subclass whose constructor does work of
 * its own (instrumentation that looks at another library future when a
 * promise is made) takes the resolving functions of the first awaited
 * future (attack round 24).
 *
 * Found (attack round 24, on ebcea78): `Future#then()` made its native
 * promise with one module-level executor that left the resolving functions
 * in two module variables, read back after the constructor returned. A
 * replaced `Promise` runs its own constructor code between the two; when
 * that code called `then()` on another pending future, the nested call
 * overwrote the variables and cleared them, the outer future kept `null`
 * as its resolving functions, its wake threw ("Exception in done callback
 * wakeWaiters ... this[#resolve] is not a function") and its awaiter hung
 * for good.
 *
 * Fixed: the executor writes into the future being built, which is set
 * around each construction and restored after it, so a nested one writes
 * into its own future.
 */

import assert from "node:assert/strict";
import {
  EventLoop,
  type ExceptionContext,
  VirtualClock,
} from "../../loop/mod.ts";

Deno.test("a Promise subclass installed as the global Promise that awaits another future inside its constructor does not strand an awaiter", async () => {
  using loop = new EventLoop({ clock: new VirtualClock() });
  const reports: ExceptionContext[] = [];
  loop.setExceptionHandler((_loop, context) => reports.push(context));
  const target = loop.createFuture<number>();
  const other = loop.createFuture<number>();

  const NativePromise = Promise;
  let armed = false;
  class Traced<T> extends NativePromise<T> {
    constructor(
      executor: (
        resolve: (value: T | PromiseLike<T>) => void,
        reject: (reason?: unknown) => void,
      ) => void,
    ) {
      super(executor);
      // Instrumentation that looks at another future once, the first time
      // a promise is made while armed.
      if (armed) {
        armed = false;
        other.then(() => {}, () => {});
      }
    }
  }

  let got: unknown = "not resumed";
  // deno-lint-ignore no-explicit-any
  (globalThis as any).Promise = Traced;
  try {
    armed = true;
    target.then((value) => (got = value));
  } finally {
    armed = false;
    // deno-lint-ignore no-explicit-any
    (globalThis as any).Promise = NativePromise;
  }

  loop.callSoon(() => target.setResult(42));
  loop.callLater(10, () => {
    other.setResult(0);
    loop.stop();
  });
  await loop.runForever();

  assert.deepEqual(
    reports.map((r) => `${r.message}: ${r.exception}`),
    [],
  );
  assert.equal(got, 42);
});
