/**
 * Calls a Worker job posted with `RemoteLoop.callSoonThreadsafe()` before
 * it returned could run after `await runInExecutor(...)` resumed: the
 * job's answer travels on the pool's own channel, which the main thread
 * may read first. A caller that then closed its `LoopChannel` (`using`, as
 * the docs show) lost the rest (user port 16: of 200 progress calls, 1 to
 * 130 had run when the result arrived). In asyncio the executor's result
 * and `call_soon_threadsafe()` share the loop's one queue.
 */

import assert from "node:assert/strict";
import { getRunningLoop } from "../../loop/mod.ts";
import { LoopChannel, RemoteLoop, runInExecutor } from "../../executor/mod.ts";
import { afterCalls } from "../../executor/loop_channel.ts";
import { run } from "../../task/mod.ts";

const JOBS = import.meta.resolve("../../executor/testdata/jobs.ts");

Deno.test("every call a job posted before it returned has run when its result arrives", async () => {
  const seen = await run(async () => {
    const counts: number[] = [];
    for (let round = 0; round < 5; round++) {
      let steps = 0;
      using channel = new LoopChannel(getRunningLoop(), {
        step: () => steps++,
      });
      const n = await runInExecutor<number>(
        JOBS,
        "progress",
        channel.port,
        200,
      );
      assert.equal(n, 200);
      counts.push(steps);
    }
    return counts;
  });
  assert.deepEqual(seen, [200, 200, 200, 200, 200]);
});

Deno.test("and when the job fails after posting them", async () => {
  const seen = await run(async () => {
    let steps = 0;
    using channel = new LoopChannel(getRunningLoop(), {
      step: () => steps++,
    });
    await assert.rejects(
      runInExecutor(JOBS, "progressThenFail", channel.port, 200),
      RangeError,
    );
    return steps;
  });
  assert.equal(seen, 200);
});

Deno.test("an answer held back for calls goes once they arrive, or once the channel closes", async () => {
  await run(async () => {
    const loop = getRunningLoop();
    const a = new LoopChannel(loop, { step: () => {} });
    using b = new LoopChannel(loop, { step: () => {} });
    const released: string[] = [];
    afterCalls([a.port, b.port], [2, 1], () => released.push("answer"));
    assert.equal(released.length, 0);
    using toB = new RemoteLoop(b.port);
    toB.callSoonThreadsafe("step");
    // Each arrives as a host message: wait for b's, within bounds.
    for (let i = 0; i < 100 && released.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 0));
    }
    assert.equal(released.length, 0, "a has not received its 2 calls");
    a.close(); // nothing more arrives on a
    a.port.close();
    assert.deepEqual(released, ["answer"]);
    // Nothing to wait for: at once.
    afterCalls([b.port], undefined, () => released.push("none"));
    afterCalls([b.port], [1], () => released.push("received"));
    assert.deepEqual(released, ["answer", "none", "received"]);
  });
});
