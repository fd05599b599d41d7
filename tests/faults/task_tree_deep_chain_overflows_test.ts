/**
 * Attack round 25 (debug tool, cosmetic/wrong error): formatTaskTree() on a
 * live chain of tasks each created by the one before (a recursive
 * algorithm that spawns and awaits a child per level) throws a RangeError
 * past ~2,000 levels, and its output grows with the square of the depth.
 *
 * What I did (VirtualClock): task i creates and awaits task i+1, 3,000
 * levels, the leaf sleeping; then `formatTaskTree()` from main.
 *
 * What happened (measured): depth 2,000 gives 2,003 lines and 8,127,907
 * characters (each line indented 4 characters per level: 1,000 levels
 * 2,062,907, 500 levels 531,402); depth 2,500 and 3,000 throw
 * "RangeError: Maximum call stack size exceeded".
 *
 * Cause: task/task_tree.ts:104-112, `visit()` recurses once per level and
 * each level's prefix is the parent's plus 4 characters.
 *
 * Expected: the tree printer is what SIGUSR1 and debugging call on a sick
 * program; it should not throw for a deep (but legal) task tree, and its
 * output should stay readable (e.g. an iterative walk and an elided indent
 * beyond some depth, "… (2,990 levels)").
 *
 * Fixed: the tree is walked with a stack of its own; past 32 levels the
 * indent stops growing and each line names its depth.
 */

import assert from "node:assert/strict";
import {
  createTask,
  formatTaskTree,
  run,
  sleep,
  type Task,
} from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";

Deno.test("formatTaskTree() on a 3,000-deep live task chain does not throw", async () => {
  const N = 3_000;
  const got = await run(async () => {
    const make = (i: number): Task<string> =>
      createTask(async () => {
        if (i === N) {
          await sleep(100);
          return "leaf";
        }
        return await make(i + 1);
      });
    const top = make(0);
    await sleep(10);
    let outcome: string;
    try {
      const lines = formatTaskTree().split("\n");
      const longest = Math.max(...lines.map((line) => line.length));
      outcome = `ok ${lines.length} lines, the longest under 300: ${
        longest < 300
      }, last at depth ${lines.at(-1)!.match(/\[depth (\d+)\]/)?.[1]}`;
    } catch (e) {
      outcome = `threw ${e}`;
    }
    await top;
    return outcome;
  }, { clock: new VirtualClock(), handleSigint: false });
  // The header, main, then tasks 0 to N, each a level deeper.
  assert.equal(
    got,
    `ok ${N + 3} lines, the longest under 300: true, last at depth ${N + 1}`,
  );
});
