import assert from "node:assert/strict";
import { canon, pyLog, section, without } from "./_harness.ts";
import { main } from "./_tl.ts";
import { program } from "./nursery.ts";

const trio = canon(await pyLog("nursery.py"));
const aio = canon(await main(program));

Deno.test("nursery: N2 N4 N5 N6 are trio's, instant by instant", () => {
  assert.deepEqual(
    without(aio, ["N1", "N3", "N7"]),
    without(trio, ["N1", "N3", "N7"]),
  );
});

// Documented difference, README.md:90: "A cancellation is delivered once, as
// in asyncio: code that catches it (or lets `Promise.allSettled` absorb it)
// and goes on at once is not cancelled again". trio's cancel scopes are
// level-triggered: an unshielded await in the `finally` of a cancelled child
// raises Cancelled at once; in aio it runs (no shield needed for cleanup).
Deno.test("nursery N1: unshielded cleanup awaits run in aio (documented)", () => {
  assert.deepEqual(section(trio, "N1"), [
    "== N1 unshielded cleanup; one child fails",
    "1000 body raised Cancelled",
    "1000 f raising Boom",
    "1000 nursery raised Group[Boom]",
    "1000 s1 cancelled",
    "1000 s1 cleanup start",
    "1000 s1 cleanup raised Cancelled",
    "1000 s2 cancelled",
    "1000 s2 cleanup start",
    "1000 s2 cleanup raised Cancelled",
  ]);
  assert.deepEqual(section(aio, "N1"), [
    "== N1 unshielded cleanup; one child fails",
    "1000 body raised Cancelled",
    "1000 f raising Boom",
    "1000 s1 cancelled",
    "1000 s1 cleanup start",
    "1000 s2 cancelled",
    "1000 s2 cleanup start",
    "1500 nursery raised Group[Boom]",
    "1500 s1 cleanup done",
    "1500 s2 cleanup done",
  ]);
});

// Documented difference, README.md:231: "A cancellation is delivered at the
// task's waits on library futures. A task that returns before a pending
// cancellation reaches such a wait ends with its value". Both failers wake at
// 1000; trio cancels the second (its sleep is a cancel scope whose wakeup
// becomes Cancelled once the nursery is cancelled), aio lets it run to its
// throw. Plus the N1 difference for the sibling's cleanup.
Deno.test("nursery N3: a woken sibling still fails (documented)", () => {
  assert.deepEqual(section(trio, "N3"), [
    "== N3 two children fail at the same time",
    "1000 f raising Boom",
    "1000 nursery raised Group[Boom]",
    "1000 s cancelled",
    "1000 s cleanup start",
    "1000 s cleanup raised Cancelled",
  ]);
  assert.deepEqual(section(aio, "N3"), [
    "== N3 two children fail at the same time",
    "1000 f raising Boom",
    "1000 f raising Boom",
    "1000 s cancelled",
    "1000 s cleanup start",
    "1500 nursery raised Group[Boom,Boom]",
    "1500 s cleanup done",
  ]);
});
