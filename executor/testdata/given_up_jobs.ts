// Jobs that watch for their caller giving them up, for the WorkerPool tests.
// Each reports through a shared `Int32Array`: [started, stopped, how].
import { checkCancelled, jobSignal } from "../job.ts";
import { CancelledError } from "../../loop/errors.ts";

const STARTED = 0;
const STOPPED = 1;
const HOW = 2;
/** `HOW`: stopped by a `CancelledError` from `checkCancelled()`. */
export const BY_CHECK = 1;
/** `HOW`: stopped by `jobSignal()` aborting with a `CancelledError`. */
export const BY_SIGNAL = 2;
/** `HOW`: ran to its bound without being told. */
export const NOT_TOLD = 3;

function report(state: Int32Array, slot: number, value: number): void {
  Atomics.store(state, slot, value);
  Atomics.notify(state, slot);
}

/**
 * Spins in synchronous code, calling `checkCancelled()`, until it throws or
 * `limitMs` passed (so a broken pool fails the test instead of hanging it).
 */
export function spin(state: Int32Array, limitMs = 30_000): string {
  report(state, STARTED, 1);
  const end = Date.now() + limitMs;
  try {
    while (Date.now() < end) checkCancelled();
    report(state, HOW, NOT_TOLD);
    return "not told";
  } catch (error) {
    if (error instanceof CancelledError) report(state, HOW, BY_CHECK);
    throw error;
  } finally {
    report(state, STOPPED, 1);
  }
}

/** Waits on `jobSignal()`, up to `limitMs`. */
export async function awaitSignal(
  state: Int32Array,
  limitMs = 30_000,
): Promise<string> {
  const signal = jobSignal();
  report(state, STARTED, 1);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const told = await new Promise<boolean>((resolve) => {
      signal.addEventListener("abort", () => resolve(true), { once: true });
      timer = setTimeout(() => resolve(false), limitMs);
    });
    const byUs = told && signal.reason instanceof CancelledError;
    report(state, HOW, byUs ? BY_SIGNAL : NOT_TOLD);
    return "returned";
  } finally {
    clearTimeout(timer);
    report(state, STOPPED, 1);
  }
}

/** Whether a job that nobody gave up sees itself given up. */
export function givenUpNow(): [boolean, boolean] {
  let checked = false;
  try {
    checkCancelled();
  } catch {
    checked = true;
  }
  return [checked, jobSignal().aborted];
}

/** Puts `state` where a module imported next can find it. */
export function shareState(state: Int32Array): void {
  (globalThis as { sharedState?: Int32Array }).sharedState = state;
}
