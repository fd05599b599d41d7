import assert from "node:assert/strict";
import { pyLog, section, without } from "./_harness.ts";
import { main } from "./_tl.ts";
import { program } from "./shield.ts";

const trio = await pyLog("shield.py");
const aio = await main(program);

Deno.test("shield: S1 S2 S4 S5 S6 are trio's (README recipe for S2/S4)", () => {
  assert.deepEqual(without(aio, ["S3"]), without(trio, ["S3"]));
});

// Documented difference, README.md:179: "`shield(aw)` protects `aw`, not the
// caller: the caller's `await` still ends with `CancelledError`." With a
// single `await shield(() => cleanup())` the outer deadline ends the block at
// 2000 while the cleanup finishes alone at 3000; trio's shielded scope holds
// the block until the cleanup is done.
Deno.test("shield S3: one await of shield() lets the caller go (documented)", () => {
  assert.deepEqual(section(trio, "S3 "), [
    "== S3 outer deadline fires during the shielded cleanup",
    "1000 S3 cleanup start",
    "3000 S3 cleanup done",
    "3000 S3 inner caught=false outer caught=true",
    "8000 S3 end",
  ]);
  assert.deepEqual(section(aio, "S3 "), [
    "== S3 outer deadline fires during the shielded cleanup",
    "1000 S3 cleanup start",
    "2000 S3 inner caught=false outer caught=true",
    "3000 S3 cleanup done",
    "7000 S3 end",
  ]);
});

// Documented (shield()'s doc, "Pass the work, not its promise"; README
// Pitfalls): `shield(cleanup())` gets a promise of code already running in
// the caller's scope, so the outer deadline cancels the cleanup's own wait
// and it never finishes; trio's shielded scope (and asyncio's shield of a
// coroutine, run as a task) let it finish. S3 shows the function form.
Deno.test("shield S3b: shield(cleanup()) of a promise does not shield its waits (documented)", () => {
  assert.deepEqual(section(trio, "S3b"), [
    "== S3b outer deadline fires during the shielded cleanup",
    "1000 S3b cleanup start",
    "3000 S3b cleanup done",
    "3000 S3b inner caught=false outer caught=true",
    "8000 S3b end",
  ]);
  assert.deepEqual(section(aio, "S3b"), [
    "== S3b outer deadline fires during the shielded cleanup",
    "1000 S3b cleanup start",
    "2000 S3b inner caught=false outer caught=true",
    "7000 S3b end",
  ]);
});
