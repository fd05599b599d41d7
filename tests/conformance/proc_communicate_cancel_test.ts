/**
 * A documented difference: a `communicate(input)` cancelled while it
 * feeds stdin closes the child's stdin.
 *
 * CPython (`Lib/asyncio/subprocess.py`, `Process._feed_stdin`: `write()`,
 * `await drain()`, then `close()`, no `finally`): a cancellation during
 * `drain()` leaves stdin open; the bytes already written keep going to the
 * child, `proc.stdin.is_closing()` is `False`, and the caller may keep
 * writing (checked with CPython 3.11: `is_closing()` False, `write()` ok).
 * The cancellation cases of `test_subprocess.py`
 * (`test_cancel_process_wait`, `test_cancel_make_subprocess_transport_exec`)
 * rely on a cancelled operation leaving the process as it was.
 *
 * aio: the feeding task closes stdin in a `finally`, so after the
 * cancellation `proc.stdin.isClosing()` is `true`, the child gets EOF and
 * no more input can be sent. `Process.communicate`'s doc says the tasks
 * are cancelled, the output stays in the readers and "The child keeps
 * running. stdin is closed all the same: the child sees EOF after the
 * bytes already sent".
 *
 * @module
 */

import assert from "node:assert/strict";
import { createSubprocessExec } from "@aio/asyncio/io";
import { CancelledError, createTask, sleep } from "@aio/asyncio/task";
import { caught, PIPE_MAX_SIZE, prun, PY } from "./_proc_util.ts";

Deno.test("communicate(input) cancelled during drain() closes stdin (documented; asyncio leaves it open)", async () => {
  const marker = await Deno.makeTempFile();
  await Deno.remove(marker);
  try {
    const [error, closing] = await prun(async () => {
      // The child reads one byte, says so through the marker file, then
      // reads nothing more: the big input cannot drain.
      await using proc = await createSubprocessExec(PY, [
        "-c",
        "import sys, time\nsys.stdin.buffer.read(1)\n" +
        `open(${JSON.stringify(marker)}, 'w').close()\ntime.sleep(3600)`,
      ], { stdin: "piped" });
      const feeding = createTask(() =>
        proc.communicate(new Uint8Array(PIPE_MAX_SIZE))
      );
      for (let i = 0; i < 10_000; i++) {
        try {
          await Deno.stat(marker);
          break;
        } catch {
          await sleep(1);
        }
      }
      feeding.cancel();
      const error = await caught(() => feeding);
      return [error, proc.stdin!.isClosing()] as const;
    });
    assert.ok(error instanceof CancelledError, `${error}`);
    // asyncio: False. aio: true (documented).
    assert.equal(closing, true);
  } finally {
    await Deno.remove(marker).catch(() => {});
  }
});
