/**
 * `tasks`: spawn `n` tasks that each wait once, gather their results.
 *
 * - `aio`: `gather()` over `n` functions, each `await sleep(0)` (one loop
 *   tick) and return its index.
 * - `raw`: `n` async functions under `Promise.all`, each yielding once with
 *   `await` of a shared resolved promise (`await null` would allocate a
 *   promise per task: 1.3-1.9x slower).
 *
 * Run: `deno run bench/tasks.ts aio n=100000`
 *
 * @module
 */

import { gather, run, sleep } from "@aio/asyncio";
import { RESOLVED } from "./_fifo.ts";
import { FloorLoop } from "./_floor.ts";
import { check, main, param, unknownImpl } from "./_util.ts";

async function measure(
  impl: string,
  params: Record<string, number>,
): Promise<Record<string, number>> {
  const n = param(params, "n");
  let ms: number;
  let results: number[];
  if (impl === "aio") {
    [ms, results] = await run(async () => {
      const t0 = performance.now();
      const body = async (i: number): Promise<number> => {
        await sleep(0);
        return i;
      };
      const fns = Array.from({ length: n }, (_, i) => () => body(i));
      const out = await gather(fns);
      return [performance.now() - t0, out] as const;
    }, { handleSigint: false });
  } else if (impl === "raw") {
    const t0 = performance.now();
    const body = async (i: number): Promise<number> => {
      await RESOLVED;
      return i;
    };
    results = await Promise.all(Array.from({ length: n }, (_, i) => body(i)));
    ms = performance.now() - t0;
  } else if (impl === "floor" || impl === "floor-native") {
    const loop = new FloorLoop();
    const native = impl === "floor-native";
    const t0 = performance.now();
    const body = async (i: number): Promise<number> => {
      await (native ? loop.nativeSleep0() : loop.sleep0());
      return i;
    };
    results = await loop.run(
      Promise.all(
        Array.from({ length: n }, (_, i) => loop.spawn(() => body(i))),
      ),
    );
    ms = performance.now() - t0;
  } else {
    unknownImpl(impl);
  }
  check(results.length === n, `${results.length} of ${n} results`);
  check(results.every((v, i) => v === i), "results out of place");
  return { ms, n };
}

await main(measure, ["n"]);
