// A module with long synchronous set-up at import, which stops when the job
// that imports it is given up. It talks through the shared `Int32Array` that
// a job put on `globalThis.sharedState` first (`shareState()` in
// given_up_jobs.ts): it sets `[0]` once its set-up began, and its set-up
// runs until `[1]` is set (or 30 s passed, so a broken pool fails the test
// instead of hanging it).
import { checkCancelled } from "../job.ts";

const state = (globalThis as { sharedState?: Int32Array }).sharedState;
let steps = 0;
if (state !== undefined) {
  Atomics.store(state, 0, 1);
  Atomics.notify(state, 0);
  const end = Date.now() + 30_000;
  while (Atomics.load(state, 1) === 0 && Date.now() < end) {
    checkCancelled();
    steps++;
  }
}

/** Says the module's set-up ended. */
export function ready(): string {
  return "ready";
}
