/**
 * A child of `emfile_openers_test.ts`, run under `ulimit -n 64`: opens
 * files with `Deno.open` until the process is out of descriptors, then
 * calls the aio opener named by `Deno.args[0]` once (`createSubprocessExec`
 * twice: `createSubprocessExec(..., { stderr: "stdout" })` spawns through `/bin/sh`)
 * and, as a caller
 * logging the failure would, prints the error's code and the first line of
 * its stack, then `done`.
 *
 * @module
 */
import {
  createDatagramEndpoint,
  createSubprocessExec,
  startServer,
  startUnixServer,
} from "../../io/mod.ts";
import { getRunningLoop } from "../../loop/mod.ts";
import { run } from "../../task/mod.ts";

const [mode, path, sock] = Deno.args as [string, string, string];

await run(async () => {
  getRunningLoop().setExceptionHandler(() => {});
  const files: Deno.FsFile[] = [];
  try {
    for (let i = 0; i < 10_000; i++) files.push(await Deno.open(path));
  } catch {
    // EMFILE: no descriptor left.
  }
  try {
    try {
      if (mode === "createSubprocessExec") {
        await (await createSubprocessExec("true", [])).wait();
      } else if (mode === 'createSubprocessExec(..., { stderr: "stdout" })') {
        await (await createSubprocessExec("true", [], {
          stdout: "piped",
          stderr: "stdout",
        })).communicate();
      } else if (mode === "startServer") {
        await (await startServer(() => {}, { port: 0 }))[
          Symbol.asyncDispose
        ]();
      } else if (mode === "startUnixServer") {
        await (await startUnixServer(() => {}, { path: sock }))[
          Symbol.asyncDispose
        ]();
      } else {
        (await createDatagramEndpoint()).close();
      }
      console.log(`${mode}: opened`);
    } catch (error) {
      console.log(`${mode}: ${(error as { code?: string }).code}`);
      console.log(String((error as Error).stack).split("\n")[0]);
    }
  } finally {
    for (const f of files) f.close();
  }
});
console.log("done");
