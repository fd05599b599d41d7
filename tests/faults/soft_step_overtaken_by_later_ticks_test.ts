/**
 * A task with another library wait pending (it attached `.catch()` to a
 * child task, or left a `Promise.race` loser behind) keeps each of its
 * steps whole: no other task's step, no later tick, runs between the
 * step's start and its next wait (attack round 6).
 *
 * Found: `Task[waitEnded]` starts a *soft* step whenever the task still has
 * a pending wait, and the loop waited for soft steps only 16 microtask hops,
 * so a step of ten small async helper calls (about 30 hops) was overtaken:
 * `B0, A0 start, B1, B2, B3, B4, A0 end`. Worse for `.catch()`: the call
 * itself ended the step (a `then()` from a task is taken as parking), so
 * the code ran on outside any step. Now soft steps get 64 hops, and
 * `catch()`/`finally()` turn the step soft instead of ending it.
 *
 * README, "How it differs from asyncio": "A task resumed in tick N runs to
 * its next wait before tick N+1 starts, as in asyncio"; CPython prints
 * `A0 start, A0 end, B0, A1 start, ...` for the same program.
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
