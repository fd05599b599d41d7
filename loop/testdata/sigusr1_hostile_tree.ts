// Run by run_test.ts in a subprocess (a signal reaches every test module of
// the process): in debug mode, SIGUSR1 with a task tree formatter that
// throws a hostile value prints why, and the program goes on.
import { Future } from "../../task/mod.ts";
import { getRunningLoop, run, setTaskTreeFormatter } from "../mod.ts";

setTaskTreeFormatter(() => {
  throw Object.create(null);
});
const result = await run(async () => {
  const loop = getRunningLoop();
  const printed = new Future<string>(loop);
  const original = console.error;
  console.error = (text: string) => {
    loop.callSoonThreadsafe(() => printed.setResult(text));
  };
  // A host timer keeps the process alive while the loop idles.
  const alive = setTimeout(() => {}, 60_000);
  try {
    Deno.kill(Deno.pid, "SIGUSR1");
    return `printed: ${await printed}`;
  } finally {
    clearTimeout(alive);
    console.error = original;
  }
}, { debug: true });
console.log(result);
