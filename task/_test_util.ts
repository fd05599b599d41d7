/**
 * Helpers for the tests of every folder (tests may use any layer): a
 * virtual-time `run()`, the loop's time, and letting ticks pass.
 *
 * @module
 */

import { getRunningLoop, VirtualClock } from "../loop/mod.ts";
import { run } from "./run.ts";
import { sleep } from "./sleep.ts";

/** Runs `main` with `run()` on a fresh virtual clock (time starts at 0). */
export function vrun<T>(main: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return run(main, { clock: new VirtualClock(), handleSigint: false });
}

/** The running loop's time. */
export function now(): number {
  return getRunningLoop().time();
}

/**
 * Lets `n` loop ticks pass. Tasks woken in the same tick interleave at
 * microtask level, so two ticks are the default: every task ready in the
 * first has reached its next wait when the caller resumes.
 */
export async function ticks(n = 2): Promise<void> {
  for (let i = 0; i < n; i++) await sleep(0);
}
