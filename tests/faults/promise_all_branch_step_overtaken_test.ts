/**
 * A task that runs two branches in `Promise.all` keeps each branch's step
 * whole: a branch woken in tick N runs to its next wait before tick N+1
 * starts, as each coroutine of an `asyncio.gather()` does (attack round 7).
 *
 * Found: both branches are woken in the same tick; the first one to reach
 * its next library wait ends the *task's* step (`Task[waitStarted](true)`
 * ends it outright), so the loop starts the next tick while the other
 * branch is still in its step: a branch of ~20 microtask hops beside one
 * of ~5 is overtaken by later ticks, far below the 64 hops a soft step is
 * promised. Same on the tree before 1f1239b (pre-existing, not a
 * regression of the catch()/finally() change).
 *
 * CPython (`gather(br("x", short), br("y", long))`, a callback chain
 * counting ticks) runs every branch step inside one tick.
 */

import assert from "node:assert/strict";
import { createTask, getRunningLoop, run, sleep } from "../../mod.ts";

async function hops(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await null;
}

async function overtaken(short: number, long: number): Promise<string[]> {
  const seen: string[] = [];
  await run(async () => {
    const loop = getRunningLoop();
    let tick = 0;
    let n = 0;
    const count = () => {
      tick++;
      if (++n < 20) loop.callSoon(count);
    };
    loop.callSoon(count);
    const branch = async (id: string, len: number) => {
      for (let k = 0; k < 3; k++) {
        await sleep(0);
        const started = tick;
        await hops(len);
        if (tick !== started) {
          seen.push(`${id}${k}: tick ${started} -> ${tick}`);
        }
      }
    };
    await createTask(() =>
      Promise.all([branch("x", short), branch("y", long)])
    );
  });
  return seen;
}

Deno.test("a Promise.all branch's step is not overtaken when a sibling branch parks first", async () => {
  assert.deepEqual(await overtaken(5, 20), []);
});

Deno.test("control: branches of equal length keep their steps whole", async () => {
  assert.deepEqual(await overtaken(20, 20), []);
});
