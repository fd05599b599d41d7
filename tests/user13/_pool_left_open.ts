/**
 * Fixture of pool_exit_test.ts: uses a WorkerPool directly, then shuts it
 * down or not (`leave`).
 *
 * @module
 */
import { WorkerPool } from "@aio/asyncio/executor";

const pool = new WorkerPool({ size: 1 });
const url = "data:text/javascript,export const f = () => 1;";
console.log(await pool.submit(url, "f", []));
if (Deno.args[0] !== "leave") await pool.shutdown();
