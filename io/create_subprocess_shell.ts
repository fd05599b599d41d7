/**
 * `createSubprocessShell`: run a command line through the system shell.
 *
 * @module
 */

import {
  createSubprocessExec,
  type SubprocessOptions,
} from "./create_subprocess_exec.ts";
import type { Process } from "./process.ts";

/**
 * Runs `command` through the system shell (`/bin/sh -c command`, or
 * `cmd.exe /d /s /c command` on Windows), as asyncio's
 * `create_subprocess_shell`.
 *
 * **This is a shell**: pipes, globs, variables and `;` in `command` are
 * interpreted. Never build `command` from untrusted input; use
 * `createSubprocessExec` with an argument list instead. Needs
 * `--allow-run=/bin/sh`.
 *
 * **Cancellation**: as `createSubprocessExec`: the promise is a library
 * future, done at once, so `waitFor()` and `gather()` hand the process
 * over rather than leaving it running for nobody.
 *
 * @param command The command line.
 * @param options Pipes, cwd, env, limit.
 * @returns The running shell process.
 *
 * @example A pipeline
 * ```ts
 * import { createSubprocessShell } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
 * import assert from "node:assert/strict";
 *
 * const out = await run(async () => {
 *   await using proc = await createSubprocessShell("echo one two | wc -w", {
 *     stdout: "piped",
 *   });
 *   const [stdout] = await proc.communicate();
 *   return new TextDecoder().decode(stdout!).trim();
 * });
 * assert.equal(out, "2");
 * ```
 */
export function createSubprocessShell(
  command: string,
  options?: SubprocessOptions,
): Promise<Process> {
  return Deno.build.os === "windows"
    ? createSubprocessExec("cmd.exe", ["/d", "/s", "/c", command], options)
    : createSubprocessExec("/bin/sh", ["-c", command], options);
}
