/**
 * Loop throughput against the platform's own limits.
 *
 * Run: `deno bench --allow-all loop/event_loop_bench.ts`
 *
 * @module
 */

import { EventLoop, VirtualClock } from "./mod.ts";

const CALLBACKS = 1_000_000;
const TIMERS = 100_000;

// Random delays in 0–100 ms, the same for every entry.
let seed = 42;
const delays = Array.from({ length: TIMERS }, () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return (seed % 10_000) / 100;
});

Deno.bench({
  name: "plain array-queue drain",
  group: "callbacks (1,000,000)",
  baseline: true,
  fn() {
    const q: (() => void)[] = [];
    let n = 0;
    const cb = (): void => {
      n++;
    };
    for (let i = 0; i < CALLBACKS; i++) q.push(cb);
    for (let i = 0; i < q.length; i++) q[i]!();
    if (n !== CALLBACKS) throw new Error("lost callbacks");
  },
});

Deno.bench({
  name: "queueMicrotask",
  group: "callbacks (1,000,000)",
  async fn() {
    let n = 0;
    await new Promise<void>((resolve) => {
      const cb = (): void => {
        if (++n === CALLBACKS) resolve();
      };
      for (let i = 0; i < CALLBACKS; i++) queueMicrotask(cb);
    });
  },
});

Deno.bench({
  name: "EventLoop.callSoon",
  group: "callbacks (1,000,000)",
  async fn() {
    using loop = new EventLoop();
    let n = 0;
    const cb = (): void => {
      if (++n === CALLBACKS) loop.stop();
    };
    for (let i = 0; i < CALLBACKS; i++) loop.callSoon(cb);
    await loop.runForever();
  },
});

Deno.bench({
  name: "EventLoop.callSoon chained (one callback per tick)",
  group: "callbacks (1,000,000)",
  async fn() {
    using loop = new EventLoop();
    let n = 0;
    const cb = (): void => {
      if (++n === CALLBACKS) loop.stop();
      else loop.callSoon(cb);
    };
    loop.callSoon(cb);
    await loop.runForever();
  },
});

Deno.bench({
  name: "one setTimeout per timer",
  group: "timers (100,000, random 0-100 ms)",
  baseline: true,
  async fn() {
    let n = 0;
    await new Promise<void>((resolve) => {
      for (const d of delays) {
        setTimeout(() => {
          if (++n === TIMERS) resolve();
        }, d);
      }
    });
  },
});

Deno.bench({
  name: "EventLoop.callLater (real clock)",
  group: "timers (100,000, random 0-100 ms)",
  async fn() {
    using loop = new EventLoop();
    let n = 0;
    const cb = (): void => {
      if (++n === TIMERS) loop.stop();
    };
    for (const d of delays) loop.callLater(d, cb);
    await loop.runForever();
  },
});

Deno.bench({
  name: "EventLoop.callLater (virtual clock)",
  group: "timers (100,000, random 0-100 ms)",
  async fn() {
    using loop = new EventLoop({ clock: new VirtualClock() });
    let n = 0;
    const cb = (): void => {
      if (++n === TIMERS) loop.stop();
    };
    for (const d of delays) loop.callLater(d, cb);
    await loop.runForever();
  },
});
