// Child of run_in_executor_bad_export_name_crash_test.ts: one
// runInExecutor() call with a non-string exportName (Deno.args[0]), caught;
// then a normal job. Prints JSON; exits 0 unless something escaped.
import { run } from "../../task/mod.ts";
import {
  runInExecutor,
  setDefaultExecutor,
  WorkerPool,
} from "../../executor/mod.ts";
import { getRunningLoop } from "../../loop/mod.ts";

const jobs = "data:text/javascript,export const ok = () => 42;";
const bad: unknown = Deno.args[0] === "symbol" ? Symbol("job") : {
  toString(): string {
    throw new Error("toString boom");
  },
};
const out: Record<string, string> = {};
await run(async () => {
  setDefaultExecutor(new WorkerPool({ size: 1 }), getRunningLoop());
  try {
    await runInExecutor(jobs, bad as string);
    out.call = "no error";
  } catch (e) {
    out.call = `${(e as Error).name}: ${(e as Error).message}`;
  }
  out.next = String(await runInExecutor(jobs, "ok"));
}, { handleSigint: false });
console.log(JSON.stringify(out));
