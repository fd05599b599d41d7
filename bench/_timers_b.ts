/**
 * `timers`: `n` timers with random delays in [0, 100) ms (the same sequence
 * everywhere); wall time until the last fired, and how late they fired.
 *
 * - `aio`: `loop.callLater(delay, cb)` for each, inside `run()`.
 * - `raw`: the floor, a minimal binary heap of deadlines on one host
 *   `setTimeout` (what an event loop has to do at least), holding an id
 *   per timer rather than a closure.
 * - `setTimeout`: one host `setTimeout` per timer.
 *
 * Lateness is `performance.now()` when the callback runs minus the deadline
 * (`performance.now()` when scheduled plus the delay), in ms.
 *
 * Run: `deno run bench/timers.ts aio n=100000`
 *
 * @module
 */

import { getRunningLoop, run } from "@aio/asyncio";
import {
  check,
  main,
  param,
  quantile,
  randomDelays,
  unknownImpl,
} from "./_util.ts";

/**
 * A binary min-heap of timers on one host timer: the least a loop does. A
 * timer is a deadline and an integer id in two parallel arrays, and one
 * callback receives the id: no object or closure per timer.
 */
class TimerHeap {
  readonly #deadlines: number[] = [];
  readonly #ids: number[] = [];
  readonly #onFire: (id: number, deadline: number) => void;
  readonly #fireBound = (): void => this.#fire();
  #armedFor = Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(onFire: (id: number, deadline: number) => void) {
    this.#onFire = onFire;
  }

  schedule(deadline: number, id: number): void {
    const d = this.#deadlines;
    const c = this.#ids;
    let i = d.length;
    d.push(deadline);
    c.push(id);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (d[parent]! <= deadline) break;
      d[i] = d[parent]!;
      c[i] = c[parent]!;
      i = parent;
    }
    d[i] = deadline;
    c[i] = id;
    if (deadline < this.#armedFor) this.#arm();
  }

  #arm(): void {
    const next = this.#deadlines[0];
    if (next === undefined || next >= this.#armedFor) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedFor = next;
    this.#timer = setTimeout(
      this.#fireBound,
      Math.max(0, next - performance.now()),
    );
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = performance.now();
    const d = this.#deadlines;
    while (d.length > 0 && d[0]! <= now) {
      const deadline = d[0]!;
      this.#onFire(this.#pop(), deadline);
    }
    this.#arm();
  }

  /** Removes the earliest timer; returns its id. */
  #pop(): number {
    const d = this.#deadlines;
    const c = this.#ids;
    const top = c[0]!;
    const lastD = d.pop()!;
    const lastC = c.pop()!;
    const size = d.length;
    if (size > 0) {
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= size) break;
        if (child + 1 < size && d[child + 1]! < d[child]!) child++;
        if (d[child]! >= lastD) break;
        d[i] = d[child]!;
        c[i] = c[child]!;
        i = child;
      }
      d[i] = lastD;
      c[i] = lastC;
    }
    return top;
  }
}

async function measure(
  impl: string,
  params: Record<string, number>,
): Promise<Record<string, number>> {
  const n = param(params, "n");
  const delays = randomDelays(n);
  const lateness = new Float64Array(n).fill(-1);
  let fired = 0;
  const t0 = performance.now();
  if (impl === "aio") {
    await run(async () => {
      const loop = getRunningLoop();
      const done = loop.createFuture<void>();
      const deadlines = new Float64Array(n);
      const cb = (i: number): void => {
        lateness[i] = performance.now() - deadlines[i]!;
        if (++fired === n) done.setResult();
      };
      for (let i = 0; i < n; i++) {
        deadlines[i] = loop.callLater(delays[i]!, cb, i).when();
      }
      await done;
    }, { handleSigint: false });
  } else if (impl === "raw") {
    await new Promise<void>((resolve) => {
      const heap = new TimerHeap((i, deadline) => {
        lateness[i] = performance.now() - deadline;
        if (++fired === n) resolve();
      });
      for (let i = 0; i < n; i++) {
        heap.schedule(performance.now() + delays[i]!, i);
      }
    });
  } else if (impl === "setTimeout") {
    await new Promise<void>((resolve) => {
      for (let i = 0; i < n; i++) {
        const delay = delays[i]!;
        const deadline = performance.now() + delay;
        setTimeout(() => {
          lateness[i] = performance.now() - deadline;
          if (++fired === n) resolve();
        }, delay);
      }
    });
  } else {
    unknownImpl(impl);
  }
  const ms = performance.now() - t0;
  check(fired === n, `${fired} of ${n} timers fired`);
  check(lateness.every((v) => v >= -1), "a timer fired twice or never");
  // The host's setTimeout takes whole milliseconds and may fire up to 1 ms
  // before a fractional deadline; the loops must not fire early at all.
  const slack = impl === "setTimeout" ? 1.5 : 0.5;
  const early = lateness.filter((v) => v < -slack).length;
  check(early === 0, `${early} timers fired more than ${slack} ms early`);
  return {
    ms,
    n,
    p50: quantile(lateness, 0.5),
    p99: quantile(lateness, 0.99),
  };
}

await main(measure, ["n"]);
