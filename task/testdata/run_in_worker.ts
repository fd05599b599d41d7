// The Worker of sigint_in_worker.ts: a run() that waits for ever.
import { run, sleep } from "../../mod.ts";

await run(async () => {
  (globalThis as unknown as Worker).postMessage("running");
  await sleep(1e9);
});
