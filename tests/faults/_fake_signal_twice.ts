// Child of bad_signal_leaves_ghost_waiter_test.ts. Prints one JSON line, or
// nothing if the run hangs (the parent kills it after 15 s).
import { createTask, run, sleep } from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";
import { Event } from "../../sync/mod.ts";

// A common slip: the controller passed where its signal belongs.
const notASignal = new AbortController() as unknown as AbortSignal;
const out: Record<string, string> = {};
await run(async () => {
  const ev = new Event();
  try {
    await ev.wait({ signal: notASignal });
    out.first = "no error";
  } catch (e) {
    out.first = String(e);
  }
  const t = createTask(async () => {
    try {
      await ev.wait({ signal: notASignal });
      return "woke";
    } catch (e) {
      return `caught ${(e as Error).name}`;
    }
  });
  await sleep(1);
  try {
    t.cancel();
    out.cancel = "returned";
  } catch (e) {
    out.cancel = `threw ${e}`;
  }
  console.log(JSON.stringify(out)); // before the await that hangs
  out.task = await t;
  console.log(JSON.stringify(out));
}, { clock: new VirtualClock(), handleSigint: false });
