import assert from "node:assert/strict";
import { getRunningLoop } from "../loop/mod.ts";
import { CancelledError, createTask, sleep } from "./mod.ts";
import { vrun } from "./_test_util.ts";

Deno.test("sleep() waits on the loop's virtual clock", async () => {
  const times = await vrun(async () => {
    const loop = getRunningLoop();
    const times: number[] = [];
    await sleep(250);
    times.push(loop.time());
    await sleep(0);
    times.push(loop.time());
    await sleep(-5);
    times.push(loop.time());
    return times;
  });
  assert.deepEqual(times, [250, 250, 250]);
});

Deno.test("sleep() with a pre-aborted signal rejects at once with the reason", async () => {
  await vrun(async () => {
    const reason = new Error("already");
    await assert.rejects(
      sleep(10, { signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
    assert.equal(getRunningLoop().time(), 0);
  });
});

Deno.test("sleep() ends early with the signal's reason when aborted, and its timer goes away", async () => {
  await vrun(async () => {
    const loop = getRunningLoop();
    const controller = new AbortController();
    loop.callLater(30, () => controller.abort("enough"));
    await assert.rejects(
      sleep(10_000, { signal: controller.signal }),
      (e) => e === "enough",
    );
    assert.equal(loop.time(), 30);
    // Nothing else is scheduled: if the sleep's timer stayed, the clock would jump to it.
    await sleep(0);
    assert.equal(loop.time(), 30);
  });
});

Deno.test("Cancelling a sleeping task removes its timer", async () => {
  await vrun(async () => {
    const loop = getRunningLoop();
    const t = createTask(() => sleep(3_600_000));
    await sleep(5);
    t.cancel();
    await assert.rejects(t, CancelledError);
    await sleep(1);
    assert.equal(loop.time(), 6);
  });
});

Deno.test("sleep() rejects a delay that is not a number and needs a running loop", async () => {
  await vrun(async () => {
    // deno-lint-ignore no-explicit-any
    assert.throws(() => sleep("1" as any), TypeError);
    assert.throws(() => sleep(NaN), /ms must be a number/);
  });
  assert.throws(() => sleep(1), /no running event loop/);
});

Deno.test("sleep() aborted by a task's signal rejects with that CancelledError", async () => {
  await vrun(async () => {
    const other = createTask(() => sleep(1000));
    await sleep(1);
    const waiting = sleep(60_000, { signal: other.signal });
    other.cancel("stop");
    await assert.rejects(waiting, (e) => e === other.signal.reason);
    await assert.rejects(other, CancelledError);
    // Pre-aborted by a task signal: rejects the same way.
    await assert.rejects(
      sleep(5, { signal: other.signal }),
      (e) => e === other.signal.reason,
    );
  });
});
