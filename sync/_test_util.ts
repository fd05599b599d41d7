/**
 * Helpers shared by the sync tests.
 *
 * @module
 */

import { run, sleep } from "../task/mod.ts";
import { VirtualClock } from "../loop/mod.ts";

/** Runs `main` on a new loop with a virtual clock. */
export function runVirtual<T>(main: () => Promise<T>): Promise<T> {
  return run(main, { clock: new VirtualClock(), handleSigint: false });
}

/**
 * Lets `n` loop ticks pass. Tasks woken in the same tick interleave at
 * microtask level, so two ticks are the default: every task ready in the
 * first has reached its next wait when the caller resumes.
 */
export async function ticks(n = 2): Promise<void> {
  for (let i = 0; i < n; i++) await sleep(0);
}
