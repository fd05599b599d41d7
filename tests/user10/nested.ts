// Port of nested.py: nested move_on_after / fail_after.
import { sleep, timeout } from "@aio/asyncio";
import { ename, type Log, main, MoveOn, moveOnAfter } from "./_tl.ts";

export function program(l: Log): Promise<void> {
  return (async () => {
    l.scenario("A inner earlier (move_on_after 2 > move_on_after 1)");
    {
      const inner = new MoveOn();
      const outer = await moveOnAfter(2000, async () => {
        await moveOnAfter(1000, async () => {
          await sleep(5000);
          l.log("A not reached");
        }, inner);
        l.log(`A inner caught=${inner.caught} called=${inner.called}`);
        await sleep(5000);
        l.log("A not reached 2");
      });
      l.log(`A outer caught=${outer.caught} called=${outer.called}`);
    }

    l.scenario("B outer earlier (move_on_after 1 > move_on_after 2)");
    {
      const inner = new MoveOn();
      const outer = await moveOnAfter(1000, async () => {
        try {
          await moveOnAfter(2000, () => sleep(5000), inner);
        } finally {
          l.log(`B inner caught=${inner.caught} called=${inner.called}`);
        }
        l.log("B not reached");
      });
      l.log(`B outer caught=${outer.caught} called=${outer.called}`);
    }

    l.scenario("C same deadline (move_on_after 1 > move_on_after 1)");
    {
      const inner = new MoveOn();
      const outer = await moveOnAfter(1000, async () => {
        try {
          await moveOnAfter(1000, () => sleep(5000), inner);
        } finally {
          l.log(`C inner caught=${inner.caught} called=${inner.called}`);
        }
        l.log("C after inner");
      });
      l.log(`C outer caught=${outer.caught} called=${outer.called}`);
    }

    l.scenario("D fail_after 1 inside move_on_after 2");
    {
      const outer = await moveOnAfter(2000, async () => {
        try {
          await timeout(1000, () => sleep(5000));
        } catch (e) {
          l.log(`D inner raised ${ename(e)}`);
        }
        await sleep(5000);
      });
      l.log(`D outer caught=${outer.caught}`);
    }

    l.scenario("E move_on_after 2 inside fail_after 1");
    try {
      await timeout(1000, async () => {
        const inner = new MoveOn();
        try {
          await moveOnAfter(2000, () => sleep(5000), inner);
        } catch (e) {
          l.log(`E inner raised ${ename(e)} caught=${inner.caught}`);
          throw e;
        }
      });
    } catch (e) {
      l.log(`E outer raised ${ename(e)}`);
    }

    l.scenario("F fail_after 1 inside fail_after 1");
    try {
      await timeout(1000, async () => {
        try {
          await timeout(1000, () => sleep(5000));
        } catch (e) {
          l.log(`F inner raised ${ename(e)}`);
          throw e;
        }
      });
    } catch (e) {
      l.log(`F outer raised ${ename(e)}`);
    }

    l.scenario("G three levels, middle earliest");
    {
      const b = new MoveOn();
      const c = new MoveOn();
      const a = await moveOnAfter(3000, async () => {
        await moveOnAfter(1000, async () => {
          await moveOnAfter(2000, () => sleep(5000), c);
          l.log("G not reached");
        }, b);
        l.log(
          `G b caught=${b.caught} c caught=${c.caught} c called=${c.called}`,
        );
      });
      l.log(`G a caught=${a.caught} a called=${a.called}`);
    }

    l.scenario("H the body's sleep ends exactly at the deadline");
    {
      const s = await moveOnAfter(1000, async () => {
        await sleep(1000);
        l.log("H body done");
      });
      l.log(`H caught=${s.caught}`);
    }
  })();
}

if (import.meta.main) console.log((await main(program)).join("\n"));
