// Port of zero_deadline.py: timeout(0), and a deadline moved into the past.
import {
  Event,
  getRunningLoop,
  Lock,
  Queue,
  sleep,
  timeout,
} from "@aio/asyncio";
import { ename, type Log, main, moveOnAfter } from "./_tl.ts";

export function program(l: Log): Promise<void> {
  return (async () => {
    l.scenario("Z1 move_on_after(0), body with no await");
    {
      const s = await moveOnAfter(0, async () => {
        l.log("Z1 body");
      });
      l.log(`Z1 caught=${s.caught}`);
    }

    l.scenario("Z2 move_on_after(0), body sleeps 0");
    {
      const s = await moveOnAfter(0, async () => {
        await sleep(0);
        l.log("Z2 after sleep");
      });
      l.log(`Z2 caught=${s.caught}`);
    }

    l.scenario("Z3 move_on_after(0), body waits on a set Event");
    {
      const ev = new Event();
      ev.set();
      const s = await moveOnAfter(0, async () => {
        await ev.wait();
        l.log("Z3 after wait");
      });
      l.log(`Z3 caught=${s.caught}`);
    }

    l.scenario(
      "Z4 fail_after(0), body receives from a channel holding an item",
    );
    {
      const q = new Queue<number>(1);
      q.putNowait(1);
      try {
        await timeout(0, async () => {
          const x = await q.get();
          l.log(`Z4 got ${x}`);
        });
      } catch (e) {
        l.log(`Z4 raised ${ename(e)}`);
      }
      l.log(`Z4 items left=${q.qsize()}`);
    }

    l.scenario(
      "Z5 deadline moved into the past, then a free lock is acquired",
    );
    {
      const lock = new Lock();
      const s = await moveOnAfter(10_000, async (s) => {
        await sleep(1000);
        s.reschedule(getRunningLoop().time());
        using _ = await lock.lock();
        l.log("Z5 got the lock");
      });
      l.log(`Z5 caught=${s.caught}`);
    }
  })();
}

if (import.meta.main) console.log((await main(program)).join("\n"));
