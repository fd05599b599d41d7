/**
 * CPython `Lib/test/test_asyncio/test_streams.py`, class `StreamTests`: the
 * writer's flow control (`test_multiple_drain`, on `FlowControlMixin`),
 * ported to aio's `StreamWriter` over a sink that stays busy for 100 ms of
 * the virtual clock (CPython: `pause_writing()`, then `resume_writing()`
 * 0.1 s later).
 *
 * @module
 */

import assert from "node:assert/strict";
import { StreamWriter } from "@aio/asyncio/io";
import { getRunningLoop } from "@aio/asyncio/loop";
import { gather } from "@aio/asyncio/task";
import { vrun } from "./_util.ts";
import { b } from "./_streams_util.ts";

Deno.test("StreamTests.test_multiple_drain: ten drain() calls waiting at once all return on resume", async () => {
  await vrun(async () => {
    const loop = getRunningLoop();
    const w = new StreamWriter({
      write: () => new Promise<void>((res) => void loop.callLater(100, res)),
      close: () => {},
    }, { highWaterMark: 1, lowWaterMark: 0 });
    w.write(b("xx")); // above the high mark: "paused"
    let drained = 0;
    const drainer = async () => {
      await w.drain();
      drained += 1;
    };
    const start = loop.time();
    await gather(...Array.from({ length: 10 }, () => drainer));
    assert.equal(drained, 10);
    assert.equal(loop.time() - start, 100);
    w.close();
    await w.waitClosed();
  });
});
