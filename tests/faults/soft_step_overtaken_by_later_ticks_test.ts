/**
 * A task with another library wait pending (it attached `.catch()` to a
 * child task, or left a `Promise.race` loser behind) has its every later
 * step overtaken by the next ticks once the step takes more than a few
 * native awaits.
 *
 * `Task[waitEnded]` starts a *soft* step whenever the task still has a
 * pending wait (`#waits > 0`), and the loop waits for soft steps only 16
 * microtask hops (`SOFT_HOPS` in `loop/event_loop.ts`), on the guess that
 * the task is parked in `Promise.all`. But `child.catch(() => {})` (the
 * usual way to mark a promise handled) registers a wait in the parent for
 * the child's whole life, and a race loser stays pending for good: while it
 * does, every step of the task is soft, even though the task's code runs.
 * A step of ten small async helper calls (about 30 hops) is then
 * overtaken: the next ticks' callbacks and other tasks' steps run in the
 * middle of it. Measured below: `B0, A0 start, B1, B2, B3, B4, A0 end`
 * (`.catch()`) and `B0, B1, A0 start, B2, B3, A0 end` (race loser); c64951d
 * (one microtask more per tick) fails both too, by fewer ticks. In
 * scratch runs the cut-off was 13 hops on main, 14 on c64951d.
 *
 * Expected (README, "How it differs from asyncio": "A task resumed in tick
 * N runs to its next wait before tick N+1 starts, as in asyncio"; CPython
 * prints `A0 start, A0 end, B0, A1 start, ...` for the same program): no
 * other task's step between a step's start and end.
 */

import assert from "node:assert/strict";
import type { Future } from "../../loop/mod.ts";
import { createTask, getRunningLoop, run, sleep } from "../../mod.ts";

async function parse(x: number): Promise<number> {
  await null;
  return x + 1;
}

/** Ten nested async calls: about 30 microtask hops, no library wait. */
async function work(x: number): Promise<number> {
  let y = x;
  for (let i = 0; i < 10; i++) y = await parse(y);
  return y;
}

async function interleaving(
  leaveWait: (never: Future<unknown>) => Promise<void> | void,
): Promise<string[]> {
  const log: string[] = [];
  await run(async () => {
    const never = getRunningLoop().createFuture<unknown>();
    const a = createTask(async () => {
      await leaveWait(never);
      for (let k = 0; k < 3; k++) {
        await sleep(0);
        log.push(`A${k} start`);
        await work(k);
        log.push(`A${k} end`);
      }
    });
    const b = createTask(async () => {
      for (let k = 0; k < 5; k++) {
        await sleep(0);
        log.push(`B${k}`);
      }
    });
    await a;
    await b;
    never.cancel();
  });
  return log;
}

function assertAtomic(log: string[]): void {
  for (let k = 0; k < 3; k++) {
    const start = log.indexOf(`A${k} start`);
    assert.equal(
      log[start + 1],
      `A${k} end`,
      `another step ran inside A${k}'s step: ${log.join(", ")}`,
    );
  }
}

Deno.test("a task that attached .catch() to a pending child keeps its steps whole", async () => {
  assertAtomic(
    await interleaving((never) => {
      const child = createTask(() => never);
      child.catch(() => {});
    }),
  );
});

Deno.test("a task that left a Promise.race loser pending keeps its steps whole", async () => {
  assertAtomic(
    await interleaving(async (never) => {
      await Promise.race([sleep(0), never]);
    }),
  );
});

Deno.test("control: without another pending wait the steps are whole", async () => {
  assertAtomic(await interleaving(() => {}));
});
