// Run by run_test.ts in a subprocess (a signal reaches every test module of
// the process): in debug mode, SIGUSR1 prints the task tree, even with a
// wait labelled by a hostile value, and the program goes on.
import { createTask, Future, run } from "../mod.ts";
import { getRunningLoop } from "../../loop/mod.ts";

const result = await run(async () => {
  const loop = getRunningLoop();
  const printed = new Future<string>(loop);
  const hostile = new Future<void>(loop);
  hostile.label = Object.create(null) as string;
  const waiter = createTask(() => hostile, { name: "waiter" });
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
    hostile.setResult();
    await waiter;
  }
}, { debug: true });
console.log(result);
