/**
 * `timers`: `n` timers with random delays in [0, 100) ms (the same sequence
 * everywhere); wall time until the last fired, and how late they fired.
 *
 * - `aio`: `loop.callLater(delay, cb)` for each, inside `run()`.
 * - `raw`: the floor, a minimal binary heap of deadlines on one host
 *   `setTimeout` (what an event loop has to do at least).
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

/** A binary min-heap of timers on one host timer: the least a loop does. */
class TimerHeap {
  readonly #deadlines: number[] = [];
  readonly #callbacks: (() => void)[] = [];
  #armedFor = Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;

  schedule(delay: number, cb: () => void): void {
    const deadline = performance.now() + delay;
    const d = this.#deadlines;
    const c = this.#callbacks;
    let i = d.length;
    d.push(deadline);
    c.push(cb);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (d[parent]! <= deadline) break;
      d[i] = d[parent]!;
      c[i] = c[parent]!;
      i = parent;
    }
    d[i] = deadline;
    c[i] = cb;
    this.#arm();
  }

  #arm(): void {
    const next = this.#deadlines[0];
    if (next === undefined || next >= this.#armedFor) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedFor = next;
    this.#timer = setTimeout(
      () => this.#fire(),
      Math.max(0, next - performance.now()),
    );
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = performance.now();
    while (this.#deadlines.length > 0 && this.#deadlines[0]! <= now) {
      this.#pop()();
    }
    this.#arm();
  }

  #pop(): () => void {
    const d = this.#deadlines;
    const c = this.#callbacks;
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
      const cb = (i: number, deadline: number): void => {
        lateness[i] = performance.now() - deadline;
        if (++fired === n) done.setResult();
      };
      for (let i = 0; i < n; i++) {
        const delay = delays[i]!;
        loop.callLater(delay, cb, i, performance.now() + delay);
      }
      await done;
    }, { handleSigint: false });
  } else if (impl === "raw" || impl === "setTimeout") {
    const heap = new TimerHeap();
    await new Promise<void>((resolve) => {
      for (let i = 0; i < n; i++) {
        const delay = delays[i]!;
        const deadline = performance.now() + delay;
        const cb = (): void => {
          lateness[i] = performance.now() - deadline;
          if (++fired === n) resolve();
        };
        if (impl === "raw") heap.schedule(delay, cb);
        else setTimeout(cb, delay);
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
