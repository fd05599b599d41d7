import assert from "node:assert/strict";
import { pyLog } from "./_harness.ts";
import { main } from "./_tl.ts";
import { program } from "./nested.ts";

Deno.test("nested move_on_after/fail_after: aio's log is trio's", async () => {
  const trio = await pyLog("nested.py");
  const aio = await main(program);
  assert.deepEqual(aio, trio);
});
