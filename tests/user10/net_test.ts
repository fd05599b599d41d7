import assert from "node:assert/strict";
import { pyLog } from "./_harness.ts";
import { main } from "./_tl.ts";
import { program } from "./net.ts";

// Real sockets on 127.0.0.1 and the real clock: every wait that must not
// time out is ended by the peer; each timeout is 200 ms and checked to take
// at least that (and under 5 s).
Deno.test("stream read timeouts on 127.0.0.1: aio's log is trio's", async () => {
  const trio = await pyLog("net.py");
  const aio = await main(program, false);
  assert.deepEqual(aio, trio);
});
