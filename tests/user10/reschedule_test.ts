import assert from "node:assert/strict";
import { pyLog, section, without } from "./_harness.ts";
import { main } from "./_tl.ts";
import { program } from "./reschedule.ts";

const trio = await pyLog("reschedule.py");
const aio = await main(program);

Deno.test("reschedule: every scenario but R5 is trio's", () => {
  assert.deepEqual(without(aio, ["R5"]), without(trio, ["R5"]));
});

// Documented difference, deno doc task/mod.ts, Timeout.reschedule:
// "@throws {Error} If the scope is not running (not entered yet, expired or
// finished)." trio lets `scope.deadline` be set after the scope fired (it
// has no effect: the scope stays cancelled).
Deno.test("reschedule R5: moving a fired deadline throws (documented)", () => {
  assert.ok(section(trio, "R5").includes("1000 R5 moved"));
  assert.ok(section(aio, "R5").includes("1000 R5 moving raised Error"));
  const rest = (log: string[]) =>
    section(log, "R5").filter((l) => !/moved|moving/.test(l));
  assert.deepEqual(rest(aio), rest(trio));
});
