/**
 * The Worker pool's cost per job: 1,000 small jobs through the pool against
 * the same work inline. The difference divided by 1,000 is the overhead of
 * one job (structured clone both ways, a message to the Worker and back,
 * and for `runInExecutor` a loop future and a tick). Workers are started
 * and warmed before the measured part (`b.start()`), so their start-up (tens
 * of milliseconds each) is not counted.
 *
 * Run: `deno bench --allow-read loop/executor_bench.ts`
 *
 * @module
 */

import { EventLoop } from "../loop/mod.ts";
import { Task } from "../task/mod.ts";
import {
  runInExecutor,
  setDefaultExecutor,
  shutdownDefaultExecutor,
  WorkerPool,
} from "./mod.ts";
import { add, bytes } from "./testdata/jobs.ts";

const JOBS = import.meta.resolve("./testdata/jobs.ts");
const N = 1_000;
const SIZE = Math.min(4, navigator.hardwareConcurrency);
const KIB = new Uint8Array(1024).map((_, i) => i);

async function warm(pool: WorkerPool): Promise<void> {
  await Promise.all(
    Array.from({ length: pool.size }, () => pool.submit(JOBS, "add", [1, 1])),
  );
}

Deno.bench({
  name: "inline add(i, 1)",
  group: "1,000 jobs: add",
  baseline: true,
  async fn() {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += await Promise.resolve(add(i, 1));
    if (sum !== N * (N + 1) / 2) throw new Error("wrong sum");
  },
});

Deno.bench({
  name: `WorkerPool.submit, all at once (${SIZE} Workers)`,
  group: "1,000 jobs: add",
  async fn(b) {
    await using pool = new WorkerPool({ size: SIZE });
    await warm(pool);
    b.start();
    const results = await Promise.all(
      Array.from(
        { length: N },
        (_, i) => pool.submit<number>(JOBS, "add", [i, 1]),
      ),
    );
    b.end();
    if (results.length !== N) throw new Error("lost jobs");
  },
});

Deno.bench({
  name: "WorkerPool.submit, one after another (1 Worker)",
  group: "1,000 jobs: add",
  async fn(b) {
    await using pool = new WorkerPool({ size: 1 });
    await warm(pool);
    b.start();
    for (let i = 0; i < N; i++) await pool.submit(JOBS, "add", [i, 1]);
    b.end();
  },
});

Deno.bench({
  name: `runInExecutor, all at once (${SIZE} Workers)`,
  group: "1,000 jobs: add",
  async fn(b) {
    const loop = new EventLoop();
    setDefaultExecutor(new WorkerPool({ size: SIZE }), loop);
    await loop.runUntilComplete(
      new Task(async () => {
        await Promise.all(
          Array.from(
            { length: SIZE },
            () => runInExecutor(JOBS, "add", 1, 1),
          ),
        );
        b.start();
        await Promise.all(
          Array.from(
            { length: N },
            (_, i) => runInExecutor(JOBS, "add", i, 1),
          ),
        );
        b.end();
      }, { loop }),
    );
    await shutdownDefaultExecutor(loop);
    loop.close();
  },
});

Deno.bench({
  name: "inline sum of 1 KiB",
  group: "1,000 jobs: 1 KiB argument",
  baseline: true,
  async fn() {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += await Promise.resolve(bytes(KIB));
    if (sum === 0) throw new Error("no work");
  },
});

Deno.bench({
  name: `WorkerPool.submit, all at once (${SIZE} Workers)`,
  group: "1,000 jobs: 1 KiB argument",
  async fn(b) {
    await using pool = new WorkerPool({ size: SIZE });
    await warm(pool);
    b.start();
    await Promise.all(
      Array.from(
        { length: N },
        () => pool.submit<number>(JOBS, "bytes", [KIB]),
      ),
    );
    b.end();
  },
});
