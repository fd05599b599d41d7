/**
 * A native promise whose `then` is shadowed by a non-function own property
 * is not a thenable (isThenable() is false), so settled() calls
 * Promise.resolve(item), which returns the item itself (IsPromise and
 * constructor === Promise): the user's promise gets the private mark. The
 * second time the same item goes through a fast path, `new SettledValue()`
 * throws "Cannot initialize #value twice on the same object" after the item
 * was taken: the Queue loses it (was: a WeakMap set, which just overwrote).
 */
import assert from "node:assert/strict";
import { VirtualClock } from "../../loop/mod.ts";
import { Queue } from "../../sync/mod.ts";
import { run } from "../../task/mod.ts";
import { isSettled } from "../../loop/settled.ts";

function odd(): Promise<number> {
  const p = Promise.resolve(7);
  Object.defineProperty(p, "then", { value: undefined });
  return p;
}

Deno.test("the same non-thenable promise item put twice: both get()s return it", async () => {
  const out = await run(async () => {
    const q = new Queue<unknown>();
    const p = odd();
    q.putNowait(p);
    q.putNowait(p);
    const got: string[] = [];
    for (let i = 0; i < 2; i++) {
      try {
        got.push(`value ${await q.get()}`);
      } catch (e) {
        got.push(`threw ${(e as Error).message}`);
      }
    }
    return { got, qsize: q.qsize() };
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.deepEqual(out, { got: ["value 7", "value 7"], qsize: 0 });
});

Deno.test("a user's promise is never marked", async () => {
  const p = odd();
  await run(async () => {
    const q = new Queue<unknown>();
    q.putNowait(p);
    await q.get();
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.equal(isSettled(p), false);
});
