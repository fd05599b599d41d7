/**
 * `stderr: "stdout"` turns a program that cannot be run into a child that
 * exits 126 or 127.
 *
 * With `stderr: "stdout"`, `createSubprocessExec()` runs the program
 * through `/bin/sh` (`spawnMerged()` in `io/create_subprocess_exec.ts`):
 * `command -v -- "$1" || { ...; exit 127; }; exec "$@" 2>&1`, and treats an
 * empty stderr at EOF as "the program runs". Two cases slip through:
 *
 * - a shell builtin given as the program (`exit`, `cd`):
 *   `command -v` finds it, `exec` cannot run it; the shell
 *   prints `sh: 1: exec: exit: not found` on the merged stdout and exits
 *   127;
 * - a file that exists but cannot be executed (`/etc/passwd`, a
 *   directory): `command -v` finds it, `exec` fails with `Permission
 *   denied` on stdout, exit 126.
 *
 * In both, the promise resolves with a running `Process` instead of
 * rejecting, so the error reaches the caller as the program's output.
 * Measured: `exit` and `cd` give a process with returncode 127 and output
 * `sh: 1: exec: exit: not found\n`; `/etc/passwd` and `/tmp` give 126 and
 * `... Permission denied\n`. Without the merge, the same calls reject with
 * `NotFound` and `PermissionDenied`.
 *
 * Expected (the function's doc: "@throws {Deno.errors.NotFound} If the
 * program does not exist", and the merge is documented as changing only
 * where stderr goes; CPython 3.13's `create_subprocess_exec(name,
 * stderr=STDOUT)`, measured: `FileNotFoundError` for `exit` and `cd`,
 * `PermissionError` for `/etc/passwd` and `/tmp`): the merged spawn
 * rejects as the plain one does.
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
      await proc.communicate();
      return `ran, returncode ${proc.returncode}`;
    } catch (error) {
      return `threw ${(error as Error).name}`;
    }
  });
}

for (
  const [program, expected] of [
    ["exit", "threw NotFound"],
    ["cd", "threw NotFound"],
    ["/etc/passwd", "threw PermissionDenied"],
    ["/tmp", "threw PermissionDenied"],
  ] as const
) {
  Deno.test({
    name:
      `createSubprocessExec("${program}") with stderr: "stdout" fails as without it`,
    ignore: Deno.build.os === "windows",
    async fn() {
      assert.equal(await outcome(program, "piped"), expected);
      assert.equal(await outcome(program, "stdout"), expected);
    },
  });
}

/**
 * Beyond the attacker's four cases: over paths (relative to `cwd`, through
 * a file, with a trailing slash, starting with `-`), bare names (`PATH`
 * from `env`, with `clearEnv`, non-executable files skipped) and `file:`
 * URLs, the merged spawn does what the plain one does: runs the same
 * program, or fails with the same class and message.
 */
Deno.test({
  name:
    'createSubprocessExec() with stderr: "stdout" finds programs and fails as Deno.Command does',
  ignore: Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.realPath(
      await Deno.makeTempDir({ prefix: "aio-merged-" }),
    );
    const script = (word: string) => `#!/bin/sh\necho ${word} "$@"\n`;
    await Deno.mkdir(`${dir}/sub`);
    await Deno.mkdir(`${dir}/-dash`);
    for (
      const [path, mode, word] of [
        ["prog", 0o755, "prog"],
        ["plain", 0o644, "plain"],
        ["sub/inner", 0o755, "inner"],
        ["-dash/prog", 0o755, "dash"],
      ] as const
    ) {
      await Deno.writeTextFile(`${dir}/${path}`, script(word));
      await Deno.chmod(`${dir}/${path}`, mode);
    }
    const sh = (await Deno.realPath("/bin/sh")).replace(/\/[^/]*$/, "");
    type Case = [
      string | URL,
      Omit<Deno.CommandOptions, "args" | "stdout" | "stderr">,
      string,
    ];
    const cases: Case[] = [
      ["exit", {}, "threw NotFound: Failed to spawn 'exit': entity not found"],
      ["", {}, "threw NotFound: Failed to spawn '': entity not found"],
      [`${dir}/prog`, {}, "ran 0: prog x"],
      [`${dir}/plain`, {}, "threw PermissionDenied"],
      [`${dir}/plain/x`, {}, "threw NotADirectory"],
      // Deno normalizes the path first: `plain/` is `plain`, `prog/` runs.
      [`${dir}/plain/`, {}, "threw PermissionDenied"],
      ["./prog/", { cwd: dir }, "ran 0: prog x"],
      ["nope/../prog", { cwd: dir }, "ran 0: prog x"],
      ["sub/..", { cwd: dir }, "threw PermissionDenied"],
      [`${dir}/nope/x`, {}, "threw NotFound"],
      [`${dir}/sub`, {}, "threw PermissionDenied"],
      [`${dir}/sub/`, {}, "threw PermissionDenied"],
      ["./prog", { cwd: dir }, "ran 0: prog x"],
      ["sub/../prog", { cwd: dir }, "ran 0: prog x"],
      ["./nope", { cwd: dir }, "threw NotFound"],
      ["./sub//inner", { cwd: new URL(`file://${dir}`) }, "ran 0: inner x"],
      ["-dash/prog", { cwd: dir }, "ran 0: dash x"],
      ["prog", { cwd: dir }, "threw NotFound"],
      ["inner", { env: { PATH: `/nonexistent:${dir}/sub` } }, "ran 0: inner x"],
      ["prog", { env: { PATH: `${dir}/sub` } }, "threw NotFound"],
      ["plain", { env: { PATH: dir } }, "threw NotFound"],
      ["sub", { env: { PATH: dir } }, "threw NotFound"],
      [
        "inner",
        { clearEnv: true, env: { PATH: `${dir}/sub` } },
        "ran 0: inner x",
      ],
      [
        "prog",
        { clearEnv: true, env: { PATH: `${sh}:${dir}` } },
        "ran 0: prog x",
      ],
      ["sh", { clearEnv: true }, "ran 0:"],
      [new URL(`file://${dir}/sub`), {}, "threw PermissionDenied"],
      [new URL(`file://${dir}/pro%67`), {}, "ran 0: prog x"],
    ];
    try {
      const got = await run(async () => {
        const rows: string[][] = [];
        for (const [program, options, expected] of cases) {
          const row = [`${program} ${JSON.stringify(options)}`];
          for (const stderr of ["piped", "stdout"] as const) {
            try {
              await using proc = await createSubprocessExec(
                program,
                // `sh` reads its commands from stdin: give it none.
                program === "sh" ? ["-c", ":"] : ["x"],
                { ...options, stdout: "piped", stderr },
              );
              const [out] = await proc.communicate();
              row.push(
                `ran ${proc.returncode}: ${new TextDecoder().decode(out!)}`
                  .trimEnd(),
              );
            } catch (error) {
              row.push(
                `threw ${(error as Error).name}: ${(error as Error).message}`,
              );
            }
          }
          assert.ok(
            row[1]!.startsWith(expected),
            `${row[0]}: ${row[1]} is not ${expected}`,
          );
          rows.push(row);
        }
        return rows;
      });
      for (const [name, plain, merged] of got) {
        assert.equal(merged, plain, name);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name:
    'with stderr: "stdout" a relative PATH entry is taken relative to cwd, as CPython does',
  ignore: Deno.build.os === "windows",
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "aio-merged-" });
    await Deno.mkdir(`${dir}/bin`);
    await Deno.writeTextFile(`${dir}/bin/tool`, '#!/bin/sh\necho tool "$@"\n');
    await Deno.chmod(`${dir}/bin/tool`, 0o755);
    try {
      const out = await run(async () => {
        const got: string[] = [];
        for (const PATH of ["bin", ":", ""]) {
          try {
            await using proc = await createSubprocessExec(
              PATH === "bin" ? "tool" : "bin/tool",
              ["x"],
              { cwd: dir, env: { PATH }, stdout: "piped", stderr: "stdout" },
            );
            const [stdout] = await proc.communicate();
            got.push(new TextDecoder().decode(stdout!));
          } catch (error) {
            got.push((error as Error).name);
          }
        }
        return got;
      });
      assert.deepEqual(out, ["tool x\n", "tool x\n", "tool x\n"]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

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
