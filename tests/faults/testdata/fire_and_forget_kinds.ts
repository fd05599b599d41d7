/**
 * Fault fixture: `n` fire-and-forget tasks that fail in the way `kind`
 * says, nobody awaiting them. Prints how many "never retrieved" reports
 * came while the loop ran (`early`) and in all (`reports`), and the live
 * heap growth (after full GCs) once every task has failed (`growth`; the
 * highest seen meanwhile is `peak`, which follows V8's heap sizing more
 * than what is live). Run with
 * `--v8-flags=--expose-gc`:
 *
 * ```sh
 * deno run --v8-flags=--expose-gc fire_and_forget_kinds.ts <kind> <n>
 * ```
 *
 * Kinds: `timeout` (a `TimeoutError` of `timeout()`), `waitFor` (one of
 * `waitFor()`), `taskGroup` (the `AggregateError` of a `TaskGroup` whose
 * child failed), `plain` (an `Error` thrown by the task's own code).
 *
 * @module
 */

import { getRunningLoop } from "../../../loop/mod.ts";
import {
  createTask,
  run,
  sleep,
  TaskGroup,
  timeout,
  waitFor,
} from "../../../task/mod.ts";

const gc = (globalThis as { gc?: () => void }).gc!;
const kind = Deno.args[0] ?? "plain";
const n = Number(Deno.args[1] ?? 20_000);
const batch = 1_000;

const bodies: Record<string, () => Promise<void>> = {
  plain: async () => {
    throw new Error("fire and forget");
  },
  timeout: async () => {
    await timeout(0, () => sleep(10));
  },
  waitFor: async () => {
    await waitFor(sleep(10), 0);
  },
  taskGroup: async () => {
    await using tg = new TaskGroup();
    tg.createTask(async () => {
      throw new Error("child");
    });
  },
};
const body = bodies[kind]!;

/** Live heap after a full GC and a host turn (finalizers run then). */
async function liveHeap(): Promise<number> {
  gc();
  await new Promise((r) => setTimeout(r, 0));
  gc();
  await new Promise((r) => setTimeout(r, 0));
  return Deno.memoryUsage().heapUsed;
}

let reports = 0;
let early = 0;
let other = 0;
let running = true;
let peak = 0;
let final = 0;
const before = await liveHeap();
await run(async () => {
  getRunningLoop().setExceptionHandler((_loop, context) => {
    if (/exception was never retrieved/.test(context.message)) {
      reports++;
      if (running) early++;
    } else {
      other++;
    }
  });
  for (let i = 0; i < n; i += batch) {
    for (let j = 0; j < batch; j++) createTask(body);
    // Let every task of the batch fail (the sleeps inside last 10 ms).
    await sleep(20);
    if ((i / batch) % 5 === 4) peak = Math.max(peak, await liveHeap());
  }
  final = await liveHeap();
  peak = Math.max(peak, final);
  running = false;
}, { handleSigint: false });
console.log(
  JSON.stringify({
    kind,
    n,
    reports,
    early,
    other,
    growth: final - before,
    peak: peak - before,
  }),
);
