/**
 * `Process.communicate()` again after a deadline cut the first one short.
 *
 * `communicate()` reads stdout and stderr in two inner tasks. When a
 * `timeout()` or `waitFor()` deadline ends it, its `finally` cancels them
 * but does not wait for them to finish, so their reads are still
 * registered with the readers when the caller, having caught the
 * `TimeoutError`, calls `communicate()` again at once: its reads throw
 * "another task is already waiting for data on this StreamReader", and the
 * inner task it does not await is reported as "Task exception was never
 * retrieved". (A `task.cancel()` followed by `await task` lets the old
 * reads unwind first, and the retry works.)
 *
 * Expected: the retry gets everything the child wrote, as this module
 * promises ("a cancelled read loses nothing"); CPython 3.13's
 * `wait_for(proc.communicate(), t)` followed by `proc.communicate()` does
 * not raise either (its cancelled reads unwind, in FIFO order, before the
 * new ones start).
 */

import assert from "node:assert/strict";
import { createSubprocessExec } from "../../io/mod.ts";
import { getRunningLoop, VirtualClock } from "../../loop/mod.ts";
import { run, timeout, TimeoutError, waitFor } from "../../task/mod.ts";

const dec = new TextDecoder();

for (const how of ["timeout", "waitFor"] as const) {
  Deno.test(
    `communicate() right after a ${how}() deadline cut one short gets all the output`,
    { ignore: Deno.build.os === "windows" },
    async () => {
      const dir = await Deno.makeTempDir();
      const fifo = `${dir}/go`;
      try {
        assert.ok(
          (await new Deno.Command("mkfifo", { args: [fifo] }).output())
            .success,
        );
        const got = await run(async () => {
          const reports: string[] = [];
          getRunningLoop().setExceptionHandler((_loop, context) => {
            reports.push(context.message);
          });
          // The child writes nothing until the test opens the FIFO, so the
          // first communicate() is waiting in its reads when the deadline
          // (virtual time) passes.
          const p = await createSubprocessExec("sh", [
            "-c",
            'read x < "$1"; echo out; echo err >&2',
            "sh",
            fifo,
          ], { stdin: "piped", stdout: "piped", stderr: "piped" });
          await assert.rejects(
            how === "timeout"
              ? timeout(50, () => p.communicate())
              : waitFor(p.communicate(), 50),
            TimeoutError,
          );
          const retry = p.communicate();
          const go = await Deno.open(fifo, { write: true });
          await go.write(new TextEncoder().encode("go\n"));
          go.close();
          let outcome: string[];
          try {
            const [out, err] = await retry;
            outcome = [dec.decode(out!), dec.decode(err!)];
          } catch (error) {
            outcome = [String(error)];
          }
          await p.wait();
          return { outcome, reports };
        }, { clock: new VirtualClock(), handleSigint: false });
        assert.deepEqual(got.outcome, ["out\n", "err\n"]);
        assert.deepEqual(got.reports, []);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
}
