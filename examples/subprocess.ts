/**
 * Run child processes and stream their output line by line, with a timeout
 * on each line: the first child prints three lines and exits; the second
 * goes silent, so its line read times out and it is killed.
 *
 * Run: `deno run --allow-run=/bin/sh examples/subprocess.ts`
 *
 * @module
 */

import { createSubprocessShell, type Process } from "../io/mod.ts";
import { run, timeout, TimeoutError } from "../task/mod.ts";

const decoder = new TextDecoder();

/** Prints the child's lines until EOF, or until a line takes too long. */
async function follow(proc: Process, lineTimeoutMs: number): Promise<void> {
  for (;;) {
    let line: Uint8Array;
    try {
      line = await timeout(lineTimeoutMs, () => proc.stdout!.readLine());
    } catch (error) {
      if (!(error instanceof TimeoutError)) throw error;
      console.log(`no output within ${lineTimeoutMs} ms: killing the child`);
      proc.kill();
      break;
    }
    if (line.length === 0) break;
    console.log(`child says: ${decoder.decode(line).trimEnd()}`);
  }
  console.log(`exit code ${await proc.wait()}`);
}

await run(async () => {
  {
    await using chatty = await createSubprocessShell(
      "for i in 1 2 3; do echo tick $i; sleep 0.05; done",
      { stdout: "piped" },
    );
    await follow(chatty, 5_000);
  }
  {
    await using silent = await createSubprocessShell(
      "echo about to hang; exec sleep 60",
      { stdout: "piped" },
    );
    await follow(silent, 300);
  }
});
