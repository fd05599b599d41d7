/**
 * Attack round 25 (wrong error, late; main's result lost): the default
 * executor is taken without a look, and the mistake surfaces as run()'s
 * error in place of main's result.
 *
 * What I did: inside run(), `setDefaultExecutor({})` (or any non-pool: a
 * config object, a pool's options passed by mistake), main then returns
 * "main done". Also `runInExecutor(url, "ok")` after it.
 *
 * What happened (measured): setDefaultExecutor() accepts it; runInExecutor()
 * fails with "TypeError: pool.submit is not a function"; once set it cannot
 * be replaced ("one is already in use; call shutdownDefaultExecutor()
 * first"), and shutdownDefaultExecutor() fails with "TypeError:
 * pool?.shutdown is not a function" — which run() throws at its end
 * (task/run.ts:135), so `await run(...)` rejects with it and main's "main
 * done" is lost.
 *
 * Cause: executor/default_executor.ts:167 setDefaultExecutor() checks the
 * loop, not `executor`; task/run.ts:135 lets the shutdown's error escape,
 * though closeLoop() beside it says a failure while closing "must not
 * replace main's result or error".
 *
 * Expected: the library's own TypeError at the call, naming the value
 * (4985775's standard for arguments), and run() keeps main's result.
 *
 * Fixed: setDefaultExecutor() refuses anything without `submit()` and
 * `shutdown()` methods with a TypeError naming it.
 */

import assert from "node:assert/strict";
import { run } from "../../task/mod.ts";
import { setDefaultExecutor } from "../../executor/mod.ts";

Deno.test("setDefaultExecutor({}) is refused at the call, and run() keeps main's result", async () => {
  const got = await run(async () => {
    try {
      setDefaultExecutor({} as never);
      return "accepted";
    } catch (e) {
      return e instanceof TypeError ? "refused" : `other ${e}`;
    }
  }, { handleSigint: false }).catch((e) => `run threw ${e}`);
  assert.equal(got, "refused");
});
