/**
 * Fault fixture: `n` fire-and-forget tasks that throw, nobody awaiting them.
 * Prints the number of "never retrieved" reports and the live heap growth
 * (after full GCs) seen while they ran. Run with `--v8-flags=--expose-gc`.
 *
 * @module
 */

import { getRunningLoop } from "../../../loop/mod.ts";
import { createTask, run, sleep } from "../../../task/mod.ts";

const gc = (globalThis as { gc?: () => void }).gc!;
const n = Number(Deno.args[0] ?? 200_000);
const batch = 1_000;

/** Live heap after a full GC and a host turn (finalizers run then). */
async function liveHeap(): Promise<number> {
  gc();
  await new Promise((r) => setTimeout(r, 0));
  gc();
  return Deno.memoryUsage().heapUsed;
}

let reports = 0;
let other = 0;
let peak = 0;
const before = await liveHeap();
await run(async () => {
  getRunningLoop().setExceptionHandler((_loop, context) => {
    if (/exception was never retrieved/.test(context.message)) reports++;
    else other++;
  });
  for (let i = 0; i < n; i += batch) {
    for (let j = 0; j < batch; j++) {
      createTask(async () => {
        throw new Error(`fire and forget ${i + j}`);
      });
    }
    await sleep(0);
    await sleep(0);
    if ((i / batch) % 20 === 19) peak = Math.max(peak, await liveHeap());
  }
  peak = Math.max(peak, await liveHeap());
}, { handleSigint: false });
console.log(JSON.stringify({ n, reports, other, growth: peak - before }));
