// Prints the returncode of a child that real-time signal `Deno.args[0]`
// ends. Run by io/process_signal_test.ts in its own process: Deno counts
// such a child as never closed (see the test), which would fail a test's
// sanitizer.
import { run } from "../../task/mod.ts";
import { createSubprocessShell } from "../create_subprocess_shell.ts";

const code = await run(async () => {
  const proc = await createSubprocessShell(`kill -${Deno.args[0]} $$`);
  return await proc.wait();
});
console.log(code);
