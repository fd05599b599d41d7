// aio port of misc.py.
import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import {
  CancelledError,
  createTask,
  currentTask,
  gather,
  run,
  sleep,
  timeout,
  TimeoutError,
  wait,
} from "@aio/asyncio/task";
import { log, py, pyList, typeName } from "./_log.ts";

class LookupError extends Error {}

async function roundRobin(): Promise<void> {
  log("-- sleep(0) round robin");
  const spin = async (name: string) => {
    for (let i = 0; i < 3; i++) {
      log(`${name}${i}`);
      await sleep(0);
    }
  };
  await gather(() => spin("a"), () => spin("b"), () => spin("c"));
}

async function cancelMessage(): Promise<void> {
  log("-- cancel message and swallowed cancellation");
  const t = createTask(() => sleep(10_000));
  await sleep(0);
  t.cancel("stop now");
  try {
    await t;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    log(`cancelled with args=('${e.message}',)`);
  }

  const s = createTask(async () => {
    try {
      await sleep(10_000);
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      log(`stubborn caught, cancelling()=${currentTask()!.cancelling()}`);
      await sleep(1000);
      return "kept going";
    }
    return "not cancelled";
  });
  await sleep(1000);
  s.cancel();
  log(`stubborn -> ${await s} cancelled=${py(s.cancelled())}`);
}

async function waitFirstException(): Promise<void> {
  log("-- wait FIRST_EXCEPTION");
  const job = async (d: number, fail: boolean) => {
    await sleep(d * 1000);
    if (fail) throw new LookupError(String(d));
    return d;
  };
  const tasks = [1, 2, 3].map((d) =>
    createTask(() => job(d, d === 2), { name: `j${d}` })
  );
  let { done, pending } = await wait(tasks, { returnWhen: "FIRST_EXCEPTION" });
  const names = (s: Set<{ name: string }>) =>
    pyList([...s].map((t) => t.name).sort());
  log(`done=${names(done)} pending=${names(pending)}`);
  ({ done, pending } = await wait(pending, { timeout: 500 }));
  log(`after timeout: done=${done.size} pending=${pending.size}`);
  for (const t of pending) t.cancel();
  await wait(pending);
  log(`j3 cancelled=${py(tasks[2]!.cancelled())}`);
  log(`j2 exception=${typeName(tasks[1]!.exception())}`);
}

async function doneCallbacks(): Promise<void> {
  log("-- done callbacks");
  const loop = getRunningLoop();
  const fut = loop.createFuture<number>();
  fut.addDoneCallback((f) => log(`cb1 result=${f.result()}`));
  fut.addDoneCallback(() => log("cb2"));
  loop.callSoon(() => log("call_soon before set"));
  fut.setResult(42);
  loop.callSoon(() => log("call_soon after set"));
  log("set_result returned");
  await sleep(0);
  log("after one tick");
  await sleep(0);
}

async function swallowingTimeout(): Promise<void> {
  log("-- timeout block that swallows its cancellation");
  try {
    await timeout(1000, async (cm) => {
      try {
        await sleep(5000);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        log("swallowed deadline cancellation");
      }
      await sleep(1000);
      log(`block goes on, expired=${py(cm.expired())}`);
    });
    log("block exited normally");
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    log("TimeoutError");
  }
}

await run(async () => {
  await roundRobin();
  await cancelMessage();
  await waitFirstException();
  await doneCallbacks();
  await swallowingTimeout();
}, { clock: new VirtualClock() });
