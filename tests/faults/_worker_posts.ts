/**
 * Child of `worker_job_posts_message_test.ts`: runs, in a `WorkerPool`, a
 * job that posts a message of its own with `self.postMessage(value)` (a
 * progress report, a common Worker idiom), for the value named by
 * `Deno.args[0]`, then prints what the job and a second job gave.
 *
 * @module
 */
import { WorkerPool } from "@aio/asyncio/executor";
import { run } from "@aio/asyncio/task";

const url = "data:text/javascript," + encodeURIComponent(`
export function post(kind) {
  const values = { null: null, string: "50% done", number: 50, undefined: undefined };
  self.postMessage(values[kind]);
  return "job done";
}
export const twice = (n) => 2 * n;
`);

await run(async () => {
  await using pool = new WorkerPool({ size: 1 });
  const got = await pool.submit<string>(url, "post", [Deno.args[0]]).catch((
    e,
  ) => `failed: ${(e as Error).message}`);
  console.log(`job: ${got}`);
  console.log(`next: ${await pool.submit<number>(url, "twice", [21])}`);
});
console.log("survived");
