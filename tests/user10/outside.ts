// Port of outside.py. aio's scopes have no cancel(): trio's
// `with CancelScope() as s` is `timeout(null, (s) => ...)` and `s.cancel()`
// is `s.reschedule(loop.time())` ("A deadline in the past expires the scope
// in the next tick"), which ends the block with a TimeoutError that
// moveOnAfter() catches.
import { getRunningLoop, sleep, taskGroup, type Timeout } from "@aio/asyncio";
import { ename, type Log, main, MoveOn, moveOnAfter } from "./_tl.ts";

const cancel = (s: Timeout) => s.reschedule(getRunningLoop().time());

export function program(l: Log): Promise<void> {
  return (async () => {
    l.scenario("X1 another task cancels a scope");
    {
      let held: Timeout | undefined;
      await taskGroup(async (tg) => {
        tg.createTask(async () => {
          const s = await moveOnAfter(null, async (s) => {
            held = s;
            try {
              await sleep(10_000);
            } catch (e) {
              l.log(`X1 victim sleep raised ${ename(e)}`);
              throw e;
            }
          });
          l.log(`X1 victim caught=${s.caught} called=${s.called}`);
          await sleep(1000);
          l.log("X1 victim goes on after its scope");
        });
        await sleep(1000);
        l.log("X1 cancelling");
        cancel(held!);
      });
      l.log("X1 nursery done");
    }

    l.scenario("X2 cancel own scope, then sleep(0)");
    {
      const s = await moveOnAfter(null, async (s) => {
        await sleep(1000);
        cancel(s);
        l.log("X2 cancelled");
        try {
          await sleep(0);
          l.log("X2 sleep(0) not cancelled");
        } catch (e) {
          l.log(`X2 sleep(0) raised ${ename(e)}`);
          throw e;
        }
      });
      l.log(`X2 caught=${s.caught}`);
    }

    l.scenario("X3 the body cancels its own nursery");
    {
      const child = (name: string) => async () => {
        try {
          await sleep(10_000);
        } catch (e) {
          l.log(`X3 ${name} raised ${ename(e)}`);
          throw e;
        }
      };
      try {
        const n = await moveOnAfter(null, (s) =>
          taskGroup(async (tg) => {
            tg.createTask(child("c1"));
            tg.createTask(child("c2"));
            await sleep(1000);
            l.log("X3 cancelling the nursery");
            cancel(s);
          }));
        l.log(`X3 nursery exits quietly, caught=${n.caught}`);
      } catch (e) {
        l.log(`X3 nursery raised ${ename(e)}`);
      }
    }

    l.scenario("X4 another task cancels the outer of two nested scopes");
    {
      let held: Timeout | undefined;
      await taskGroup(async (tg) => {
        tg.createTask(async () => {
          const inner = new MoveOn();
          const outer = await moveOnAfter(null, async (s) => {
            held = s;
            await moveOnAfter(5000, () => sleep(10_000), inner);
            l.log("X4 not reached");
          });
          l.log(`X4 inner caught=${inner.caught} outer caught=${outer.caught}`);
        });
        await sleep(1000);
        cancel(held!);
      });
    }

    l.scenario("X5 cancelled while running between awaits");
    {
      let held: Timeout | undefined;
      await taskGroup((tg) => {
        tg.createTask(async () => {
          const s = await moveOnAfter(null, async (s) => {
            held = s;
            await sleep(1000);
            l.log("X5 busy resumed, about to sleep again");
            try {
              await sleep(1000);
              l.log("X5 not reached");
            } catch (e) {
              l.log(`X5 second sleep raised ${ename(e)}`);
              throw e;
            }
          });
          l.log(`X5 caught=${s.caught}`);
        });
        tg.createTask(async () => {
          await sleep(1000);
          l.log("X5 cancelling");
          cancel(held!);
        });
      });
    }
  })();
}

if (import.meta.main) console.log((await main(program)).join("\n"));
