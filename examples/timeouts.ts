/**
 * Time limits and structured concurrency, each with its output:
 * `waitFor` cancels a slow job, `timeout` limits a block (and can move its
 * deadline), `shield` keeps a job running past a time limit, and a
 * `TaskGroup` cancels its other children when one fails.
 *
 * Runs in about half a second of real time.
 *
 * Run: `deno run examples/timeouts.ts`
 *
 * @module
 */

import {
  CancelledError,
  createTask,
  getRunningLoop,
  run,
  shield,
  sleep,
  taskGroup,
  timeout,
  TimeoutError,
  waitFor,
} from "../mod.ts";

async function job(name: string, ms: number): Promise<string> {
  try {
    await sleep(ms);
    return `${name} done`;
  } catch (e) {
    if (e instanceof CancelledError) console.log(`  ${name}: cancelled`);
    throw e;
  } finally {
    console.log(`  ${name}: cleaned up`);
  }
}

async function demoWaitFor(): Promise<void> {
  console.log("waitFor: a 10 s job with a 100 ms limit");
  try {
    await waitFor(() => job("slow job", 10_000), 100);
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    console.log("  waitFor threw TimeoutError after the job cleaned up");
  }
  const result = await waitFor(() => job("quick job", 10), 100);
  console.log(`  waitFor returned: ${result}`);
}

async function demoTimeout(): Promise<void> {
  console.log("timeout: a block limited to 100 ms");
  try {
    await timeout(100, async (scope) => {
      await job("block", 10_000);
      console.log(`  not reached ${scope}`);
    });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    console.log("  timeout threw TimeoutError");
  }
  const value = await timeout(50, async (scope) => {
    const loop = getRunningLoop();
    scope.reschedule(loop.time() + 200);
    await sleep(100);
    return `finished in time after reschedule (expired: ${scope.expired()})`;
  });
  console.log(`  ${value}`);
}

async function demoShield(): Promise<void> {
  console.log("shield: a 150 ms save, awaited with a 50 ms limit");
  const save = createTask(() => job("save", 150));
  try {
    await waitFor(shield(save), 50);
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    console.log("  stopped waiting: TimeoutError; the save goes on");
  }
  console.log(`  the save still completed: ${await save}`);
}

async function demoTaskGroup(): Promise<void> {
  console.log("TaskGroup: one child fails after 50 ms");
  try {
    await taskGroup((tg) => {
      tg.createTask(() => job("child A", 1000));
      tg.createTask(() => job("child B", 1000));
      tg.createTask(async () => {
        await sleep(50);
        throw new Error("child C failed");
      });
    });
  } catch (e) {
    if (!(e instanceof AggregateError)) throw e;
    const messages = e.errors.map((x) => (x as Error).message);
    console.log(`  AggregateError: ${messages.join(", ")}`);
  }
}

await run(async () => {
  await demoWaitFor();
  await demoTimeout();
  await demoShield();
  await demoTaskGroup();
});
