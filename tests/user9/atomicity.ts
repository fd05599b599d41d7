// aio port of atomicity.py.
import { VirtualClock } from "@aio/asyncio/loop";
import { createTask, gather, run, sleep } from "@aio/asyncio/task";
import { Event, Lock, Queue } from "@aio/asyncio/sync";
import { log } from "./_log.ts";

await run(async () => {
  const ev = new Event();
  ev.set();
  const q = new Queue<number>();
  for (let i = 0; i < 10; i++) q.putNowait(i);
  const lock = new Lock();
  const doneTask = createTask(() => sleep(0));
  await doneTask;
  const counters: Record<string, number> = {
    event: 0,
    queue: 0,
    task: 0,
    lock: 0,
  };

  const bump = async (
    name: string,
    kind: string,
    ready: () => Promise<unknown>,
  ) => {
    await sleep(1000);
    const v = counters[kind]!;
    log(`${name} ${kind} read ${v}`);
    await ready();
    counters[kind] = v + 1;
    log(`${name} ${kind} wrote ${v + 1}`);
  };

  const withLock = async () => {
    using _ = await lock.lock();
  };

  const kinds: [string, () => Promise<unknown>][] = [
    ["event", () => ev.wait()],
    ["queue", () => q.get()],
    ["task", () => doneTask],
    ["lock", withLock],
  ];
  for (const [kind, ready] of kinds) {
    await gather(() => bump("a", kind, ready), () => bump("b", kind, ready));
    log(`${kind} counter=${counters[kind]}`);
  }
}, { clock: new VirtualClock() });
