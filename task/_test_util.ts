/** Helpers shared by the task module's tests. */

import { getRunningLoop, VirtualClock } from "../loop/mod.ts";
import { run } from "./mod.ts";

/** Runs `main` with `run()` on a fresh virtual clock (time starts at 0). */
export function vrun<T>(main: () => Promise<T>): Promise<T> {
  return run(main, { clock: new VirtualClock(), handleSigint: false });
}

/** The running loop's time. */
export function now(): number {
  return getRunningLoop().time();
}
