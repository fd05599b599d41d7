/**
 * Debug mode names a slow callback of the library's own (a future's done
 * callbacks, a task's start) as it named it when each had a handle:
 * `Handle(runCallbacks)`. The ready queue now holds such callbacks as a
 * function and its argument, without a handle (issue 13); the warning
 * makes one only to be printed.
 */

import assert from "node:assert/strict";
import { EventLoop } from "../../loop/mod.ts";
import { Task } from "../../task/mod.ts";

Deno.test("debug mode warns of a slow done callback as Executing Handle(runCallbacks)", async () => {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (message: string) => warnings.push(message);
  try {
    using loop = new EventLoop({ debug: true, slowCallbackMs: 1 });
    const future = loop.createFuture<number>();
    future.addDoneCallback(() => {
      // Busy for 3 ms: at least the 1 ms that makes a callback slow.
      const start = performance.now();
      while (performance.now() - start < 3);
    });
    loop.callSoon(() => future.setResult(1));
    await loop.runUntilComplete(new Task(async () => await future, { loop }));
  } finally {
    console.warn = warn;
  }
  // Other callbacks may be slow too on a loaded machine: only this one's
  // warning is asserted.
  assert.ok(
    warnings.some((w) =>
      /^Executing Handle\(runCallbacks\) took \d+\.\d{3} ms$/.test(w)
    ),
    warnings.join("\n"),
  );
});
