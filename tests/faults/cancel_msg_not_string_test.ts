/**
 * Attack round 25: `cancel(msg)` with a message that cannot become a string
 * (a symbol, an object whose toString() throws) throws half-way, leaving
 * the future/task in a state nothing can get out of.
 *
 * What I did (VirtualClock):
 * 1. a Future awaited by a task and with a done callback;
 *    `future.cancel(Symbol("m"))`.
 * 2. a task sleeping; `task.cancel(Symbol("m"))`.
 *
 * What happened (measured, every run):
 * 1. cancel() throws "TypeError: Cannot convert a Symbol value to a string"
 *    AFTER the future was marked cancelled (`done()` and `cancelled()` are
 *    true, setResult() says "already done (cancelled)"), but its done
 *    callbacks are never scheduled and the awaiting task never wakes:
 *    10 ms later it is still pending, and run() never ends (its shutdown
 *    waits for that task; the child process `_cancel_msg_future.ts` is
 *    killed after 10 s; in probes `waitFor(thatTask, 100)` never returned).
 * 2. cancel() throws the same TypeError; the task is not cancelled (it
 *    finishes its sleep) but `cancelling()` is 1: a request was counted that
 *    was never delivered.
 *
 * Cause: loop/future.ts Future[complete]/[settleNow] set `#state` before
 * `#cancelledWith(value)` (loop/cancel_scope.ts:144 `new
 * CancelledError(msg)` converts msg with ToString), so the throw comes
 * after the state moved and before `callSoonJob(runCallbacks)`; task/task.ts
 * :321 `requests.count++` runs before the message is used.
 *
 * Expected: asyncio's `cancel(msg)` takes any object as the message. At the
 * least, a refused message must leave nothing changed (the 4985775 standard:
 * a bad value gives the library's own error and never corrupts state); a
 * future that reports itself cancelled must wake what awaits it.
 *
 * Fixed: `CancelledError` names a message that is not a string with
 * `describeValue()` (a symbol reads `Symbol(m)`), so nothing in a cancel()
 * can throw on it; asyncio takes any object as the message too.
 */

import assert from "node:assert/strict";
import { createTask, run, sleep } from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";

const badMessages: [string, unknown][] = [
  ["a symbol", Symbol("m")],
  ["an object whose toString() throws", {
    toString(): string {
      throw new Error("toString boom");
    },
  }],
];

for (const [label, msg] of badMessages) {
  Deno.test(`future.cancel(${label}): its awaiter and callbacks are woken, and run() ends`, async () => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        new URL("_cancel_msg_future.ts", import.meta.url).pathname,
        typeof msg === "symbol" ? "symbol" : "hostile",
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const out = await child.output();
    clearTimeout(timer);
    const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
    const state = JSON.parse(lines[0] || "{}");
    // Either the message is refused before anything moves (then the clean
    // cancel wakes everyone), or it is taken: both wake the awaiter.
    assert.equal(state.waiterDone, true, JSON.stringify(state));
    assert.equal(state.callbackRan, true, JSON.stringify(state));
    assert.equal(lines.at(-1), JSON.stringify({ runEnded: true }));
  });

  Deno.test(`task.cancel(${label}): delivered, or refused without counting a request`, async () => {
    const got = await run(async () => {
      const t = createTask(async () => {
        try {
          await sleep(100);
          return "slept";
        } catch (e) {
          return (e as Error).name;
        }
      });
      await sleep(1);
      let threw = false;
      try {
        t.cancel(msg as string);
      } catch {
        threw = true;
      }
      const cancelling = t.cancelling();
      const result = await t;
      return { threw, cancelling, result };
    }, { clock: new VirtualClock(), handleSigint: false });
    if (got.threw) {
      assert.deepEqual(got, { threw: true, cancelling: 0, result: "slept" });
    } else {
      assert.equal(got.result, "CancelledError");
    }
  });
}
