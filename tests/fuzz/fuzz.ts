// Long fuzzing runs, by hand:
//   deno run -A tests/fuzz/fuzz.ts <first seed> <count> [op-to-leave-out ...]
// Prints each diverging seed, its program and both logs side by side.
// FUZZ_PYTHON=/path/to/python3.x picks the CPython (default: python3).
import { diffSeeds, sideBySide } from "./_diff.ts";

const first = Number(Deno.args[0] ?? 0);
const count = Number(Deno.args[1] ?? 200);
const without = Deno.args.slice(2);
const BATCH = 200;
let bad = 0;
for (let s = first; s < first + count; s += BATCH) {
  const seeds = [];
  for (let i = s; i < Math.min(s + BATCH, first + count); i++) seeds.push(i);
  for (const d of await diffSeeds(seeds, { without })) {
    bad++;
    console.log(`=== seed ${d.seed}`);
    console.log(JSON.stringify(d.prog));
    console.log(sideBySide(d.py, d.aio));
  }
}
console.log(`${count - bad} of ${count} seeds agree`);
