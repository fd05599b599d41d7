/**
 * Fixture of exit_test.ts: gives up a 1.5 s CPU-bound job after 50 ms and
 * prints when `run()` returned; the job calls checkCancelled() or not.
 *
 * @module
 */
import { run, timeout } from "@aio/asyncio/task";
import {
  runInExecutor,
  setDefaultExecutor,
  WorkerPool,
} from "@aio/asyncio/executor";

const WORK = import.meta.resolve("./_work.ts");
const exportName = Deno.args[0] === "check" ? "spinChecking" : "spin";
const t0 = performance.now();
await run(async () => {
  setDefaultExecutor(new WorkerPool({ size: 1 }));
  await runInExecutor(WORK, "quick"); // the job must really start
  await timeout(50, () => runInExecutor(WORK, exportName, 1500)).catch(
    () => {},
  );
});
console.log(Math.round(performance.now() - t0));
