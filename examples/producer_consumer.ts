/**
 * Producers and consumers on a bounded `Queue`: three producers put 10 jobs
 * each into a queue of 4 slots (they wait while it is full), two consumers
 * take jobs and mark each one with `taskDone()`. The main task waits on
 * `join()` until every job is processed, then `shutdown()` ends the
 * consumers' `for await` loops, and a summary is printed.
 *
 * Run: `deno run examples/producer_consumer.ts`
 *
 * @module
 */

import { createTask, run, sleep } from "../mod.ts";
import { Queue } from "../sync/mod.ts";

interface Job {
  producer: string;
  n: number;
}

const PRODUCERS = ["p1", "p2", "p3"];
const JOBS_EACH = 10;

const summary = await run(async () => {
  const queue = new Queue<Job>(4);
  let peakSize = 0;
  let producerWaits = 0;

  const producers = PRODUCERS.map((name, i) =>
    createTask(async () => {
      for (let n = 1; n <= JOBS_EACH; n++) {
        if (queue.full()) producerWaits++;
        await queue.put({ producer: name, n });
        peakSize = Math.max(peakSize, queue.qsize());
        await sleep(i + 1);
      }
    }, { name: name })
  );

  const consumers = ["c1", "c2"].map((name, i) =>
    createTask(async () => {
      const done: Job[] = [];
      for await (const job of queue) {
        await sleep(2 + i); // work on the job
        done.push(job);
        queue.taskDone();
      }
      return done;
    }, { name })
  );

  for (const p of producers) await p;
  await queue.join(); // every job put has been processed
  queue.shutdown(); // consumers' loops end
  const results = [];
  for (const c of consumers) results.push(await c);
  return { results, peakSize, producerWaits, maxsize: queue.maxsize };
});

const all = summary.results.flat();
const perProducer = PRODUCERS.map((p) =>
  all.filter((job) => job.producer === p).length
);
const unique = new Set(all.map((job) => `${job.producer}#${job.n}`));
console.log(`produced: ${PRODUCERS.length * JOBS_EACH} jobs`);
console.log(`consumed: ${all.length} jobs (${unique.size} distinct)`);
console.log(`per producer: ${perProducer.join(", ")}`);
console.log(
  `per consumer: ${summary.results.map((r) => r.length).join(", ")}`,
);
console.log(
  `queue never above maxsize: ${summary.peakSize <= summary.maxsize}`,
);
console.log(`producers found the queue full ${summary.producerWaits} times`);
console.log("queue shut down cleanly");
