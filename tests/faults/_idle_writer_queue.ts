/**
 * The child of `idle_writer_keeps_queue_capacity_test.ts`: `deno run
 * --v8-flags=--expose-gc _idle_writer_queue.ts` makes 20 writers over a
 * sink that consumes chunks, writes 100,000 short strings on each, waits
 * until each sent everything, and prints `{ bytes }`: the JS heap plus
 * external memory per idle writer, after full GCs, over what it was before.
 *
 * @module
 */

import { StreamWriter } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";

const gc = (globalThis as { gc?: () => void }).gc!;
function usage(): number {
  gc();
  gc();
  const m = Deno.memoryUsage();
  return m.heapUsed + m.external;
}

const bytes = await run(async () => {
  const burst = async (): Promise<StreamWriter> => {
    const w = new StreamWriter({
      consumesChunks: true,
      write: () => Promise.resolve(),
      close: () => {},
    });
    for (let i = 0; i < 100_000; i++) w.write("x\n");
    await w.drain();
    while (w.bufferSize > 0) await new Promise((r) => setTimeout(r, 1));
    return w;
  };
  // Writers share bounded pools of staging buffers: warm them first, so
  // that what is measured is what each writer keeps.
  const warm = await burst();
  warm.close();
  await warm.waitClosed();
  const writers: StreamWriter[] = [];
  const before = usage();
  for (let c = 0; c < 20; c++) writers.push(await burst());
  const after = usage();
  for (const w of writers) w.close();
  return Math.round((after - before) / writers.length);
});
console.log(JSON.stringify({ bytes }));
