/**
 * Lock benchmarks: uncontended acquire/release in one task, and 100 tasks x
 * 1,000 acquire/release with an await inside the critical section, against
 * `async-mutex` and a minimal promise-chain mutex (the baseline).
 *
 * Run: `deno bench --allow-all sync/lock_bench.ts`
 */

import { Mutex } from "async-mutex";
import { createTask, run, type Task } from "../task/mod.ts";
import { Lock } from "./lock.ts";
import { Semaphore } from "./semaphore.ts";

const UNCONTENDED = 100_000;
const TASKS = 100;
const ROUNDS = 1_000;

/** The smallest correct async mutex: a chain of promises. */
class ChainMutex {
  #last: Promise<void> = Promise.resolve();
  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((resolve) => (release = resolve));
    const prev = this.#last;
    this.#last = next;
    return prev.then(() => release);
  }
}

Deno.bench({
  name: "promise-chain mutex",
  group: "lock uncontended (100k acquire/release)",
  baseline: true,
  async fn() {
    const m = new ChainMutex();
    for (let i = 0; i < UNCONTENDED; i++) (await m.acquire())();
  },
});

Deno.bench({
  name: "async-mutex",
  group: "lock uncontended (100k acquire/release)",
  async fn() {
    const m = new Mutex();
    for (let i = 0; i < UNCONTENDED; i++) (await m.acquire())();
  },
});

Deno.bench({
  name: "aio Lock",
  group: "lock uncontended (100k acquire/release)",
  async fn() {
    await run(async () => {
      const lock = new Lock();
      for (let i = 0; i < UNCONTENDED; i++) {
        await lock.acquire();
        lock.release();
      }
    }, { handleSigint: false });
  },
});

Deno.bench({
  name: "aio Lock with using guard",
  group: "lock uncontended (100k acquire/release)",
  async fn() {
    await run(async () => {
      const lock = new Lock();
      for (let i = 0; i < UNCONTENDED; i++) {
        using _ = await lock.lock();
      }
    }, { handleSigint: false });
  },
});

Deno.bench({
  name: "promise-chain mutex",
  group: "lock contended (100 tasks x 1k, await inside)",
  baseline: true,
  async fn() {
    const m = new ChainMutex();
    let counter = 0;
    await Promise.all(
      Array.from({ length: TASKS }, async () => {
        for (let i = 0; i < ROUNDS; i++) {
          const release = await m.acquire();
          const c = counter;
          await null;
          counter = c + 1;
          release();
        }
      }),
    );
    if (counter !== TASKS * ROUNDS) throw new Error("lost update");
  },
});

Deno.bench({
  name: "async-mutex",
  group: "lock contended (100 tasks x 1k, await inside)",
  async fn() {
    const m = new Mutex();
    let counter = 0;
    await Promise.all(
      Array.from({ length: TASKS }, async () => {
        for (let i = 0; i < ROUNDS; i++) {
          const release = await m.acquire();
          const c = counter;
          await null;
          counter = c + 1;
          release();
        }
      }),
    );
    if (counter !== TASKS * ROUNDS) throw new Error("lost update");
  },
});

Deno.bench({
  name: "aio Lock (tasks on the loop)",
  group: "lock contended (100 tasks x 1k, await inside)",
  async fn() {
    await run(async () => {
      const lock = new Lock();
      let counter = 0;
      const tasks: Task<void>[] = [];
      for (let t = 0; t < TASKS; t++) {
        tasks.push(createTask(async () => {
          for (let i = 0; i < ROUNDS; i++) {
            await lock.acquire();
            const c = counter;
            await null;
            counter = c + 1;
            lock.release();
          }
        }));
      }
      for (const t of tasks) await t;
      if (counter !== TASKS * ROUNDS) throw new Error("lost update");
    }, { handleSigint: false });
  },
});

Deno.bench({
  name: "aio Semaphore(1) (tasks on the loop)",
  group: "lock contended (100 tasks x 1k, await inside)",
  async fn() {
    await run(async () => {
      const sem = new Semaphore(1);
      let counter = 0;
      const tasks: Task<void>[] = [];
      for (let t = 0; t < TASKS; t++) {
        tasks.push(createTask(async () => {
          for (let i = 0; i < ROUNDS; i++) {
            await sem.acquire();
            const c = counter;
            await null;
            counter = c + 1;
            sem.release();
          }
        }));
      }
      for (const t of tasks) await t;
      if (counter !== TASKS * ROUNDS) throw new Error("lost update");
    }, { handleSigint: false });
  },
});
