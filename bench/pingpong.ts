/**
 * `pingpong`: `n` messages from a producer task to a consumer task through a
 * queue of capacity 1, each checked in order.
 *
 * - `aio`: `new Queue(1)`, `put()` and `get()`.
 * - `raw`: the floor, a minimal promise channel of capacity 1 between two
 *   async functions (`Channel` in `_fifo.ts`: plain methods returning a
 *   shared resolved promise when they need not wait, ring-buffer FIFOs).
 *
 * A one-way stream: the producer runs ahead as far as the queue lets it.
 * `roundtrip.ts` waits for each answer.
 *
 * Run: `deno run bench/pingpong.ts aio n=200000`
 *
 * @module
 */

import { createTask, run } from "@aio/asyncio";
import { Queue } from "@aio/asyncio/sync";
import { Channel } from "./_fifo.ts";
import { check, main, param, unknownImpl } from "./_util.ts";

async function measure(
  impl: string,
  params: Record<string, number>,
): Promise<Record<string, number>> {
  const n = param(params, "n");
  let received = 0;
  let ms: number;
  if (impl === "aio") {
    ms = await run(async () => {
      const t0 = performance.now();
      const queue = new Queue<number>(1);
      const producer = createTask(async () => {
        for (let i = 0; i < n; i++) await queue.put(i);
      });
      const consumer = createTask(async () => {
        for (let i = 0; i < n; i++) {
          const v = await queue.get();
          if (v !== i) check(false, `got ${v}, expected ${i}`);
          received++;
        }
      });
      await producer;
      await consumer;
      return performance.now() - t0;
    }, { handleSigint: false });
  } else if (impl === "raw") {
    const t0 = performance.now();
    const channel = new Channel<number>(1);
    const producer = (async () => {
      for (let i = 0; i < n; i++) await channel.put(i);
    })();
    const consumer = (async () => {
      for (let i = 0; i < n; i++) {
        const v = await channel.get();
        if (v !== i) check(false, `got ${v}, expected ${i}`);
        received++;
      }
    })();
    await Promise.all([producer, consumer]);
    ms = performance.now() - t0;
  } else {
    unknownImpl(impl);
  }
  check(received === n, `${received} of ${n} messages arrived`);
  return { ms, n };
}

await main(measure, ["n"]);
