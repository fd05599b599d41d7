// User port 10 found that a timeout() deadline reached a taskGroup's children
// too late: the group cancelled them only once its exit's wait had thrown
// (microtasks later), so a child whose sleep was due at the deadline's
// instant woke normally in the same tick, failed, and the block ended with
// an AggregateError instead of the deadline (trio: the scope catches it; so
// does asyncio, whose cancel of a woken child raises at its resumed await).
// Fixed: the wait for the children cancels them as it is cancelled, in the
// deadline's own callback (task/task_group.ts, ChildrenDone).
import assert from "node:assert/strict";
import { canon, pyLog, section } from "./_harness.ts";
import { main } from "./_tl.ts";
import { program } from "./nursery.ts";

Deno.test("nursery N7: the deadline wins over a child due at the same instant", async () => {
  const trio = canon(await pyLog("nursery.py"));
  const aio = canon(await main(program));
  assert.deepEqual(section(trio, "N7"), [
    "== N7 a child fails at the instant the enclosing deadline fires",
    "1000 scope caught=true",
  ]);
  assert.deepEqual(section(aio, "N7"), section(trio, "N7"));
});
