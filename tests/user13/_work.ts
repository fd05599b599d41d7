/**
 * Jobs for the crawler's Worker pool (tests/user13).
 *
 * @module
 */
import { checkCancelled, jobSignal, RemoteLoop } from "@aio/asyncio/executor";

/** Shared counter: [0] = iterations a job ran after being started. */
export function countPrimes(
  below: number,
  progress?: SharedArrayBuffer,
): number {
  const seen = progress ? new Int32Array(progress) : undefined;
  let count = 0;
  for (let n = 2; n < below; n++) {
    if (n % 4096 === 0) {
      if (seen) Atomics.store(seen, 0, n);
      checkCancelled();
    }
    if (isPrime(n)) count++;
  }
  return count;
}

/** Counts words of a page fetched in the Worker, stopping when given up. */
export async function fetchWords(url: string): Promise<number> {
  const res = await fetch(url, { signal: jobSignal() });
  const text = await res.text();
  return text.split(/\s+/).filter(Boolean).length;
}

/** Returns whether the job's signal is aborted, after `ms` of native waiting. */
export async function signalAfter(ms: number): Promise<boolean> {
  const signal = jobSignal();
  await new Promise((r) => setTimeout(r, ms));
  return signal.aborted;
}

/** Awaits `ms` natively, then reports what checkCancelled()/jobSignal() say. */
export async function lateCheck(
  ms: number,
  out: SharedArrayBuffer,
): Promise<string> {
  const view = new Int32Array(out);
  const signal = jobSignal();
  await new Promise((r) => setTimeout(r, ms));
  let threw = 0;
  try {
    checkCancelled();
  } catch {
    threw = 1;
  }
  Atomics.store(view, 0, threw + 1); // 1: did not throw, 2: threw
  Atomics.store(view, 1, signal.aborted ? 2 : 1);
  Atomics.store(view, 2, jobSignal() === signal ? 2 : 1);
  Atomics.notify(view, 0);
  return "late";
}

export function quick(): string {
  return "quick";
}

/** Spins for `ms` without checking. */
export function spin(ms: number): number {
  const end = Date.now() + ms;
  let n = 0;
  while (Date.now() < end) n++;
  return n;
}

/** Calls checkCancelled() and says whether it threw. */
export function probe(): string {
  try {
    checkCancelled();
  } catch (e) {
    return `threw ${e}`;
  }
  return jobSignal().aborted ? "signal aborted" : "ok";
}

/** Catches its own give-up and keeps spinning for `ms`, then returns. */
export function stubborn(ms: number): string {
  const end = Date.now() + ms;
  let caught = 0;
  while (Date.now() < end) {
    try {
      checkCancelled();
    } catch {
      caught++;
    }
  }
  return `caught ${caught}`;
}

/** Returns something that cannot be cloned. */
export function badResult(): unknown {
  return { f: () => 1 };
}

/** Returns a Response (not cloneable either). */
export async function response(): Promise<unknown> {
  return new Response("x");
}

/** Throws a CancelledError of its own, without being given up. */
export async function ownCancel(): Promise<never> {
  const { CancelledError } = await import("@aio/asyncio/task");
  throw new CancelledError("job decided");
}

/**
 * Awaits `ms` natively, then spins up to `spinMs` calling checkCancelled();
 * records in `out[0]` 1 (ran to the end) or 2 (stopped by checkCancelled),
 * and in `out[1]` whether jobSignal() was aborted when it woke.
 */
export async function wakeThenSpin(
  ms: number,
  spinMs: number,
  out: SharedArrayBuffer,
): Promise<string> {
  const view = new Int32Array(out);
  await new Promise((r) => setTimeout(r, ms));
  Atomics.store(view, 1, jobSignal().aborted ? 2 : 1);
  const end = Date.now() + spinMs;
  try {
    while (Date.now() < end) checkCancelled();
  } catch (e) {
    Atomics.store(view, 0, 2);
    throw e;
  }
  Atomics.store(view, 0, 1);
  return "spun";
}

/** Waits `ms` natively. */
export async function idle(ms: number): Promise<string> {
  await new Promise((r) => setTimeout(r, ms));
  return "idle";
}

/** Spins forever without checking. */
export function forever(): never {
  for (;;) {
    // nothing
  }
}

/** Spins forever calling Date.now(). */
export function foreverNow(): never {
  let n = 0;
  for (;;) n += Date.now() & 1;
}

/** Spins for `ms`, calling checkCancelled() as it goes. */
export function spinChecking(ms: number): number {
  const end = Date.now() + ms;
  let n = 0;
  while (Date.now() < end) {
    n++;
    checkCancelled();
  }
  return n;
}

/** Counts primes below `below`, reporting progress to the main loop. */
export function primesWithProgress(port: MessagePort, below: number): number {
  using loop = new RemoteLoop(port);
  let count = 0;
  for (let n = 2; n < below; n++) {
    if (n % 65536 === 0) {
      checkCancelled();
      loop.callSoonThreadsafe("progress", n);
    }
    if (isPrime(n)) count++;
  }
  return count;
}

function isPrime(n: number): boolean {
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}
