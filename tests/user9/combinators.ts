// aio port of combinators.py.
import { VirtualClock } from "@aio/asyncio/loop";
import {
  asCompleted,
  CancelledError,
  createTask,
  gather,
  run,
  shield,
  sleep,
  TimeoutError,
  waitFor,
} from "@aio/asyncio/task";
import { log, py, typeName } from "./_log.ts";

class ValueError extends Error {}
class KeyError extends Error {}
class RuntimeError extends Error {}

async function after(delay: number, value: string, exc?: Error) {
  try {
    await sleep(delay * 1000);
  } catch (e) {
    if (e instanceof CancelledError) log(`${value} cancelled`);
    throw e;
  }
  if (exc !== undefined) {
    log(`${value} failing`);
    throw exc;
  }
  log(`${value} done`);
  return value;
}

async function shieldDemo(): Promise<void> {
  log("-- shield");
  const inner = createTask(() => after(3, "inner"));
  const o = createTask(async () => {
    try {
      return await shield(inner);
    } catch (e) {
      if (e instanceof CancelledError) log("outer's await cancelled");
      throw e;
    }
  });
  await sleep(1000);
  o.cancel();
  await gather([o], { returnExceptions: true });
  log(`outer cancelled=${py(o.cancelled())} inner done=${py(inner.done())}`);
  try {
    await waitFor(shield(inner), 1000);
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    log(`wait_for(shield) TimeoutError, inner done=${py(inner.done())}`);
  }
  log(`inner result ${await inner}`);
  const r = await shield(inner);
  log(`shield of done task -> ${r}`);
}

async function asCompletedDemo(): Promise<void> {
  log("-- as_completed");
  const aws = [
    () => after(3, "c"),
    () => after(1, "a"),
    () => after(2, "b", new ValueError("b")),
    () => after(4, "d"),
  ];
  for (const next of asCompleted(aws)) {
    try {
      log(`next -> ${await next}`);
    } catch (e) {
      if (!(e instanceof ValueError)) throw e;
      log(`next raised ${typeName(e)}`);
    }
  }
  log("-- as_completed with timeout");
  const tasks = [1, 5].map((d) => createTask(() => after(d, `x${d}`)));
  try {
    for (const next of asCompleted(tasks, { timeout: 2000 })) {
      log(`next -> ${await next}`);
    }
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    log(
      `as_completed TimeoutError, pending cancelled=${
        py(tasks[1]!.cancelled())
      } done=${py(tasks[1]!.done())}`,
    );
  }
  tasks[1]!.cancel();
  await gather(tasks, { returnExceptions: true });
}

async function gatherDemo(): Promise<void> {
  log("-- gather return_exceptions");
  const victim = createTask(() => after(5, "victim"));
  const canceller = async () => {
    await sleep(1000);
    victim.cancel();
    return "canceller";
  };
  const res = await gather([
    () => after(2, "ok"),
    () => after(1, "bad", new KeyError("k")),
    victim,
    canceller,
  ], { returnExceptions: true });
  log(
    "results " +
      res.map((r) => typeof r === "string" ? r : typeName(r)).join(" "),
  );

  log("-- gather first failure, others keep running");
  const slow = createTask(() => after(3, "slow"));
  try {
    await gather(() => after(1, "boom", new RuntimeError("x")), slow);
  } catch (e) {
    if (!(e instanceof RuntimeError)) throw e;
    log(`gather raised ${typeName(e)}, slow done=${py(slow.done())}`);
  }
  log(`slow finished with ${await slow}`);

  log("-- cancelling a gather cancels its children");
  const g = gather(() => after(5, "g1"), () => after(6, "g2"));
  await sleep(1000);
  g.cancel();
  try {
    await g;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    log("gather awaited -> CancelledError");
  }
}

await run(async () => {
  await shieldDemo();
  await asCompletedDemo();
  await gatherDemo();
}, { clock: new VirtualClock() });
