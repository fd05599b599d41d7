// aio port of taskgroup.py.
import { VirtualClock } from "@aio/asyncio/loop";
import {
  CancelledError,
  createTask,
  run,
  sleep,
  type Task,
  taskGroup,
} from "@aio/asyncio/task";
import { log, py, typeName } from "./_log.ts";

class KeyError extends Error {}
class ValueError extends Error {}

async function quick(): Promise<string> {
  await sleep(1000);
  log("quick done");
  return "quick";
}

async function failing(name: string, at: number, exc: Error): Promise<never> {
  await sleep(at * 1000);
  log(`${name} raising ${typeName(exc)}`);
  throw exc;
}

async function slowWithCleanup(): Promise<void> {
  try {
    await sleep(100_000);
    log("slow finished (unexpected)");
  } catch (e) {
    if (e instanceof CancelledError) {
      log("slow cancelled, cleanup starts");
      await sleep(1000);
      log("slow cleanup done");
    }
    throw e;
  }
}

function groupErrors(e: unknown): string {
  const errors = e instanceof AggregateError ? e.errors : [];
  return "[" + errors.map((x) => `'${typeName(x)}'`).join(", ") + "]";
}

async function scenarioOneFailure(): Promise<void> {
  log("-- one failure");
  const tasks = new Map<string, Task<unknown>>();
  try {
    await taskGroup(async (tg) => {
      tasks.set("quick", tg.createTask(quick));
      tasks.set(
        "fail",
        tg.createTask(() => failing("fail", 2, new ValueError("bad"))),
      );
      tasks.set("slow", tg.createTask(slowWithCleanup));
      try {
        await sleep(50_000);
        log("body finished (unexpected)");
      } catch (e) {
        if (e instanceof CancelledError) log("body cancelled");
        throw e;
      }
    });
  } catch (e) {
    log(`group raised ${typeName(e)} ${groupErrors(e)}`);
  }
  for (const [name, t] of tasks) {
    const state = t.cancelled()
      ? "cancelled"
      : t.exception()
      ? typeName(t.exception())
      : `result=${t.result()}`;
    log(`${name}: ${state}`);
  }
}

async function scenarioTwoFailuresSameTick(): Promise<void> {
  log("-- two failures in the same tick");
  try {
    await taskGroup((tg) => {
      tg.createTask(() => failing("a", 1, new ValueError("a")));
      tg.createTask(() => failing("b", 1, new KeyError("b")));
      tg.createTask(slowWithCleanup);
    });
  } catch (e) {
    log(`group raised ${typeName(e)} ${groupErrors(e)}`);
  }
}

async function scenarioOk(): Promise<void> {
  log("-- all succeed");
  let a: Task<string> | undefined;
  let b: Task<string> | undefined;
  await taskGroup((tg) => {
    a = tg.createTask(quick);
    b = tg.createTask(async () => {
      await sleep(2000);
      return "sleepy";
    });
  });
  log(`results ${a!.result()} ${b!.result()}`);
}

async function scenarioOuterCancel(): Promise<void> {
  log("-- parent cancelled from outside");
  const t = createTask(() =>
    taskGroup((tg) => {
      tg.createTask(slowWithCleanup);
      tg.createTask(slowWithCleanup);
    })
  );
  await sleep(1000);
  t.cancel();
  try {
    await t;
  } catch (e) {
    log(`parent raised ${typeName(e)}`);
  }
  log(`parent cancelled=${py(t.cancelled())}`);
}

async function scenarioBodyRaises(): Promise<void> {
  log("-- the body raises; a child's cleanup raises too");
  const badCleanup = async () => {
    try {
      await sleep(100_000);
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      log("bad_cleanup cancelled");
      await sleep(1000);
      throw new KeyError("cleanup");
    }
  };
  try {
    await taskGroup(async (tg) => {
      tg.createTask(badCleanup);
      tg.createTask(slowWithCleanup);
      await sleep(1000);
      log("body raising ValueError");
      throw new ValueError("body");
    });
  } catch (e) {
    log(`group raised ${typeName(e)} ${groupErrors(e)}`);
  }
}

await run(async () => {
  await scenarioBodyRaises();
  await scenarioOneFailure();
  await scenarioTwoFailuresSameTick();
  await scenarioOk();
  await scenarioOuterCancel();
}, { clock: new VirtualClock() });
