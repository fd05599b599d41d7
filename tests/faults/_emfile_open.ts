/**
 * A child of `emfile_open_test.ts`, run under a low `ulimit -n`: opens
 * files with `Deno.open` until the process is out of descriptors, then
 * tries `<mode>` once, printing what it threw (`raw: EMFILE`,
 * `openFile: EMFILE`...), then `done`.
 *
 * - `raw`: `Deno.open()` (the baseline: a catchable error, whose stack it
 *   leaves alone: formatting it here would panic Deno, see below);
 * - `openFile`: aio's `openFile()`;
 * - `openConnection`: aio's `openConnection()` to a listener opened first.
 *
 * For the library modes the child then reads the error's stack, as a
 * caller logging it would, and prints its first line.
 *
 * Why: Deno 2.9 maps the frames of a stack it formats through source maps,
 * and the first time it does so its stack probe (the `stacker` crate) reads
 * `/proc/self/maps`; with no descriptor free it panics ("assertion `left ==
 * right` failed, left: 24") and the process dies. Measured here with a
 * TypeScript child that formats `new Error().stack` out of descriptors: 5/5
 * panics, 0/5 after formatting one stack before running out, 0/5 for the
 * same child in plain JavaScript. aio's `Future.toString()` described a
 * failed future's error with its stack, and every failed future describes
 * itself (for the report if its error is never retrieved), so `openFile()`
 * out of descriptors panicked 8/20 (7/10, 9/10 in earlier runs) where
 * `Deno.open()` panicked 0/10.
 *
 * @module
 */

import { openConnection, openFile } from "../../io/mod.ts";
import { getRunningLoop } from "../../loop/mod.ts";
import { run } from "../../task/mod.ts";

const [mode, path] = Deno.args as [string, string];

await run(async () => {
  getRunningLoop().setExceptionHandler(() => {});
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const files: Deno.FsFile[] = [];
  try {
    for (let i = 0; i < 10_000; i++) files.push(await Deno.open(path));
  } catch {
    // EMFILE: no descriptor left.
  }
  try {
    try {
      if (mode === "raw") (await Deno.open(path)).close();
      else if (mode === "openFile") (await openFile(path)).close();
      else (await openConnection({ port }))[1].abort();
      console.log(`${mode}: opened`);
    } catch (error) {
      console.log(`${mode}: ${(error as { code?: string }).code}`);
      if (mode !== "raw") {
        console.log(String((error as Error).stack).split("\n")[0]);
      }
    }
  } finally {
    for (const f of files) f.close();
  }
});
console.log("done");
