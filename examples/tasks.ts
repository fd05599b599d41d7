/**
 * Tasks on an explicit loop: run one to completion with
 * `runUntilComplete`, then cancel another and watch its `finally` run.
 *
 * The first task sleeps two real seconds on the loop (a timer, not a
 * blocking call).
 *
 * Run: `deno run examples/tasks.ts`
 *
 * @module
 */

import { CancelledError, EventLoop, sleep, Task } from "../mod.ts";

async function slowOperation(): Promise<string> {
  await sleep(2000);
  return "task finished";
}

async function worker(): Promise<void> {
  try {
    console.log("worker: started, about to sleep for an hour");
    await sleep(3_600_000);
    console.log("worker: woke up (not expected)");
  } catch (e) {
    if (e instanceof CancelledError) {
      console.log(`worker: cancelled (${e.message})`);
    }
    throw e;
  } finally {
    console.log("worker: finally ran");
  }
}

const loop = new EventLoop();
try {
  const task = new Task(slowOperation, { loop });
  const result = await loop.runUntilComplete(task);
  console.log(`The task's result was: ${result}`);

  const job = new Task(worker, { loop, name: "worker" });
  loop.callLater(100, () => job.cancel("no longer needed"));
  try {
    await loop.runUntilComplete(job);
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    console.log(`main: the worker task was cancelled: ${job.cancelled()}`);
  }
} finally {
  loop.close();
}
