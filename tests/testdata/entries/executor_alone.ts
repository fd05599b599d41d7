// Imports only @aio/asyncio/executor: a pool of Workers on its own.
import { WorkerPool } from "@aio/asyncio/executor";

await using pool = new WorkerPool({ size: 1 });
const url = "data:text/javascript,export const add = (a, b) => a + b;";
console.log(JSON.stringify([await pool.submit<number>(url, "add", [40, 2])]));
