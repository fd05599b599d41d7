/**
 * User port 13: on a `VirtualClock`, an idle loop picked the next timer,
 * gave the host a turn, then jumped to that timer's deadline even when code
 * that ran in the host turn had set an earlier one. Time skipped past that
 * timer: a `sleep(1)` ended 990 ms late, and the `timeout(500)` around it
 * neither fired at its deadline nor threw (its block ended "expired" with
 * its value). The code that runs in the host turn here is a task whose step
 * the loop stopped following: after a nested timeout whose inner block
 * awaited a native promise on `scope.signal` (as `fetch` does).
 *
 * @module
 */
import assert from "node:assert/strict";
import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import { run, sleep, timeout } from "@aio/asyncio/task";

/** Stands for `fetch(url, { signal })` to a server that never answers. */
function nativeWait(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener("abort", () => reject(signal.reason));
  });
}

Deno.test("VirtualClock: a timer set in the host turn before a jump is not skipped (nested timeouts)", async () => {
  const log = await run(async () => {
    const loop = getRunningLoop();
    const log: string[] = [];
    await timeout(10, () => timeout(1_000, (s) => nativeWait(s.signal)))
      .catch((e) => log.push(`${(e as Error).name} at ${loop.time()}`));
    const outcome = await timeout(500, async () => {
      await sleep(1);
      return `slept until ${loop.time()}`;
    }).catch((e) => `${(e as Error).name} at ${loop.time()}`);
    log.push(outcome);
    return log;
  }, { clock: new VirtualClock() });
  assert.deepEqual(log, ["TimeoutError at 10", "slept until 11"]);
});
