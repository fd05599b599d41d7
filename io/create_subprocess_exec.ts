/**
 * `createSubprocessExec`: run a program with stream pipes.
 *
 * @module
 */

import { checkpoint } from "../loop/cancel_scope.ts";
import { runInScope } from "../task/scope_future.ts";
import { normalizePath, pathFromUrl } from "./_file_path.ts";
import { mergedStderr } from "./_stdio.ts";
import { hostCall, hostWait } from "./_wait.ts";
import { Process, type ProcessOptions } from "./process.ts";

/** What to connect a standard stream of the child to. */
export type StdioOption = "piped" | "inherit" | "null";

/** Options for {@linkcode createSubprocessExec}. */
export interface SubprocessOptions {
  /**
   * The child's stdin: `"piped"` gives `proc.stdin`, a `StreamWriter`.
   *
   * @default {"inherit"}
   */
  stdin?: StdioOption;
  /**
   * The child's stdout: `"piped"` gives `proc.stdout`, a `StreamReader`.
   *
   * @default {"inherit"}
   */
  stdout?: StdioOption;
  /**
   * The child's stderr: `"piped"` gives `proc.stderr`, a `StreamReader`;
   * `"stdout"` (asyncio's `STDOUT`) sends it wherever stdout goes, merged in
   * the order the child wrote (`proc.stderr` is then `null`).
   *
   * `"stdout"` runs the program through `/bin/sh` (`exec "$path" "$@"
   * 2>&1`), so that one pipe is both of the child's descriptors and the
   * operating system keeps the order; Deno cannot pass one pipe as two
   * descriptors. It needs `--allow-run` for `/bin/sh`, and is not available
   * on Windows. The child is the program itself (same pid: the shell
   * `exec`s it). The shell finds the program as `Deno.Command` does (a
   * path must be an executable file; a bare name is looked up in `PATH`,
   * never as a shell builtin) and a program that cannot be run fails the
   * call with the error `Deno.Command` throws. One difference: a relative
   * entry of `PATH` is taken relative to `cwd` (as by CPython and the
   * shell), where Deno 2.9 checks it against this process's directory.
   *
   * @default {"inherit"}
   */
  stderr?: StdioOption | "stdout";
  /**
   * The working directory.
   *
   * @default {Deno.cwd()}
   */
  cwd?: string | URL;
  /**
   * Environment variables to set (added to the inherited ones unless
   * `clearEnv`).
   *
   * @default {undefined}
   */
  env?: Record<string, string>;
  /**
   * Start from an empty environment.
   *
   * @default {false}
   */
  clearEnv?: boolean;
  /**
   * Start the child in a session and process group of its own (POSIX
   * `setsid()`, Deno's `detached`), as asyncio's `start_new_session=True`:
   * the processes it starts (the commands of a shell) share its group, and
   * {@linkcode Process.killGroup} signals them all. It also leaves the
   * terminal's group, so a Ctrl-C there no longer reaches it.
   *
   * @default {false}
   */
  newSession?: boolean;
  /**
   * The stdout/stderr readers' buffer limit in bytes.
   *
   * @default {65536}
   */
  limit?: number;
}

/**
 * Starts `cmd` with `args` (no shell: arguments are passed as they are), as
 * asyncio's `create_subprocess_exec`. Standard streams are inherited unless
 * piped, as in asyncio.
 *
 * **Cancellation**: the promise returned is a library future of a cancel
 * scope of its own. Spawning does not wait, so the future is done at once
 * and `waitFor(createSubprocessExec(...), ms)` hands the process over
 * rather than leaving it running for nobody. With `stderr: "stdout"` it
 * waits until the shell has found the program: cancelling it then (the
 * task, a deadline, `waitFor()`, `gather()`) kills the child and reaps it
 * before the promise rejects with `CancelledError`.
 *
 * @param cmd The program (looked up in `PATH`).
 * @param args Its arguments.
 * @param options Pipes, cwd, env, limit.
 * @returns The running process.
 * @throws {Deno.errors.NotFound} If the program does not exist.
 * @throws {Deno.errors.PermissionDenied} If it is not an executable file.
 * @throws {Deno.errors.NotADirectory} If a part of its path is a file.
 * @throws {TypeError} If `cmd` is a URL but not a `file:` URL.
 * @throws {Error} With `stderr: "stdout"` on Windows.
 *
 * @example Read a child's output line by line
 * ```ts
 * import { createSubprocessExec } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const lines = await run(async () => {
 *   await using proc = await createSubprocessExec("printf", ["a\\nb\\n"], {
 *     stdout: "piped",
 *   });
 *   const out: string[] = [];
 *   for await (const line of proc.stdout!) {
 *     out.push(new TextDecoder().decode(line).trim());
 *   }
 *   await proc.wait();
 *   return out;
 * });
 * assert.deepEqual(lines, ["a", "b"]);
 * ```
 *
 * @example Merge stderr into stdout, in order (asyncio's `STDOUT`)
 * ```ts
 * import { createSubprocessExec } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const out = await run(async () => {
 *   await using proc = await createSubprocessExec(
 *     "sh",
 *     ["-c", "echo one; echo two >&2; echo three"],
 *     { stdout: "piped", stderr: "stdout" },
 *   );
 *   const [stdout] = await proc.communicate();
 *   return new TextDecoder().decode(stdout!);
 * });
 * assert.equal(out, "one\ntwo\nthree\n");
 * ```
 */
export function createSubprocessExec(
  cmd: string | URL,
  args: readonly string[],
  options?: SubprocessOptions,
): Promise<Process> {
  const stderr = options?.stderr ?? "inherit";
  const command = {
    stdin: options?.stdin ?? "inherit",
    stdout: options?.stdout ?? "inherit",
    ...(options?.cwd !== undefined ? { cwd: options?.cwd } : {}),
    ...(options?.env !== undefined ? { env: options?.env } : {}),
    ...(options?.clearEnv !== undefined ? { clearEnv: options?.clearEnv } : {}),
    ...(options?.newSession === true ? { detached: true } : {}),
  } as const;
  const limit = options?.limit !== undefined ? { limit: options?.limit } : {};
  return runInScope(() => {
    if (stderr === "stdout") return spawnMerged(cmd, args, command, limit);
    const child = hostCall(() =>
      new Deno.Command(cmd, { ...command, args: [...args], stderr }).spawn()
    );
    return new Process(child, limit);
  }, "createSubprocessExec");
}

/**
 * The shell the child goes through when its stderr joins its stdout
 * (`sh -c MERGE sh SEARCH PROGRAM ARGS...`). It finds the program as
 * `Deno.Command` would, without the shell's own lookup (no builtins, no
 * functions): a name with a slash is a path (relative to the child's
 * working directory), which must be an executable regular file; a bare
 * name is looked up in the `PATH` that SEARCH gives (`i`: the shell's own
 * `$PATH`, `=list`: that list, `n`: none), an empty entry being the working
 * directory. A script whose `#!` interpreter is missing fails there as the
 * kernel's `ENOENT` makes `Deno.Command` fail (a failed `exec` would be
 * too late: stderr is then already our stdout, and the shell's message and
 * its 127 would look like the program's). Then it `exec`s that path with descriptor 2 a copy of 1, which
 * closes our pipe. Else it writes why on its own stderr (a pipe of ours):
 * `N` (no such program in `PATH`), `E` (no such file), `D` (a part of the
 * path is not a directory) or `A` (permission denied), then the working
 * directory, and exits. So an empty pipe at EOF means the program runs.
 *
 * dash's `exec` takes no `--`: a path handed to it never starts with `-`
 * (see {@linkcode target}).
 */
const MERGE = `i() {
  case $(dd if="$1" bs=2 count=1 2>/dev/null) in
  '#!') IFS= read -r l < "$1"; l=\${l#??}; l=\${l#"\${l%%[! 	]*}"}; l=\${l%%[ 	]*}
    [ -f "$l" ] && [ -x "$l" ];;
  esac
}
s=$1 n=$2
shift 2
case $n in
*/*)
  if [ -f "$n" ] && [ -x "$n" ]; then
    i "$n" && exec "$n" "$@" 2>&1
    printf E >&2; pwd -P >&2; exit 127
  fi
  if [ -e "$n" ] || [ -d "$n" ]; then c=A
  else
    c=E d=\${n%/*}/ q=
    while [ -n "$d" ]; do
      p=\${d%%/*} d=\${d#*/} q=$q$p
      if [ -n "$p" ]; then
        if [ ! -e "$q" ]; then break
        elif [ ! -d "$q" ]; then c=D; break
        elif [ ! -x "$q" ]; then c=A; break
        fi
      fi
      q=$q/
    done
  fi
  printf %s "$c" >&2; pwd -P >&2; exit 126;;
esac
case $s in i) r=$PATH: ;; =*) r=\${s#=}: ;; *) r= ;; esac
while [ -n "$r" ]; do
  d=\${r%%:*} r=\${r#*:}
  c=\${d:-.}/$n
  case $c in -*) c=./$c ;; esac
  [ -f "$c" ] && [ -x "$c" ] && i "$c" && exec "$c" "$@" 2>&1
done
printf N >&2; exit 127`;

/**
 * The `PATH` a bare program name is looked up in, as `Deno.Command` does:
 * the `env` option's `PATH` if it has one (with or without `clearEnv`),
 * else this process's, which the shell inherits unless `clearEnv` (then it
 * is read here, if `--allow-env` grants it; else the shell's default).
 */
function searchPath(command: MergedCommand): string {
  const given = command.env !== undefined &&
      Object.hasOwn(command.env, "PATH")
    ? command.env.PATH
    : undefined;
  if (given !== undefined) return `=${given}`;
  if (
    Deno.permissions.querySync({ name: "env", variable: "PATH" }).state ===
      "granted"
  ) {
    const own = Deno.env.get("PATH");
    return own === undefined ? "n" : `=${own}`;
  }
  return "i";
}

/**
 * What the shell is to run: a bare name as it is; a path normalized as
 * `Deno.Command` normalizes it (`dir/../prog/` is `prog`), made absolute
 * against an absolute `cwd`, else relative with a leading `./` (a path
 * handed to `exec` must not start with `-`).
 */
function target(program: string, cwd: string | URL | undefined): string {
  if (!program.includes("/")) return program;
  if (program.startsWith("/")) return normalizePath(program);
  const dir = cwd === undefined ? undefined : pathFromUrl(cwd);
  return dir?.startsWith("/")
    ? normalizePath(`${dir}/${program}`)
    : `./${normalizePath(program)}`;
}

/**
 * The error `Deno.Command` throws for a program that cannot be run, from
 * the shell's report (`MERGE`): same class, same message.
 */
function spawnError(program: string, path: string, report: string): Error {
  const code = report[0];
  if (code === "N") {
    return new Deno.errors.NotFound(
      `Failed to spawn '${program}': entity not found`,
    );
  }
  const shellCwd = report.slice(1).replace(/\n$/, "");
  const absolute = path.startsWith("/")
    ? path
    : normalizePath(`${shellCwd}/${path}`);
  const failed = `Failed to spawn '${absolute}'`;
  switch (code) {
    case "E":
      return new Deno.errors.NotFound(
        `${failed}: No such file or directory (os error 2)`,
      );
    case "D":
      return new Deno.errors.NotADirectory(
        `${failed}: Not a directory (os error 20)`,
      );
    case "A":
      return new Deno.errors.PermissionDenied(
        `${failed}: Permission denied (os error 13)`,
      );
    default:
      return new Error(`${failed}: /bin/sh said ${JSON.stringify(report)}`);
  }
}

type MergedCommand = Omit<Deno.CommandOptions, "args" | "stderr">;

async function spawnMerged(
  cmd: string | URL,
  args: readonly string[],
  command: MergedCommand,
  limit: { limit?: number },
): Promise<Process> {
  if (Deno.build.os === "windows") {
    throw new Error(
      'Cannot use stderr: "stdout" on Windows: it needs /bin/sh; pipe stderr and read both',
    );
  }
  const program = pathFromUrl(cmd);
  const path = target(program, command.cwd);
  const child = hostCall(() =>
    new Deno.Command("/bin/sh", {
      ...command,
      args: ["-c", MERGE, "sh", searchPath(command), path, ...args],
      stderr: "piped",
    }).spawn()
  );
  const options: ProcessOptions & { [mergedStderr]: true } = {
    ...limit,
    [mergedStderr]: true,
  };
  const checking = new Response(child.stderr).text();
  let status: string;
  try {
    status = await hostWait(checking, undefined);
    checkpoint();
  } catch (error) {
    // Cancelled (or the check failed): nobody will take the child, so it
    // must not run on. Kill it (the shell, or the program it became) and
    // reap it, closing its pipes, before the promise ends.
    await new Process(child, options)[Symbol.asyncDispose]();
    await checking.catch(noop);
    throw error;
  }
  if (status !== "") {
    // The shell has reported and is exiting: reap it, close our pipes.
    await new Process(child, options)[Symbol.asyncDispose]();
    throw spawnError(program, path, status);
  }
  return new Process(child, options);
}

function noop(): void {}
