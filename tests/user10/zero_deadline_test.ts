import assert from "node:assert/strict";
import { pyLog, section, without } from "./_harness.ts";
import { main } from "./_tl.ts";
import { program } from "./zero_deadline.ts";

// Z3 and Z4 differ (below, documented); the rest matches.
Deno.test("past deadlines: Z1 Z2 Z5 are trio's", async () => {
  const trio = await pyLog("zero_deadline.py");
  const aio = await main(program);
  assert.deepEqual(without(aio, ["Z3", "Z4"]), without(trio, ["Z3", "Z4"]));
});

// Documented (timeout()'s doc): a limit of 0 or less expires the scope in
// the next tick, as asyncio.timeout(0) does, so a wait that needs no
// waiting goes through first; trio's scope raises at its first checkpoint.
Deno.test("past deadlines: Z3 Z4, a ready wait goes through timeout(0) (documented)", async () => {
  const trio = await pyLog("zero_deadline.py");
  const aio = await main(program);
  assert.deepEqual(section(trio, "Z3").concat(section(trio, "Z4")), [
    "== Z3 move_on_after(0), body waits on a set Event",
    "0 Z3 caught=true",
    "== Z4 fail_after(0), body receives from a channel holding an item",
    "0 Z4 raised TooSlow",
    "0 Z4 items left=1",
  ]);
  assert.deepEqual(section(aio, "Z3").concat(section(aio, "Z4")), [
    "== Z3 move_on_after(0), body waits on a set Event",
    "0 Z3 after wait",
    "0 Z3 caught=false",
    "== Z4 fail_after(0), body receives from a channel holding an item",
    "0 Z4 got 1",
    "0 Z4 items left=0",
  ]);
});
