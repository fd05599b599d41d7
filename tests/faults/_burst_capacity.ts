// Child of burst_capacity_retained_test.ts; run with --v8-flags=--expose-gc.
// Prints JSON: bytes each structure still holds, idle, after one burst.
import { EventLoop, VirtualClock } from "../../loop/mod.ts";
import { Queue } from "../../sync/mod.ts";

const gc = (globalThis as unknown as { gc: () => void }).gc;
function heap(): number {
  gc();
  gc();
  return Deno.memoryUsage().heapUsed;
}
const N = 1_000_000;
const out: Record<string, number> = {};

// 1. A loop after a burst of callLater() timers, all fired.
{
  const loop = new EventLoop({ clock: new VirtualClock() });
  const before = heap();
  for (let i = 0; i < N; i++) loop.callLater(i % 1000, () => {});
  loop.callLater(5000, () => loop.stop());
  await loop.runForever();
  out.loopAfterTimers = heap() - before;
  loop.close();
}
// 2. A loop after a burst of callSoon() callbacks, all run.
{
  const loop = new EventLoop({ clock: new VirtualClock() });
  const before = heap();
  for (let i = 0; i < N; i++) loop.callSoon(() => {});
  loop.callSoon(() => loop.stop());
  await loop.runForever();
  out.loopAfterCallSoon = heap() - before;
  loop.close();
}
// 3. A Queue after a backlog of N items, all taken.
{
  const before = heap();
  const q = new Queue<number>();
  for (let i = 0; i < N; i++) q.putNowait(i);
  while (!q.empty()) q.getNowait();
  out.emptyQueue = heap() - before;
  out.qsize = q.qsize(); // keeps q alive up to here
}
console.log(JSON.stringify(out));
