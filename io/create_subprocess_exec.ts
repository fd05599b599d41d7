/**
 * `createSubprocessExec`: run a program with stream pipes.
 *
 * @module
 */

import { Process } from "./process.ts";

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
   * The child's stderr: `"piped"` gives `proc.stderr`, a `StreamReader`.
   *
   * @default {"inherit"}
   */
  stderr?: StdioOption;
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
 * @param cmd The program (looked up in `PATH`).
 * @param args Its arguments.
 * @param options Pipes, cwd, env, limit.
 * @returns The running process.
 * @throws {Deno.errors.NotFound} If the program does not exist.
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
 */
export function createSubprocessExec(
  cmd: string | URL,
  args: readonly string[],
  options: SubprocessOptions = {},
): Promise<Process> {
  const child = new Deno.Command(cmd, {
    args: [...args],
    stdin: options.stdin ?? "inherit",
    stdout: options.stdout ?? "inherit",
    stderr: options.stderr ?? "inherit",
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.env !== undefined ? { env: options.env } : {}),
    ...(options.clearEnv !== undefined ? { clearEnv: options.clearEnv } : {}),
  }).spawn();
  return Promise.resolve(
    new Process(
      child,
      options.limit !== undefined ? { limit: options.limit } : {},
    ),
  );
}
