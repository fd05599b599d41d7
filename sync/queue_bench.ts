/**
 * Queue benchmarks: ping-pong of 200,000 items through `Queue(1)` between
 * two tasks against a minimal raw-promise channel (the baseline), and
 * 1,000,000 `putNowait`/`getNowait` against a bare `Deque`.
 *
 * Run: `deno bench --allow-all sync/queue_bench.ts`
 */

import { Deque } from "../loop/deque.ts";
import { createTask, run } from "../task/mod.ts";
import { LifoQueue } from "./lifo_queue.ts";
import { PriorityQueue } from "./priority_queue.ts";
import { Queue } from "./queue.ts";

const PINGPONG = 200_000;
const NOWAIT = 1_000_000;

/** The smallest bounded channel of capacity 1 on raw promises. */
class RawChannel<T> {
  #item: T | undefined = undefined;
  #full = false;
  #getter: ((v: T) => void) | null = null;
  #putter: (() => void) | null = null;

  put(item: T): Promise<void> | void {
    if (this.#getter !== null) {
      const g = this.#getter;
      this.#getter = null;
      g(item);
      return;
    }
    if (!this.#full) {
      this.#item = item;
      this.#full = true;
      return;
    }
    return new Promise<void>((resolve) => {
      this.#putter = () => {
        this.#item = item;
        this.#full = true;
        resolve();
      };
    });
  }

  get(): Promise<T> | T {
    if (this.#full) {
      const item = this.#item as T;
      this.#full = false;
      this.#item = undefined;
      const p = this.#putter;
      if (p !== null) {
        this.#putter = null;
        p();
      }
      return item;
    }
    return new Promise<T>((resolve) => (this.#getter = resolve));
  }
}

Deno.bench({
  name: "raw-promise channel",
  group: "queue ping-pong (200k items, capacity 1)",
  baseline: true,
  async fn() {
    const ch = new RawChannel<number>();
    let sum = 0;
    const consumer = (async () => {
      for (let i = 0; i < PINGPONG; i++) sum += await ch.get();
    })();
    for (let i = 0; i < PINGPONG; i++) await ch.put(i);
    await consumer;
    if (sum !== (PINGPONG * (PINGPONG - 1)) / 2) throw new Error("bad sum");
  },
});

Deno.bench({
  name: "aio Queue(1) (tasks on the loop)",
  group: "queue ping-pong (200k items, capacity 1)",
  async fn() {
    await run(async () => {
      const q = new Queue<number>(1);
      const consumer = createTask(async () => {
        let sum = 0;
        for (let i = 0; i < PINGPONG; i++) sum += await q.get();
        return sum;
      });
      for (let i = 0; i < PINGPONG; i++) await q.put(i);
      const sum = await consumer;
      if (sum !== (PINGPONG * (PINGPONG - 1)) / 2) throw new Error("bad sum");
    }, { handleSigint: false });
  },
});

Deno.bench({
  name: "Deque push/shift",
  group: "putNowait/getNowait (1M)",
  baseline: true,
  fn() {
    const d = new Deque<number>();
    let sum = 0;
    for (let i = 0; i < NOWAIT; i++) {
      d.push(i);
      sum += d.shift()!;
    }
    if (sum < 0) throw new Error("unreachable");
  },
});

Deno.bench({
  name: "aio Queue",
  group: "putNowait/getNowait (1M)",
  fn() {
    const q = new Queue<number>();
    let sum = 0;
    for (let i = 0; i < NOWAIT; i++) {
      q.putNowait(i);
      sum += q.getNowait();
    }
    if (sum < 0) throw new Error("unreachable");
  },
});

Deno.bench({
  name: "aio Queue, 1000 in then 1000 out",
  group: "putNowait/getNowait (1M)",
  fn() {
    const q = new Queue<number>();
    let sum = 0;
    for (let round = 0; round < NOWAIT / 1000; round++) {
      for (let i = 0; i < 1000; i++) q.putNowait(i);
      for (let i = 0; i < 1000; i++) sum += q.getNowait();
    }
    if (sum < 0) throw new Error("unreachable");
  },
});

Deno.bench({
  name: "aio LifoQueue",
  group: "putNowait/getNowait (1M)",
  fn() {
    const q = new LifoQueue<number>();
    for (let i = 0; i < NOWAIT; i++) {
      q.putNowait(i);
      q.getNowait();
    }
  },
});

Deno.bench({
  name: "aio PriorityQueue, 1000 in then 1000 out",
  group: "putNowait/getNowait (1M)",
  fn() {
    const q = new PriorityQueue<number>();
    for (let round = 0; round < NOWAIT / 1000; round++) {
      for (let i = 0; i < 1000; i++) q.putNowait((i * 7919) % 1000);
      for (let i = 0; i < 1000; i++) q.getNowait();
    }
  },
});
