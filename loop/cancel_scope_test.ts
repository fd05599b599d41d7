import assert from "node:assert/strict";
import { cancelledError, CancelScope, type Wait } from "./cancel_scope.ts";

Deno.test("a request held twice by a scope, merged with another between, is given back once", () => {
  const rootA = new CancelScope(null, null, "");
  const rootB = new CancelScope(null, null, "");
  const shared = new CancelScope(null, null, "timeout(1e9)");
  const fromA = cancelledError(undefined, rootA);
  const fromB = cancelledError(undefined, rootB);
  // No wait in the scope: each is held, and they merge.
  shared.cancel(fromA);
  shared.cancel(fromB);
  // A's again, in a later round (given back to A by a task that ended
  // without meeting it, and sent on again).
  shared.cancel(fromA);
  let cancels = 0;
  const task: Wait = { cancel: () => (cancels++, true), done: () => false };
  rootA.addWait(task);
  // The scope's code ends without meeting them: each goes back, once.
  shared.exit();
  assert.equal(cancels, 1);
});
