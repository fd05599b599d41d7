// Run by run_test.ts: a SIGINT that comes once main is done, while run()
// waits for a task slow to stop, ends the program at once (status 130), as
// asyncio's default handler, put back when main ends, does.
import { createTask, run, sleep } from "../../mod.ts";

await run(async () => {
  createTask(async () => {
    try {
      await sleep(1e9);
    } finally {
      setTimeout(() => Deno.kill(Deno.pid, "SIGINT"), 1);
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      console.log("cleanup finished");
    }
  });
  await sleep(0);
});
console.log("run() returned");
