/**
 * `stderr: "stdout"` turns a script whose interpreter is missing (a
 * `#!/nonexistent/interp` line; likewise an ELF file whose loader is
 * missing) into a child that exits 127, where the plain spawn throws.
 *
 * Measured (Deno 2.9, /bin/sh = dash): `createSubprocessExec(script, [],
 * { stderr: "piped" })` rejects with `NotFound: Failed to spawn '...': No
 * such file or directory (os error 2)`; with `stderr: "stdout"` it resolves
 * with a `Process` that prints `sh: 5: exec: /tmp/.../script: not found`
 * on its stdout (a line number of the library's own shell script) and
 * exits 127.
 *
 * Why (`MERGE` in io/create_subprocess_exec.ts): the shell checks the path
 * (`[ -f "$c" ] && [ -x "$c" ]`) and then runs `exec "$c" "$@" 2>&1`. The
 * file passes the checks; `execve()` fails with ENOENT (the interpreter is
 * missing), but by then descriptor 2 is already the merged stdout, so the
 * shell's complaint goes there and the status pipe closes empty, which
 * `spawnMerged()` reads as "the program runs".
 *
 * Expected (the option's doc: "a program that cannot be run fails the call
 * with the error `Deno.Command` throws"; CPython 3.13
 * `create_subprocess_exec(script, stderr=STDOUT)` raises
 * `FileNotFoundError`, measured with `subprocess.run([script])`): the
 * merged spawn rejects with `NotFound`, as the plain one does.
 *
 * Fixed: the shell checks a script's `#!` interpreter before `exec`
 * (`MERGE` in io/create_subprocess_exec.ts).
 */
import assert from "node:assert/strict";
import { createSubprocessExec } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";

async function outcome(
  program: string,
  stderr: "piped" | "stdout",
): Promise<string> {
  return await run(async () => {
    try {
      await using proc = await createSubprocessExec(program, [], {
        stdout: "piped",
        stderr,
      });
      const [out] = await proc.communicate();
      return `ran, returncode ${proc.returncode}: ${
        new TextDecoder().decode(out ?? new Uint8Array())
      }`;
    } catch (error) {
      return `threw ${(error as Error).name}`;
    }
  });
}

Deno.test({
  name:
    'createSubprocessExec() of a script with a missing interpreter fails with stderr: "stdout" as without it',
  ignore: Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "aio-interp-" });
    try {
      const script = `${dir}/script`;
      await Deno.writeTextFile(script, "#!/nonexistent/interp\necho hi\n");
      await Deno.chmod(script, 0o755);
      assert.equal(await outcome(script, "piped"), "threw NotFound");
      assert.equal(await outcome(script, "stdout"), "threw NotFound");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
