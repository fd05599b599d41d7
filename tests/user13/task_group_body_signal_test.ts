/**
 * User port 13: when the body of `taskGroup()` throws, the group cancels
 * its children but did not abort `tg.signal`, which its doc says aborts
 * "when the group is cancelled" (it did for a failing child). A child (or a
 * branch the body left running) waiting on native work tied to `tg.signal`,
 * such as `fetch(url, { signal: tg.signal })`, was never stopped, and the
 * group waited for it: here until an enclosing deadline, with a real
 * `fetch` to a server that never answers, forever.
 *
 * @module
 */
import assert from "node:assert/strict";
import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import { run, sleep, taskGroup, timeout } from "@aio/asyncio/task";

/** Stands for `fetch(url, { signal })` to a server that never answers. */
function nativeWait(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason));
  });
}

Deno.test("taskGroup(): a failing body aborts tg.signal, so native work tied to it stops", async () => {
  const out = await run(async () => {
    let signal: AbortSignal | undefined;
    const error = await timeout(1_000, () =>
      taskGroup(async (tg) => {
        signal = tg.signal;
        tg.createTask(() => nativeWait(tg.signal));
        await sleep(10);
        throw new RangeError("body failed");
      })).catch((e) => e);
    return { error, aborted: signal?.aborted, at: getRunningLoop().time() };
  }, { clock: new VirtualClock() });
  assert.ok(out.error instanceof AggregateError, String(out.error));
  assert.equal(out.error.errors.length, 1);
  assert.ok(out.error.errors[0] instanceof RangeError);
  assert.equal(out.aborted, true);
  assert.equal(out.at, 10);
});

Deno.test("taskGroup(): a failing body stops a branch it left running on tg.signal", async () => {
  const out = await run(async () => {
    let branch = "pending";
    // Stands for a Promise.all branch of the body that is still fetching.
    const error = await taskGroup(async (tg) => {
      nativeWait(tg.signal).catch((e) => branch = (e as Error).name);
      await sleep(10);
      throw new RangeError("body failed");
    }).catch((e) => e);
    await sleep(0);
    return { error, branch };
  }, { clock: new VirtualClock() });
  assert.ok(out.error instanceof AggregateError, String(out.error));
  assert.equal(out.branch, "CancelledError");
});

Deno.test("taskGroup(): a body that returns leaves tg.signal alone", async () => {
  const aborted = await run(async () => {
    let signal: AbortSignal | undefined;
    await taskGroup(async (tg) => {
      signal = tg.signal;
      tg.createTask(() => sleep(5));
      await sleep(1);
    });
    return signal?.aborted;
  }, { clock: new VirtualClock() });
  assert.equal(aborted, false);
});
