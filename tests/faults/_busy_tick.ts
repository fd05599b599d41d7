/**
 * Puts the running loop one call short of a busy tick (`loop[busyTick]()`):
 * the next wait that need not wait in this tick is granted a tick later. It
 * spins 5 ms of wall time between the 256th and the 512th count, as a long
 * busy tick does.
 */
import { busyTick } from "../../loop/event_loop.ts";
import { getRunningLoop } from "../../loop/mod.ts";

export function primeBusyTick(): void {
  const loop = getRunningLoop();
  for (let i = 0; i < 257; i++) {
    if (loop[busyTick]()) throw new Error("busy too early");
  }
  const start = performance.now();
  while (performance.now() - start < 5) { /* a long busy tick */ }
  for (let i = 0; i < 255; i++) {
    if (loop[busyTick]()) throw new Error("busy too early");
  }
}
