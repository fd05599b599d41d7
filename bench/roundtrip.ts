/**
 * `roundtrip`: `n` round trips A→B→A: task A sends `i` to task B through one
 * queue of capacity 1 and waits for B to send it back through another
 * before it sends `i + 1`. Every message is checked at both ends. The
 * figure is messages per second (two per round trip).
 *
 * Unlike `pingpong.ts`, nobody runs ahead: each message waits for the
 * answer to the last, so every hop is a wakeup of the other side.
 *
 * - `aio`: two `new Queue(1)`, `put()` and `get()`, in two tasks.
 * - `raw`: the floor, two minimal promise channels of capacity 1
 *   (`Channel` in `_fifo.ts`) between two async functions.
 *
 * Run: `deno run bench/roundtrip.ts aio n=100000`
 *
 * @module
 */

import { createTask, run } from "@aio/asyncio";
import { Queue } from "@aio/asyncio/sync";
import { Channel } from "./_fifo.ts";
import { check, main, param, unknownImpl } from "./_util.ts";

/** What both implementations' channels offer. */
interface Pipe {
  put(item: number): Promise<void>;
  get(): Promise<number>;
}

async function measure(
  impl: string,
  params: Record<string, number>,
): Promise<Record<string, number>> {
  const n = param(params, "n");
  let echoed = 0;
  let answered = 0;
  // The same two bodies for both columns: only the channels differ.
  const a = async (there: Pipe, back: Pipe): Promise<void> => {
    for (let i = 0; i < n; i++) {
      await there.put(i);
      const v = await back.get();
      if (v !== i) check(false, `A got ${v} back, expected ${i}`);
      answered++;
    }
  };
  const b = async (there: Pipe, back: Pipe): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const v = await there.get();
      if (v !== i) check(false, `B got ${v}, expected ${i}`);
      echoed++;
      await back.put(v);
    }
  };
  let ms: number;
  if (impl === "aio") {
    ms = await run(async () => {
      const t0 = performance.now();
      const there = new Queue<number>(1);
      const back = new Queue<number>(1);
      const taskA = createTask(() => a(there, back));
      const taskB = createTask(() => b(there, back));
      await taskA;
      await taskB;
      return performance.now() - t0;
    }, { handleSigint: false });
  } else if (impl === "raw") {
    const t0 = performance.now();
    const there = new Channel<number>(1);
    const back = new Channel<number>(1);
    await Promise.all([a(there, back), b(there, back)]);
    ms = performance.now() - t0;
  } else {
    unknownImpl(impl);
  }
  check(echoed === n, `B echoed ${echoed} of ${n} messages`);
  check(answered === n, `A got ${answered} of ${n} answers`);
  return { ms, n: 2 * n };
}

await main(measure, ["n"]);
