/**
 * `await using proc` whose disposal is cancelled (the task cancelled a
 * second time while `Process[Symbol.asyncDispose]` waits for the child)
 * leaves a rejection unhandled, which ends a Deno program:
 * - no pipes: the disposer's `done.then(() => waiter.setResult())` runs
 *   after the waiter was cancelled and throws InvalidStateError;
 * - stdin piped: `stdin.waitClosed()` inside the disposer's Promise.all is a
 *   wait of the task, the second cancel() rejects it, and Promise.all's
 *   rejection has no handler.
 * Expected: the task ends with CancelledError, nothing is reported
 * (attack round 26; the disposer now waits for all of it settled, and
 * completes its wait only if that wait is still pending).
 */
import assert from "node:assert/strict";
import { createTask, run, sleep } from "../../task/mod.ts";
import { createSubprocessExec, type Process } from "../../io/mod.ts";

for (const stdin of ["null", "piped"] as const) {
  Deno.test(`cancelling a task twice while it disposes a process (stdin ${stdin})`, async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (e: PromiseRejectionEvent) => {
      unhandled.push(e.reason);
      e.preventDefault();
    };
    globalThis.addEventListener("unhandledrejection", onUnhandled);
    try {
      const outcome = await run(async () => {
        const started = Promise.withResolvers<Process>();
        const t = createTask(async () => {
          await using proc = await createSubprocessExec("sleep", ["5"], {
            stdin,
            stdout: "null",
            stderr: "null",
          });
          started.resolve(proc);
          await sleep(1e9);
        });
        const proc = await started.promise;
        await sleep(0); // the body sleeps
        t.cancel(); // the body's sleep throws; disposal starts
        await sleep(0);
        t.cancel(); // reaches the disposal's wait
        const outcome = await t.then(() => "ok", (e) => (e as Error).name);
        assert.equal(await proc.wait(), -9);
        return outcome;
      }, { handleSigint: false });
      // CancelledError, or JS's SuppressedError of the disposer's and the
      // body's CancelledErrors.
      assert.ok(
        ["CancelledError", "SuppressedError"].includes(outcome),
        outcome,
      );
      assert.deepEqual(unhandled.map((e) => (e as Error)?.name ?? e), []);
    } finally {
      globalThis.removeEventListener("unhandledrejection", onUnhandled);
    }
  });
}
