// aio port of coord.py.
import { VirtualClock } from "@aio/asyncio/loop";
import {
  CancelledError,
  createTask,
  gather,
  run,
  sleep,
  TimeoutError,
  waitFor,
} from "@aio/asyncio/task";
import {
  Barrier,
  BoundedSemaphore,
  BrokenBarrierError,
  Condition,
  Event,
  Lock,
  Semaphore,
} from "@aio/asyncio/sync";
import { log, py, typeName } from "./_log.ts";

async function eventDemo(): Promise<void> {
  log("-- event");
  const go = new Event();
  const runner = async (name: string) => {
    log(`${name} waiting`);
    await go.wait();
    log(`${name} released is_set=${py(go.isSet())}`);
  };
  const tasks = [0, 1, 2].map((i) => createTask(() => runner(`r${i}`)));
  await sleep(1000);
  log("setting");
  go.set();
  log("set returned");
  await gather(tasks);
  go.clear();
  try {
    await waitFor(go.wait(), 1000);
  } catch (e) {
    if (!(e instanceof TimeoutError)) throw e;
    log(`cleared event wait timed out is_set=${py(go.isSet())}`);
  }
}

async function conditionDemo(): Promise<void> {
  log("-- condition");
  const cond = new Condition(new Lock());
  const items: string[] = [];
  const consumer = async (name: string) => {
    using _ = await cond.lock();
    const got = await cond.waitFor(() => items.length ? items : null);
    const item = items.shift();
    log(`${name} took ${item} (rest ${got!.length})`);
  };
  const consumers = [0, 1, 2].map((i) => createTask(() => consumer(`c${i}`)));
  await sleep(1000);
  {
    using _ = await cond.lock();
    items.push("a");
    cond.notify(1);
    log(`notified 1, locked=${py(cond.locked())}`);
  }
  await sleep(1000);
  {
    using _ = await cond.lock();
    items.push("b", "c");
    cond.notifyAll();
    log("notified all");
  }
  await gather(consumers);

  const w = createTask(async () => {
    using _ = await cond.lock();
    try {
      await cond.wait();
    } catch (e) {
      if (e instanceof CancelledError) {
        log(`cancelled waiter holds lock again: ${py(cond.locked())}`);
      }
      throw e;
    }
  });
  await sleep(1000);
  w.cancel();
  await gather([w], { returnExceptions: true });
  log(`after cancel locked=${py(cond.locked())}`);
}

async function semaphoreDemo(): Promise<void> {
  log("-- semaphore");
  const sem = new Semaphore(2);
  let active = 0;
  let peak = 0;
  const job = async (i: number) => {
    using _ = await sem.lock();
    active += 1;
    peak = Math.max(peak, active);
    log(`job${i} in (active=${active})`);
    await sleep((1 + i % 2) * 1000);
    active -= 1;
    log(`job${i} out`);
  };
  await gather([0, 1, 2, 3, 4].map((i) => () => job(i)));
  log(`peak=${peak} locked=${py(sem.locked())}`);
  const bsem = new BoundedSemaphore(1);
  try {
    bsem.release();
  } catch (e) {
    log(`bounded release: ${typeName(e)}`);
  }
}

async function barrierDemo(): Promise<void> {
  log("-- barrier");
  const barrier = new Barrier(3);
  const party = async (name: string, delay: number) => {
    await sleep(delay * 1000);
    log(`${name} arrives (n_waiting=${barrier.nWaiting})`);
    const idx = await barrier.wait();
    log(`${name} passes with index ${idx}`);
    return idx;
  };
  const indices = await gather(
    () => party("p0", 1),
    () => party("p1", 2),
    () => party("p2", 3),
  );
  log(`indices [${indices.join(", ")}]`);

  const t = createTask(async () => {
    try {
      await barrier.wait();
    } catch (e) {
      if (!(e instanceof BrokenBarrierError)) throw e;
      log(`stuck waiter: ${typeName(e)}`);
    }
  });
  await sleep(1000);
  barrier.abort();
  await t;
  log(`broken=${py(barrier.broken)}`);
  try {
    await barrier.wait();
  } catch (e) {
    if (!(e instanceof BrokenBarrierError)) throw e;
    log(`wait on broken barrier: ${typeName(e)}`);
  }
  barrier.reset();
  log(`after reset broken=${py(barrier.broken)}`);
}

await run(async () => {
  await eventDemo();
  await conditionDemo();
  await semaphoreDemo();
  await barrierDemo();
}, { clock: new VirtualClock() });
