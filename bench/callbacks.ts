/**
 * `callbacks`: schedule `n` callbacks at once, run them all, in FIFO order.
 *
 * - `aio`: `loop.callSoon(cb, i)` `n` times inside `run()`.
 * - `raw`: the floor, a plain array queue drained in one pass.
 * - `floor`: the contract's floor (`_floor.ts`): one cancellable handle per
 *   call in an array queue, as `callSoon()` must return one.
 *
 * Run: `deno run bench/callbacks.ts aio n=1000000`
 *
 * @module
 */

import { getRunningLoop, run } from "@aio/asyncio";
import { FloorHandle } from "./_floor.ts";
import { check, main, param, unknownImpl } from "./_util.ts";

async function measure(
  impl: string,
  params: Record<string, number>,
): Promise<Record<string, number>> {
  const n = param(params, "n");
  let count = 0;
  const cb = (i: number): void => {
    if (i !== count) check(false, `callback ${i} ran in place ${count}`);
    count++;
  };

  let ms: number;
  if (impl === "aio") {
    ms = await run(async () => {
      const loop = getRunningLoop();
      const done = loop.createFuture<void>();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) loop.callSoon(cb, i);
      loop.callSoon(() => done.setResult());
      await done;
      return performance.now() - t0;
    }, { handleSigint: false });
  } else if (impl === "raw") {
    const t0 = performance.now();
    const queue: ((i: number) => void)[] = [];
    const args: number[] = [];
    for (let i = 0; i < n; i++) {
      queue.push(cb);
      args.push(i);
    }
    for (let i = 0; i < queue.length; i++) queue[i]!(args[i]!);
    ms = performance.now() - t0;
  } else if (impl === "floor") {
    const t0 = performance.now();
    const queue: FloorHandle[] = [];
    for (let i = 0; i < n; i++) queue.push(new FloorHandle(cb, i));
    for (let i = 0; i < queue.length; i++) {
      const handle = queue[i]!;
      if (handle.callback !== null) handle.callback(handle.arg);
    }
    ms = performance.now() - t0;
  } else {
    unknownImpl(impl);
  }
  check(count === n, `${count} of ${n} callbacks ran`);
  return { ms, n };
}

await main(measure, ["n"]);
