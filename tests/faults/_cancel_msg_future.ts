// Child of cancel_msg_not_string_test.ts: a future awaited by a task is
// cancelled with a message that cannot become a string (Deno.args[0]:
// "symbol" | "hostile"). Prints one JSON line before run() ends (run() may
// then never settle: the parent kills this process after 10 s).
import { createTask, run, sleep } from "../../task/mod.ts";
import { Future, VirtualClock } from "../../loop/mod.ts";

const msg: unknown = Deno.args[0] === "symbol" ? Symbol("m") : {
  toString(): string {
    throw new Error("toString boom");
  },
};
await run(async () => {
  const f = new Future<number>();
  let callbackRan = false;
  f.addDoneCallback(() => (callbackRan = true));
  const waiter = createTask(async () => {
    try {
      return `woke with ${await f}`;
    } catch (e) {
      return `woke with ${(e as Error).name}`;
    }
  });
  await sleep(1);
  let threw = false;
  try {
    f.cancel(msg as string);
  } catch {
    threw = true;
  }
  const refusedCleanly = threw && !f.done();
  if (refusedCleanly) f.cancel("clean"); // what a caller would do next
  await sleep(10);
  console.log(JSON.stringify({
    threw,
    cancelledFlag: f.cancelled(),
    callbackRan,
    waiterDone: waiter.done(),
  }));
}, { clock: new VirtualClock(), handleSigint: false });
console.log(JSON.stringify({ runEnded: true }));
