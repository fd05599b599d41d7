/**
 * `stderr: "stdout"` cannot start a program given as a `file:` URL whose
 * path has a space or a non-ASCII letter.
 *
 * `createSubprocessExec(cmd, ...)` takes `cmd: string | URL`. With
 * `stderr: "stdout"`, `spawnMerged()` (`io/create_subprocess_exec.ts`)
 * turns a URL into the program path with `cmd.pathname`, which is still
 * percent-encoded: `file:///tmp/x%20dir/prog%20%C3%BC` becomes the path
 * `/tmp/x%20dir/prog%20%C3%BC`, which the shell does not find. Measured: the
 * call rejects with `NotFound: Failed to spawn
 * '/tmp/aio3%20dir/prog%20%C3%BC': not found`, while the same URL with
 * `stderr: "piped"` runs the program (Deno decodes the URL) and prints
 * `ran x`.
 *
 * Expected (the option is documented as changing where stderr goes, and
 * `cmd`'s type takes a URL, as `Deno.Command` does, which decodes it: the
 * same URL runs without the merge): the program runs, its stdout and
 * stderr merged.
 */
import assert from "node:assert/strict";
import { createSubprocessExec } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";

Deno.test({
  name: 'a file: URL with a space in its path runs with stderr: "stdout"',
  ignore: Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "aio faults3 " });
    const program = `${dir}/prog ü`;
    await Deno.writeTextFile(
      program,
      '#!/bin/sh\necho ran "$@"\necho err >&2\n',
    );
    await Deno.chmod(program, 0o755);
    const url = new URL(`file://${program}`);
    try {
      const got = await run(async () => {
        const out: string[] = [];
        for (const stderr of ["piped", "stdout"] as const) {
          try {
            await using proc = await createSubprocessExec(url, ["x"], {
              stdout: "piped",
              stderr,
            });
            const [stdout] = await proc.communicate();
            out.push(new TextDecoder().decode(stdout!));
          } catch (error) {
            out.push(`${(error as Error).name}: ${(error as Error).message}`);
          }
        }
        return out;
      });
      assert.deepEqual(got, ["ran x\n", "ran x\nerr\n"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
