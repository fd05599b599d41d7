/**
 * `createSubprocessExec`: run a program with stream pipes.
 *
 * @module
 */

import { checkpoint } from "../loop/cancel_scope.ts";
import { runInScope } from "../task/scope_future.ts";
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
   * `"stdout"` runs the program through `/bin/sh` (`exec "$@" 2>&1`), so
   * that one pipe is both of the child's descriptors and the operating
   * system keeps the order; Deno cannot pass one pipe as two descriptors.
   * It needs `--allow-run` for `/bin/sh`, and is not available on Windows.
   * The child is the program itself (same pid: the shell `exec`s it).
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
 * The shell the child goes through when its stderr joins its stdout: if
 * the program is not found it says so on its own stderr (a pipe of ours);
 * else it `exec`s the program with descriptor 2 a copy of 1, which closes
 * that pipe. So an empty pipe at EOF means the program runs.
 */
const MERGE =
  'command -v -- "$1" >/dev/null 2>&1 || { printf "not found" >&2; exit 127; }; exec "$@" 2>&1';

async function spawnMerged(
  cmd: string | URL,
  args: readonly string[],
  command: Omit<Deno.CommandOptions, "args" | "stderr">,
  limit: { limit?: number },
): Promise<Process> {
  if (Deno.build.os === "windows") {
    throw new Error(
      'Cannot use stderr: "stdout" on Windows: it needs /bin/sh; pipe stderr and read both',
    );
  }
  const program = cmd instanceof URL ? cmd.pathname : cmd;
  const child = hostCall(() =>
    new Deno.Command("/bin/sh", {
      ...command,
      args: ["-c", MERGE, "sh", program, ...args],
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
    await child.status;
    throw new Deno.errors.NotFound(
      `Failed to spawn '${program}': not found (stderr: "stdout" looks it up through /bin/sh)`,
    );
  }
  return new Process(child, options);
}

function noop(): void {}
