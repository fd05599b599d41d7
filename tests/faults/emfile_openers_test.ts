/**
 * Out of descriptors, the other openers fail with an EMFILE whose stack
 * kills Deno when the caller logs it.
 *
 * Attack round 2 (`tests/faults/emfile_open_test.ts`) found that Deno 2.9
 * panics ("Deno has panicked ... assertion `left == right` failed, left:
 * 24") when it formats the stack of an error while no descriptor is free,
 * and made `openFile()` and `openConnection()` (and, through the same
 * `hostOpen()`, `openUnixConnection()`) hand a host error for want of
 * descriptors to the caller with its stack replaced by `name: message`
 * (`withoutStack()` in `io/_wait.ts`), so that a caller that logs it does
 * not die. The other functions that open a descriptor were left out:
 * `createSubprocessExec()` (`new Deno.Command(...).spawn()` inside
 * `runInScope`), `startServer()`, `startUnixServer()` (`Deno.listen()`),
 * and `createDatagramEndpoint()` (`Deno.listenDatagram()`) throw the host's
 * EMFILE with its stack, and reading `error.stack`, as any log of the error
 * does, panics the process. Measured under `ulimit -n 64`: 3/3 panics
 * (exit code 1, "Deno has panicked" on stderr, nothing after the first
 * printed line) for each of the four, and for the `stderr: "stdout"` spawn
 * too; 0/3 for `openUnixConnection()` in the same child; 0/3 for each of the
 * four when the child does not touch the stack.
 *
 * Fixed: these host calls throw synchronously, and `hostCall()` in
 * `io/_wait.ts` strips the stack of a resource error there, as `hostWait()`
 * does for a rejection. Each case runs the child five times (stopping at
 * the first that goes wrong): one lucky run must not hide it.
 *
 * Expected (the round-2 fix's own rule, io/_wait.ts: "a host error for want
 * of descriptors reaches the caller without its stack"; README: a server
 * out of descriptors pauses and goes on; asyncio raises a plain
 * `OSError(EMFILE)` that can be logged): each fails with a catchable
 * EMFILE that the caller can log, and the child prints `done`.
 */
import assert from "node:assert/strict";
import { underFdLimit } from "./_util.ts";

const script = new URL("./_emfile_openers.ts", import.meta.url).pathname;

async function underLimitOnce(mode: string) {
  const sock = `/tmp/aio-faults-emfile-${crypto.randomUUID()}.sock`;
  const got = await underFdLimit(
    `--unstable-net --allow-read --allow-write=${sock} --allow-net ` +
      `--allow-run=true,/bin/sh`,
    script,
    [mode, script, sock],
  );
  await Deno.remove(sock).catch(() => {});
  return got;
}

for (
  const mode of [
    "createSubprocessExec",
    'createSubprocessExec(..., { stderr: "stdout" })',
    "startServer",
    "startUnixServer",
    "createDatagramEndpoint",
  ]
) {
  Deno.test(
    `out of descriptors, ${
      mode.includes("(") ? mode : `${mode}()`
    } fails with an EMFILE that can be logged, instead of panicking Deno`,
    { ignore: Deno.build.os !== "linux" },
    async () => {
      for (let run = 0; run < 5; run++) {
        const got = await underLimitOnce(mode);
        assert.deepEqual(
          { code: got.code, panicked: got.panicked, lines: got.lines.length },
          { code: 0, panicked: false, lines: 3 },
          `run ${run}: ${JSON.stringify(got.lines)}`,
        );
        assert.equal(got.lines[0], `${mode}: EMFILE`);
        assert.match(
          got.lines[1]!,
          /^\w+: .*Too many open files \(os error 24\)$/,
        );
        assert.equal(got.lines[2], "done");
      }
    },
  );
}
