/**
 * A `Semaphore` as a rate limiter: 12 simulated downloads start at once,
 * but at most 3 run at the same time. Each download holds a permit with
 * `using _ = await limit.lock()`, so the permit is given back however the
 * download ends. One download fails on purpose, to show the permit comes
 * back anyway. Prints the maximum concurrency observed.
 *
 * Run: `deno run examples/rate_limit.ts`
 *
 * @module
 */

import { createTask, run, sleep } from "../mod.ts";
import { Semaphore } from "../sync/mod.ts";

const LIMIT = 3;
const URLS = Array.from(
  { length: 12 },
  (_, i) => `https://example.invalid/file-${i + 1}`,
);

const report = await run(async () => {
  const limit = new Semaphore(LIMIT);
  let running = 0;
  let peak = 0;
  const order: string[] = [];

  const download = async (url: string, i: number): Promise<number> => {
    using _ = await limit.lock();
    running++;
    peak = Math.max(peak, running);
    order.push(url);
    try {
      await sleep(5 + (i % 4) * 3); // the "network"
      if (i === 7) throw new Error(`${url}: connection reset`);
      return 1000 + i;
    } finally {
      running--;
    }
  };

  const tasks = URLS.map((url, i) => createTask(() => download(url, i)));
  let ok = 0;
  let failed = 0;
  let bytes = 0;
  for (const t of tasks) {
    try {
      bytes += await t;
      ok++;
    } catch {
      failed++;
    }
  }
  return { peak, ok, failed, bytes, free: limit.value, order };
});

console.log(`downloads: ${report.ok} ok, ${report.failed} failed`);
console.log(`bytes: ${report.bytes}`);
console.log(`maximum concurrency observed: ${report.peak} (limit ${LIMIT})`);
console.log(
  `started in FIFO order: ${report.order.join(",") === URLS.join(",")}`,
);
console.log(`permits free at the end: ${report.free}`);
