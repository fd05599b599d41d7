/**
 * A task's first step runs in the callback that starts it, so debug mode
 * reported a slow first step as `Executing Handle(startTask)`, without the
 * task; later steps named it (`Executing step of Task(...)`), and asyncio
 * names the task for every step. The report of a slow callback now names
 * the tasks whose step began in it.
 */

import assert from "node:assert/strict";
import { EventLoop } from "../../loop/mod.ts";
import { Task } from "../../task/mod.ts";

Deno.test("debug mode names the task of a slow first step", async () => {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (message: string) => warnings.push(message);
  try {
    using loop = new EventLoop({ debug: true, slowCallbackMs: 1 });
    const crunch = new Task(() => {
      // Busy for 3 ms: at least the 1 ms that makes a callback slow.
      const start = performance.now();
      while (performance.now() - start < 3);
      return Promise.resolve(1);
    }, { loop, name: "crunch" });
    await loop.runUntilComplete(crunch);
  } finally {
    console.warn = warn;
  }
  assert.ok(
    warnings.some((w) =>
      /^Executing Handle\(startTask\) \(step of Task\(crunch, [a-z]+\)\) took \d+\.\d{3} ms$/
        .test(w)
    ),
    warnings.join("\n"),
  );
});
