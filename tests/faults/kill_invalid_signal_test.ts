/**
 * `Process.kill()` with a signal the host does not know.
 *
 * `kill()` wrapped `Deno.ChildProcess#kill()` in a `try {} catch {}` meant
 * for a child that "exited meanwhile", but that catch also swallowed the
 * `TypeError: Invalid signal: SIGFOO` Deno throws for a bad signal name (a
 * typo, `"sigterm"`, a value from another platform's list). The call
 * returned as if the signal was sent; the child ran on, and a caller that
 * then awaited `wait()` hung with no clue why. CPython's
 * `proc.send_signal()` raises `ValueError` for an invalid signal; Deno's
 * own `kill()` throws `TypeError`.
 *
 * Expected: `kill()` with an invalid signal throws (a `TypeError`), while a
 * child that already exited still makes it a no-op.
 *
 * Fixed: the catch swallows only Deno's errors for a child that is gone
 * (`TypeError: Child process has already terminated`, and `NotFound` for
 * a child reaped just before the signal); Deno's refusal of the signal
 * becomes `TypeError: Cannot call kill(): SIGFOO is not a signal Deno
 * knows on linux`, with Deno's error as its `cause`.
 */

import assert from "node:assert/strict";
import { createSubprocessExec } from "../../io/mod.ts";
import { run, waitFor } from "../../task/mod.ts";

for (const bad of ["SIGFOO", "sigterm", "TERM"]) {
  Deno.test(
    `Process.kill(${JSON.stringify(bad)}) throws rather than doing nothing`,
    { ignore: Deno.build.os === "windows" },
    async () => {
      await run(async () => {
        await using proc = await createSubprocessExec("sleep", ["5"]);
        let threw: unknown = null;
        try {
          proc.kill(bad as Deno.Signal);
        } catch (error) {
          threw = error;
        }
        const after = await waitFor(proc.wait(), 200).then(
          (code) => `the child exited (${code})`,
          () => "the child still runs",
        );
        assert.ok(
          threw instanceof TypeError,
          `kill(${JSON.stringify(bad)}) returned quietly; ${after}`,
        );
      });
    },
  );
}
