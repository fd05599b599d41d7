/**
 * Debug mode names each task of a slow settling phase once (attack round
 * 7).
 *
 * Found: `EventLoop[stepBegin]` records the task in the debug list on
 * every call, and since 1f1239b a `.catch()` (or `.finally()`) on a library
 * future in a step turns that step soft by ending it and beginning a new
 * one, so a task that attaches `child.catch(() => {})` in a slow step is
 * reported twice: `Executing step of Task(a, pending), Task(a, pending)
 * took 120 ms`. The tree before 1f1239b named it once here (it lists a
 * task twice already when two of its waits end in one tick, say a
 * `Promise.all` of two futures completed together). asyncio reports each
 * slow handle once.
 */

import assert from "node:assert/strict";
import { EventLoop } from "../../loop/mod.ts";
import { Task } from "../../task/mod.ts";
import { sleep } from "../../mod.ts";

function busy(ms: number): void {
  const start = performance.now();
  while (performance.now() - start < ms);
}

Deno.test("a slow step that attaches .catch() to a child names its task once", async () => {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.join(" "));
  try {
    using loop = new EventLoop({ debug: true, slowCallbackMs: 20 });
    const never = loop.createFuture<void>();
    const main = new Task(async () => {
      const child = new Task(() => never, { loop, name: "child" });
      await sleep(0);
      const a = new Task(async () => {
        await sleep(0);
        child.catch(() => {});
        busy(40);
        await sleep(0);
      }, { loop, name: "a" });
      await a;
      never.cancel();
      await child.catch(() => {});
    }, { loop, name: "main" });
    await loop.runUntilComplete(main);
  } finally {
    console.warn = warn;
  }
  const report = warnings.find((w) => w.startsWith("Executing step of"));
  assert.ok(report !== undefined, `no slow step report: ${warnings}`);
  assert.equal(
    report.split("Task(a,").length - 1,
    1,
    `task a named more than once: ${report}`,
  );
});
