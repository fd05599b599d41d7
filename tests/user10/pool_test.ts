import assert from "node:assert/strict";
import { canon, pyLog } from "./_harness.ts";
import { main } from "./_tl.ts";
import { program } from "./pool.ts";

// Memory channel vs Queue: each task's events and every instant match; only
// the order of different tasks within one instant differs (trio's send() is
// a checkpoint, asyncio's put() with room is not), which canon() leaves out.
Deno.test("worker pool: aio's log is trio's, instant by instant", async () => {
  const trio = canon(await pyLog("pool.py"));
  const aio = canon(await main(program));
  assert.deepEqual(aio, trio);
});
