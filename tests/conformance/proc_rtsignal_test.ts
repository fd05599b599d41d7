/**
 * A documented Deno limit: a child that a real-time signal (SIGRTMIN..
 * SIGRTMAX, 34-64 on Linux) killed leaves its Deno child-process resource
 * open, so Deno's resource sanitizer reports it (and a long-running
 * program keeps one resource per such child). These tests check the
 * returncode with the resource sanitizer off, for that reason only.
 *
 * CPython (`SubprocessMixin.test_send_signal`, and
 * `base_subprocess._process_exited` via `waitstatus_to_exitcode`): the
 * returncode is `-N` for any signal N and nothing is left open.
 *
 * aio: the returncode is right (`Process` doc: "the exit code, or `-N`
 * when signal `N` killed the child (every signal, by its number on the
 * running system ...)"; aio reads N out of Deno's `TypeError: Invalid
 * signal: N`), but the child resource stays in Deno's table: Deno 2.9
 * rejects `child.status` for a signal it cannot name and never closes the
 * resource (a raw `Deno.Command` child shows the same leak). The
 * `Process` doc says so; disposal (`await using`) cannot release it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { createSubprocessExec } from "@aio/asyncio/io";
import { prun, PY } from "./_proc_util.ts";

for (const n of [34, 35, 64]) {
  Deno.test({
    name:
      `killed by real-time signal ${n}: returncode -${n} (Deno keeps the resource: documented)`,
    sanitizeResources: false,
  }, async () => {
    const returncode = await prun(async () => {
      await using proc = await createSubprocessExec(PY, [
        "-c",
        `import os, signal\nsignal.signal(${n}, signal.SIG_DFL)\n` +
        `os.kill(os.getpid(), ${n})`,
      ]);
      return await proc.wait();
    });
    assert.equal(returncode, -n);
  });
}
