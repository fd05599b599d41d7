import assert from "node:assert/strict";
import { Guard } from "./guard.ts";

Deno.test("Guard releases its resource once, by release() or dispose", () => {
  let releases = 0;
  const guard = new Guard({ release: () => releases++ });
  assert.equal(guard.held, true);
  guard.release();
  assert.equal(guard.held, false);
  guard[Symbol.dispose]();
  guard.release();
  assert.equal(releases, 1);
});

Deno.test("Guard releases at the end of a using block", () => {
  const log: string[] = [];
  {
    using _ = new Guard({ release: () => log.push("released") });
    log.push("inside");
  }
  assert.deepEqual(log, ["inside", "released"]);
});
