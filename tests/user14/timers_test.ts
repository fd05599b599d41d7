/**
 * User port 14 (job scheduler): a periodic scheduler built on `callLater` /
 * `callAt` with thousands of timers, some cancelled. Each live timer must
 * fire exactly once, in deadline order (ties in scheduling order), never
 * before its deadline, and cancelled ones never.
 *
 * @module
 */
import assert from "node:assert/strict";
import { EventLoop, type TimerHandle, VirtualClock } from "@aio/asyncio/loop";
import { run, sleep } from "@aio/asyncio/task";
import { rng as prng } from "../fuzz/_gen.ts";

interface Fired {
  id: number;
  when: number;
  at: number;
}

/**
 * Schedules `n` timers (half `callLater`, half `callAt`, integer deadlines
 * so ties are frequent), cancels about a fifth of them, some from other
 * timers' callbacks, and returns what fired.
 */
async function scheduleMany(
  loop: EventLoop,
  n: number,
  spanMs: number,
  seed: number,
) {
  const rand = prng(seed);
  const fired: Fired[] = [];
  const handles: TimerHandle[] = [];
  const seq: number[] = []; // scheduling sequence of each id
  const cancelled = new Set<number>();
  const t0 = loop.time();
  for (let id = 0; id < n; id++) {
    const delay = Math.floor(rand() * spanMs);
    const cb = () => {
      fired.push({ id, when: handles[id]!.when(), at: loop.time() });
    };
    handles.push(
      id % 2 === 0 ? loop.callLater(delay, cb) : loop.callAt(t0 + delay, cb),
    );
    seq.push(id);
  }
  // Cancel ~10% up front.
  for (let id = 0; id < n; id++) {
    if (rand() < 0.1) {
      handles[id]!.cancel();
      cancelled.add(id);
    }
  }
  // Cancel ~10% more from a timer in the middle of the span, only those
  // whose deadline is strictly later than that timer's (so they have not
  // fired yet).
  const mid = Math.floor(spanMs / 2);
  const late: number[] = [];
  for (let id = 0; id < n; id++) {
    if (!cancelled.has(id) && handles[id]!.when() > t0 + mid && rand() < 0.1) {
      late.push(id);
    }
  }
  loop.callAt(t0 + mid, () => {
    for (const id of late) {
      handles[id]!.cancel();
      cancelled.add(id);
    }
  });
  return { fired, handles, cancelled, t0 };
}

function checkFired(
  n: number,
  r: { fired: Fired[]; handles: TimerHandle[]; cancelled: Set<number> },
) {
  const { fired, handles, cancelled } = r;
  const ids = fired.map((f) => f.id);
  // Each live timer fired exactly once; no cancelled one fired.
  assert.equal(new Set(ids).size, ids.length, "a timer fired twice");
  for (const id of ids) assert.ok(!cancelled.has(id), `cancelled ${id} fired`);
  assert.equal(ids.length, n - cancelled.size);
  // Never early.
  for (const f of fired) {
    assert.ok(f.at >= f.when, `timer ${f.id} fired at ${f.at} < ${f.when}`);
  }
  // Deadline order, ties in scheduling order (ids were scheduled in order).
  const expected = [...ids].sort((a, b) =>
    handles[a]!.when() - handles[b]!.when() || a - b
  );
  assert.deepEqual(ids, expected);
  for (const id of cancelled) assert.ok(handles[id]!.cancelled());
}

Deno.test("timers: 20,000 callLater/callAt on a VirtualClock fire once each, in deadline order, never early", async () => {
  using loop = new EventLoop({ clock: new VirtualClock() });
  const N = 20_000;
  const r = await scheduleMany(loop, N, 10_000, 42);
  loop.callLater(10_001, () => loop.stop());
  await loop.runForever();
  checkFired(N, r);
  // Virtual time: each fires exactly at its deadline.
  for (const f of r.fired) assert.equal(f.at, f.when);
  assert.equal(loop.time(), 10_001);
});

Deno.test("timers: 3,000 timers on the real clock fire once each, in deadline order, never early", async () => {
  using loop = new EventLoop();
  const N = 3_000;
  const r = await scheduleMany(loop, N, 60, 7);
  loop.callLater(80, () => loop.stop());
  await loop.runForever();
  checkFired(N, r);
});

Deno.test("timers: a drift-free periodic job rescheduled with callAt runs at k*period, and stops when cancelled", async () => {
  const ticks = await run(async () => {
    const { getRunningLoop } = await import("@aio/asyncio/loop");
    const loop = getRunningLoop();
    const ticks: number[] = [];
    const start = loop.time();
    const period = 250;
    let k = 0;
    let handle: TimerHandle;
    const tick = () => {
      ticks.push(loop.time() - start);
      k++;
      handle = loop.callAt(start + (k + 1) * period, tick);
    };
    handle = loop.callAt(start + period, tick);
    await sleep(period * 10 + period / 2); // 10 ticks happen
    handle.cancel();
    await sleep(period * 5); // none after the cancel
    return ticks;
  }, { clock: new VirtualClock() });
  assert.deepEqual(ticks, Array.from({ length: 10 }, (_, i) => (i + 1) * 250));
});

Deno.test("timers: many periodic jobs with different periods interleave in time order (virtual clock)", async () => {
  const log = await run(async () => {
    const { getRunningLoop } = await import("@aio/asyncio/loop");
    const loop = getRunningLoop();
    const log: [number, string][] = [];
    const handles = new Map<string, TimerHandle>();
    const every = (name: string, period: number) => {
      let k = 1;
      const fire = () => {
        log.push([loop.time(), name]);
        k++;
        handles.set(name, loop.callAt(k * period, fire));
      };
      handles.set(name, loop.callAt(period, fire));
    };
    every("a", 300);
    every("b", 500);
    every("c", 700);
    await sleep(1_500);
    handles.get("b")!.cancel(); // its 1500 tick ran in the same tick as the wake-up
    await sleep(600);
    for (const h of handles.values()) h.cancel();
    return log;
  }, { clock: new VirtualClock() });
  const times = log.map(([t]) => t);
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  assert.deepEqual(
    log.filter(([, n]) => n === "b").map(([t]) => t),
    [500, 1000, 1500],
  );
  assert.deepEqual(
    log.filter(([, n]) => n === "a").map(([t]) => t),
    [300, 600, 900, 1200, 1500, 1800, 2100],
  );
  assert.deepEqual(
    log.filter(([, n]) => n === "c").map(([t]) => t),
    [700, 1400, 2100],
  );
});
