/**
 * Task spawn, await and hand-off costs against raw async functions.
 *
 * Run: `deno bench --allow-all task/task_bench.ts`
 *
 * @module
 */

import { createTask, Future, run, sleep, type Task } from "./mod.ts";

const TASKS = 100_000;
const HANDOFFS = 200_000;

Deno.bench({
  name: "raw async functions awaiting a resolved promise, Promise.all",
  group: "tasks (100,000 spawned, each awaits once, all awaited)",
  baseline: true,
  async fn() {
    const resolved = Promise.resolve();
    const body = async (): Promise<void> => {
      await resolved;
    };
    const all: Promise<void>[] = [];
    for (let i = 0; i < TASKS; i++) all.push(body());
    await Promise.all(all);
  },
});

Deno.bench({
  name: "createTask + sleep(0), all awaited",
  group: "tasks (100,000 spawned, each awaits once, all awaited)",
  async fn() {
    await run(async () => {
      const body = async (): Promise<void> => {
        await sleep(0);
      };
      const all: Task<void>[] = [];
      for (let i = 0; i < TASKS; i++) all.push(createTask(body));
      for (const t of all) await t;
    }, { handleSigint: false });
  },
});

// Each side owns an inbox; it replaces the inbox after reading it and before
// it sends, so a message is never written into a spent inbox.
Deno.bench({
  name: "raw promise hand-off between two async functions",
  group: "ping-pong (200,000 hand-offs)",
  baseline: true,
  async fn() {
    let toA = Promise.withResolvers<number>();
    let toB = Promise.withResolvers<number>();
    const a = (async () => {
      for (let i = 0; i < HANDOFFS / 2; i++) {
        toB.resolve(i);
        const v = await toA.promise;
        toA = Promise.withResolvers<number>();
        if (v !== i) throw new Error("out of order");
      }
    })();
    const b = (async () => {
      for (let i = 0; i < HANDOFFS / 2; i++) {
        const v = await toB.promise;
        toB = Promise.withResolvers<number>();
        toA.resolve(v);
      }
    })();
    await Promise.all([a, b]);
  },
});

Deno.bench({
  name: "Future hand-off between two tasks",
  group: "ping-pong (200,000 hand-offs)",
  async fn() {
    await run(async () => {
      let toA = new Future<number>();
      let toB = new Future<number>();
      const a = createTask(async () => {
        for (let i = 0; i < HANDOFFS / 2; i++) {
          toB.setResult(i);
          const v = await toA;
          toA = new Future<number>();
          if (v !== i) throw new Error("out of order");
        }
      });
      const b = createTask(async () => {
        for (let i = 0; i < HANDOFFS / 2; i++) {
          const v = await toB;
          toB = new Future<number>();
          toA.setResult(v);
        }
      });
      await a;
      await b;
    }, { handleSigint: false });
  },
});
