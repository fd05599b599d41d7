import assert from "node:assert/strict";
import { type Future, getRunningLoop, VirtualClock } from "../loop/mod.ts";
import { createTask, run, sleep } from "../task/mod.ts";
import { Queue } from "../sync/mod.ts";

/**
 * A second cancellation that reaches code whose wait a first one cancelled,
 * before the code resumed, merges with it (as in asyncio). These are the
 * waits that must not count: ones the code no longer awaits (a race's
 * loser, a future of another branch) that something else cancelled.
 */

const vrun = <T>(main: () => Promise<T>): Promise<T> =>
  run(main, { clock: new VirtualClock(), handleSigint: false });

const host = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

Deno.test("a race's loser cancelled by its producer in the tick the task is cancelled: the task's cancel is kept", async () => {
  const log = await vrun(async () => {
    const log: string[] = [];
    const loser = getRunningLoop().createFuture<number>();
    const t = createTask(async () => {
      await Promise.race([loser, sleep(1)]);
      log.push("race done");
      await host(20); // parked on the host, no loop wait
      log.push("host done");
      await sleep(10);
      log.push("ran on");
    });
    await sleep(5);
    loser.cancel(); // the producer gives up on it
    t.cancel();
    await t.catch((e) => log.push(`t ${(e as Error).name}`));
    return log;
  });
  assert.deepEqual(log, ["race done", "host done", "t CancelledError"]);
});

Deno.test("a race's loser the task cancelled itself before parking on the host: a cancel() in that tick is kept", async () => {
  const log = await vrun(async () => {
    const log: string[] = [];
    const q = new Queue<number>();
    const t = createTask(async () => {
      const get = q.get() as Future<number>;
      await Promise.race([get, sleep(1)]);
      get.cancel(); // tidy up the loser
      log.push("race done");
      await host(20);
      log.push("host done");
      await sleep(10);
      log.push("ran on");
    });
    await sleep(1); // the same tick as t's wake-up
    for (let i = 0; i < 10; i++) await null; // after t's step, still in it
    t.cancel();
    await t.catch((e) => log.push(`t ${(e as Error).name}`));
    return log;
  });
  assert.deepEqual(log, ["race done", "host done", "t CancelledError"]);
});

Deno.test("a branch's future cancelled by its producer in the tick the task is cancelled: the other branch's next wait takes the cancel", async () => {
  const log = await vrun(async () => {
    const log: string[] = [];
    const f = getRunningLoop().createFuture<number>();
    const t = createTask(async () => {
      await Promise.all([
        // Branch A handles its future being given up on.
        f.catch(() => log.push("a: f was cancelled")),
        // Branch B is parked on the host, then waits on the loop.
        (async () => {
          await host(20);
          log.push("b: host done");
          await sleep(10);
          log.push("b: ran on");
        })(),
      ]);
    });
    await sleep(5);
    f.cancel();
    t.cancel();
    await t.catch((e) => log.push(`t ${(e as Error).name}`));
    return log;
  });
  assert.deepEqual(log, [
    "a: f was cancelled",
    "b: host done",
    "t CancelledError",
  ]);
});
