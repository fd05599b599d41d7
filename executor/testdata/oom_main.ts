// Run by executor_test.ts in a subprocess with a small heap: a job that
// allocates until its Worker runs out of memory. Nothing is printed if the
// process survives the Worker, as a fixed Deno would let it.
import { WorkerPool } from "../worker_pool.ts";

await using pool = new WorkerPool({ size: 1 });
const url = import.meta.resolve("./dying_jobs.ts");
await pool.submit(url, "exhaustMemory").catch((e) => console.log(String(e)));
console.log("survived");
