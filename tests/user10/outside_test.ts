import assert from "node:assert/strict";
import { canon, pyLog } from "./_harness.ts";
import { main } from "./_tl.ts";
import { program } from "./outside.ts";

// trio's scope.cancel() ported as scope.reschedule(loop.time()); every
// scenario matches. canon() keeps each instant's lines in order, so the
// children a cancelled nursery wakes at one instant (X3) are put in name
// order too: trio wakes them in set order, which changes from run to run.
Deno.test("cancel a scope from outside: aio's log is trio's", async () => {
  const trio = childrenSorted(canon(await pyLog("outside.py")));
  const aio = childrenSorted(canon(await main(program)));
  assert.deepEqual(aio, trio);
});

/** Sorts each run of consecutive "<t> X3 <child> raised ..." lines. */
function childrenSorted(lines: string[]): string[] {
  const out = [...lines];
  const child = /^\S+ X3 c\d raised /;
  for (let i = 0; i < out.length;) {
    let j = i;
    while (j < out.length && child.test(out[j]!)) j++;
    if (j > i + 1) out.splice(i, j - i, ...out.slice(i, j).sort());
    i = j > i ? j : i + 1;
  }
  return out;
}
