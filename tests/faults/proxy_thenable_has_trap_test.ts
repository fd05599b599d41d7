/**
 * Third review of attack round 25's fixes (the marks of eb6fbe0).
 *
 * What I did: passed a thenable that `await` accepts, a Proxy whose `has`
 * trap throws (a membrane / revocable-access wrapper that only allows
 * property reads), to gather(), waitFor() and shield().
 *
 * What happened: toFuture() now asks `settledWith in aw`
 * (task/awaitable.ts:51) before anything else, so the `has` trap runs and
 * all three throw the trap's `Error: has trap`. Before eb6fbe0 toFuture()
 * only read `.then` (isThenable) and waited for it: gather gave [1].
 *
 * Expected: anything `await` accepts (a thenable: only `.then` is read) is
 * accepted by the combinators, which "wait for any other promise-like
 * value" (task/awaitable.ts module doc). The private tag check should not
 * consult the object's traps (e.g. a module WeakMap of settled promises).
 *
 * Fixed: the lookup is a `WeakMap.has()` on native promises only, which
 * runs no trap.
 */
import assert from "node:assert/strict";
import { VirtualClock } from "../../loop/mod.ts";
import { gather, run, shield, waitFor } from "../../task/mod.ts";

Deno.test("combinators accept a thenable Proxy whose has trap throws", async () => {
  const out = await run(async () => {
    const target = {
      then(r: (v: number) => void) {
        r(1);
      },
    };
    const px = new Proxy(target, {
      has() {
        throw new Error("has trap");
      },
    }) as PromiseLike<number>;
    const results: string[] = [];
    for (
      const f of [() => gather(px), () => waitFor(px, 10), () => shield(px)]
    ) {
      try {
        results.push(JSON.stringify(await f()));
      } catch (e) {
        results.push(`threw ${e}`);
      }
    }
    return results;
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.deepEqual(out, ["[1]", "1", "1"]);
});
