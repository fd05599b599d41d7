/**
 * Helpers for the CPython conformance ports: a virtual-clock `run()`, one
 * loop tick (`asyncio.sleep(0)`), and the waiter count aio shows in its
 * `toString()` (CPython's tests read `len(x._waiters)`).
 *
 * @module
 */

import { run, sleep } from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";

/** `run(main)` on a fresh virtual clock. */
export function vrun<T>(main: () => Promise<T>): Promise<T> {
  return run(main, { clock: new VirtualClock(), handleSigint: false });
}

/** `await asyncio.sleep(0)`: one loop tick. */
export function tick(): Promise<void> {
  return sleep(0);
}

/** `n` loop ticks. */
export async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await sleep(0);
}

/**
 * The `waiters=N` (or `getters=N`, ...) count of a primitive's
 * `toString()`, 0 when absent.
 */
export function count(x: { toString(): string }, key = "waiters"): number {
  const m = new RegExp(`${key}=(\\d+)`).exec(String(x));
  return m ? Number(m[1]) : 0;
}

/**
 * Two loop ticks: what one `asyncio.sleep(0)` gives in CPython when the
 * task woken in that tick is resumed through one of aio's multi-step
 * waits. `README.md`, "How it differs from asyncio": "Tasks resumed in the
 * same tick interleave at their `await`s", so the caller's own `sleep(0)`
 * may resume before a task woken in the same tick has run its code.
 */
export function settle(): Promise<void> {
  return ticks(2);
}

/**
 * Ticks until `pred()` holds, at most `max` ticks; returns how many it
 * took (throws if it never held).
 */
export async function until(
  pred: () => boolean,
  max = 20,
): Promise<number> {
  for (let i = 0; i <= max; i++) {
    if (pred()) return i;
    await sleep(0);
  }
  throw new Error(`condition not reached in ${max} ticks`);
}
