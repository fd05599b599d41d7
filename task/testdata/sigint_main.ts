// Run by run_test.ts in a subprocess: the test runner itself exits on SIGINT.
import { CancelledError, Future, getRunningLoop, run } from "../../mod.ts";

try {
  await run(async () => {
    const never = new Future<void>(getRunningLoop());
    setTimeout(() => Deno.kill(Deno.pid, "SIGINT"), 1);
    try {
      await never;
    } finally {
      console.log("finally ran");
    }
  });
} catch (e) {
  console.log(
    `${e instanceof CancelledError ? "CancelledError" : "other"}: ${
      (e as Error).message
    }`,
  );
}
