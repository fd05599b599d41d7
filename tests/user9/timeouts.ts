// aio port of timeouts.py.
import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import {
  CancelledError,
  createTask,
  run,
  sleep,
  type Timeout,
  timeout,
  TimeoutError,
  waitFor,
} from "@aio/asyncio/task";
import { log, py } from "./_log.ts";

async function workerWithCleanup(
  name: string,
  work: number,
  cleanup: number,
): Promise<string> {
  try {
    await sleep(work * 1000);
    log(`${name} finished work`);
    return `${name}-result`;
  } catch (e) {
    if (e instanceof CancelledError) {
      log(`${name} cancelled; cleaning up`);
      await sleep(cleanup * 1000);
      log(`${name} cleanup done`);
    }
    throw e;
  }
}

async function nestedTimeouts(): Promise<void> {
  log("-- nested timeouts");
  let outer: Timeout | undefined;
  try {
    await timeout(5000, async (o) => {
      outer = o;
      let inner: Timeout | undefined;
      try {
        await timeout(1000, async (i) => {
          inner = i;
          await sleep(10_000);
        });
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        log(
          `inner TimeoutError expired=${py(inner!.expired())} outer.expired=${
            py(o.expired())
          }`,
        );
      }
      await sleep(10_000);
    });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    log(`outer TimeoutError expired=${py(outer!.expired())}`);
  }
}

async function outerFiresFirst(): Promise<void> {
  log("-- outer deadline inside a longer inner one");
  let outer: Timeout | undefined;
  try {
    await timeout(1000, async (o) => {
      outer = o;
      let inner: Timeout | undefined;
      try {
        await timeout(5000, async (i) => {
          inner = i;
          await sleep(10_000);
        });
      } catch (e) {
        if (e instanceof TimeoutError) log("inner TimeoutError (unexpected)");
        if (e instanceof CancelledError) {
          log(
            `inner saw CancelledError, inner.expired=${py(inner!.expired())}`,
          );
        }
        throw e;
      }
    });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    log(`outer TimeoutError expired=${py(outer!.expired())}`);
  }
}

async function reschedule(): Promise<void> {
  log("-- reschedule");
  const loop = getRunningLoop();
  await timeout(1000, async (cm) => {
    cm.reschedule(loop.time() + 3000);
    await sleep(2000);
    log(`survived, when=${cm.when()! / 1000} expired=${py(cm.expired())}`);
  });
  try {
    await timeout(null, async (cm) => {
      cm.reschedule(loop.time() + 1000);
      await sleep(5000);
    });
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    log("None then rescheduled: TimeoutError");
  }
}

async function waitForCleanup(): Promise<void> {
  log("-- wait_for waits for cleanup");
  try {
    await waitFor(() => workerWithCleanup("w1", 10, 2), 1000);
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    log("wait_for TimeoutError");
  }
  const r = await waitFor(() => workerWithCleanup("w2", 1, 0), 5000);
  log(`wait_for ok ${r}`);
}

async function waitForSwallow(): Promise<void> {
  log("-- inner swallows the cancellation");
  const stubborn = async () => {
    try {
      await sleep(10_000);
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      log("stubborn swallowed");
      return "swallowed-value";
    }
    return "not-cancelled";
  };
  const r = await waitFor(stubborn, 1000);
  log(`wait_for returned ${r}`);
}

async function nestedWaitFor(): Promise<void> {
  log("-- wait_for inside timeout");
  try {
    await timeout(
      2000,
      () => waitFor(() => workerWithCleanup("w3", 10, 1), 5000),
    );
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    log("timeout around wait_for: TimeoutError");
  }
  try {
    await waitFor(waitFor(sleep(10_000), 1000), 5000);
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    log("wait_for(wait_for) inner: TimeoutError");
  }
}

async function cancelInsideTimeout(): Promise<void> {
  log("-- task cancelled while inside a timeout");
  const t = createTask(async () => {
    try {
      await timeout(5000, () => sleep(10_000));
    } catch (e) {
      if (e instanceof TimeoutError) log("body TimeoutError (unexpected)");
      if (e instanceof CancelledError) log("body CancelledError");
      throw e;
    }
  });
  await sleep(1000);
  t.cancel();
  try {
    await t;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    log(`task cancelled=${py(t.cancelled())}`);
  }
}

await run(async () => {
  await nestedTimeouts();
  await outerFiresFirst();
  await reschedule();
  await waitForCleanup();
  await waitForSwallow();
  await nestedWaitFor();
  await cancelInsideTimeout();
}, { clock: new VirtualClock() });
