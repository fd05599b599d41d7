import assert from "node:assert/strict";
import { pyLog, section, without } from "./_harness.ts";
import { main } from "./_tl.ts";
import { program } from "./finally_swallow.ts";

const trio = await pyLog("finally_swallow.py");
const aio = await main(program);
const DIFF = ["F3", "W2", "W3"];

Deno.test("finally/swallow: F1 F2 W1 W4 W5 are trio's", () => {
  assert.deepEqual(without(aio, DIFF), without(trio, DIFF));
});

// Documented difference, README.md:90: "A cancellation is delivered once, as
// in asyncio: code that catches it (or lets `Promise.allSettled` absorb it)
// and goes on at once is not cancelled again". trio re-raises Cancelled at
// every checkpoint inside a cancelled scope; aio delivers it once, so a
// finally's await (F3), an await after a swallowed cancellation (W2), and
// the outer block after an inner scope swallowed the outer's cancellation
// (W3) all run to their end, and the block ends late with no TimeoutError.
Deno.test("finally/swallow F3 W2 W3: cancellation is delivered once (documented)", () => {
  assert.deepEqual(section(trio, "F3"), [
    "== F3 finally after the deadline awaits again",
    "1000 F3 finally start",
    "1000 F3 finally raised Cancelled",
    "1000 F3 caught=true",
  ]);
  assert.deepEqual(section(aio, "F3"), [
    "== F3 finally after the deadline awaits again",
    "1000 F3 finally start",
    "1500 F3 finally done",
    "1500 F3 caught=true",
  ]);
  assert.deepEqual(section(trio, "W2"), [
    "== W2 swallow, then await again in the same scope",
    "1000 W2 swallowed",
    "1000 W2 second sleep raised Cancelled",
    "1000 W2 caught=true called=true",
  ]);
  assert.deepEqual(section(aio, "W2"), [
    "== W2 swallow, then await again in the same scope",
    "1000 W2 swallowed",
    "2000 W2 second sleep done",
    "2000 W2 caught=false called=true",
  ]);
  assert.deepEqual(section(trio, "W3"), [
    "== W3 inner scope swallows the outer deadline's cancellation",
    "1000 W3 swallowed in inner",
    "1000 W3 inner caught=false called=false",
    "1000 W3 outer body sleep raised Cancelled",
    "1000 W3 outer caught=true called=true",
  ]);
  assert.deepEqual(section(aio, "W3"), [
    "== W3 inner scope swallows the outer deadline's cancellation",
    "1000 W3 swallowed in inner",
    "1000 W3 inner caught=false called=false",
    "2000 W3 outer body sleep done",
    "2000 W3 outer caught=false called=true",
  ]);
});
