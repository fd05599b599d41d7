// Long fuzzing runs, by hand:
//   deno run -A tests/fuzz/fuzz.ts <first seed> <count> [op-to-leave-out ...]
// Prints each diverging seed, its program and both logs side by side.
// FUZZ_PYTHON=/path/to/python3.x picks the CPython (default: python3).
//
// Divergences seen in long runs, none a bug of aio (fuzz20, seeds 40000-100000
// and runs with ops left out):
// - a task woken by a wait and cancelled (by its TaskGroup, through a task it
//   awaited) before it resumes: the wait completes in aio and the
//   CancelledError comes at its next wait; asyncio throws it at the resumed
//   await (`_must_cancel`). Most of them; a lock/permit handed to such a
//   waiter is kept (README, "How it differs").
// - `wait(FIRST_COMPLETED)` reports one more or one fewer task done when two
//   finish in one virtual instant (same-tick order).
// - a gather whose child was cancelled, and whose caller is cancelled in the
//   same tick: aio runs the gather's callback before the resumed task that
//   cancels the caller (README: a resumed task runs after the tick's plain
//   callbacks), so the gather has ended and its other children go on;
//   asyncio, in registration order, cancels them first (seeds 58059, 122494).
// - a task that returns before a pending cancellation reaches a wait ends
//   with its value (README); asyncio ends it cancelled (`main final ... ok`).
// - asyncio's `cancelling()` still counts a request that a task it awaited
//   swallowed; 3.13's TaskGroup re-raises it when the group fails (seed 64762).
// - Barrier indices after a cancelled waiter (sync/barrier.ts; seed 218306).
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
