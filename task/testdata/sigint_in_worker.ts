// Run by run_test.ts: run() in a Worker leaves SIGINT to the main thread,
// which listens for none here, so the signal ends the process.
const worker = new Worker(
  new URL("./run_in_worker.ts", import.meta.url),
  { type: "module" },
);
worker.onmessage = () => Deno.kill(Deno.pid, "SIGINT");
await new Promise((resolve) => setTimeout(resolve, 10_000));
console.log("not interrupted");
worker.terminate();
