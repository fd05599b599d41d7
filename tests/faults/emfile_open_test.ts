/**
 * Out of descriptors, `openFile()` and `openConnection()` fail with a
 * catchable EMFILE, as `Deno.open()` does, instead of killing Deno.
 *
 * Deno 2.9 panics (the whole process dies: "Deno has panicked ... stacker
 * ... assertion `left == right` failed, left: 24", 24 being EMFILE) when it
 * formats a stack, mapping its frames through source maps, while the
 * process has no descriptor left: its stack probe reads `/proc/self/maps`
 * (measurements in `_emfile_open.ts`). `Future.toString()` showed a failed
 * future's error with its stack, and a failing future describes itself at
 * once, so the EMFILE of `openFile()` was formatted before its caller could
 * catch it: 8/20 children panicked, against 0/20 since `toString()` shows
 * `name: message` (asyncio's `exception=OSError(...)`). The caller, which
 * then held the error, could still die formatting its stack (a single
 * frame inside Deno): 0/30 children each for `openFile()` and
 * `openConnection()` run alone, but both panicked in the full suite. So a
 * host error for want of descriptors reaches the caller with its stack
 * replaced by `name: message` (`withoutStack()` in io/_wait.ts, as the
 * server's accept loop did), and the child logs it.
 *
 * Each case runs the child five times: one lucky run must not hide it.
 */

import assert from "node:assert/strict";
import { underFdLimit } from "./_util.ts";

const script = new URL("./_emfile_open.ts", import.meta.url).pathname;

function underLimitOnce(mode: string) {
  return underFdLimit(
    `--allow-read=${script} --allow-net=127.0.0.1`,
    script,
    [mode, script],
  );
}

/** Five runs of the child: the first that goes wrong, else the last. */
async function underLimit(mode: string, expected: (string | RegExp)[]) {
  for (let run = 0; run < 5; run++) {
    const got = await underLimitOnce(mode);
    const ok = got.code === 0 && !got.panicked &&
      got.lines.length === expected.length &&
      expected.every((want, i) =>
        typeof want === "string"
          ? got.lines[i] === want
          : want.test(got.lines[i]!)
      );
    if (!ok) return got;
  }
  return undefined;
}

Deno.test(
  "out of descriptors, Deno.open() throws a catchable EMFILE (the baseline)",
  { ignore: Deno.build.os !== "linux" },
  async () => {
    assert.equal(await underLimit("raw", ["raw: EMFILE", "done"]), undefined);
  },
);

for (const mode of ["openFile", "openConnection"]) {
  Deno.test(
    `out of descriptors, ${mode}() fails with a catchable EMFILE, whose stack can be logged, instead of panicking Deno`,
    { ignore: Deno.build.os !== "linux" },
    async () => {
      assert.equal(
        await underLimit(mode, [
          `${mode}: EMFILE`,
          /^\w+: Too many open files \(os error 24\)/,
          "done",
        ]),
        undefined,
      );
    },
  );
}
