// aio port of pipeline.py: bounded Queue, taskDone/join, worker cancellation.
import { VirtualClock } from "@aio/asyncio/loop";
import {
  CancelledError,
  createTask,
  gather,
  run,
  sleep,
} from "@aio/asyncio/task";
import { Queue } from "@aio/asyncio/sync";
import { log, py, typeName } from "./_log.ts";

async function worker(
  name: string,
  queue: Queue<number>,
  results: [string, number][],
): Promise<never> {
  try {
    while (true) {
      const item = await queue.get();
      log(`${name} got ${item}`);
      try {
        await sleep((item % 3 + 1) * 1000);
        results.push([name, item * item]);
        log(`${name} done ${item}`);
      } finally {
        queue.taskDone();
      }
    }
  } catch (e) {
    if (e instanceof CancelledError) {
      log(`${name} cancelled, cleaning up`);
      await sleep(1000);
      log(`${name} cleanup finished`);
    }
    throw e;
  }
}

async function producer(queue: Queue<number>, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await queue.put(i);
    log(`put ${i} qsize=${queue.qsize()} full=${py(queue.full())}`);
  }
  log("producer finished");
}

async function main(): Promise<void> {
  const queue = new Queue<number>(2);
  const results: [string, number][] = [];
  const workers = [0, 1, 2].map((i) =>
    createTask(() => worker(`w${i}`, queue, results), { name: `w${i}` })
  );
  await producer(queue, 8);
  await queue.join();
  log(`joined, empty=${py(queue.empty())}`);
  for (const w of workers) w.cancel();
  const outcomes = await gather(workers, { returnExceptions: true });
  log("workers: " + outcomes.map(typeName).join(" "));
  log(
    "cancelled: " +
      workers.map((w) => py(w.cancelled())).join(" "),
  );
  results.sort((a, b) => a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]);
  log("results: " + results.map(([n, v]) => `${n}:${v}`).join(" "));
  try {
    queue.getNowait();
  } catch (e) {
    log(`get_nowait: ${typeName(e)}`);
  }
  queue.putNowait(1);
  queue.putNowait(2);
  try {
    queue.putNowait(3);
  } catch (e) {
    log(`put_nowait: ${typeName(e)}`);
  }
}

await run(main, { clock: new VirtualClock() });
