// Port of shield.py: trio's CancelScope(shield=True) cleanup, with aio's
// shield(). S2 and S4 use the README's recipe (shielded() in _tl.ts); S3
// uses a single `await shield(() => cleanup())`, a trio user's first guess,
// and S3b `await shield(cleanup())`, asyncio's `shield(coro())`.
import { Condition, createTask, shield, sleep, taskGroup } from "@aio/asyncio";
import { ename, type Log, main, MoveOn, moveOnAfter, shielded } from "./_tl.ts";

export function program(l: Log): Promise<void> {
  async function cleanup(name: string, ms: number, innerDeadline?: number) {
    l.log(`${name} cleanup start`);
    if (innerDeadline === undefined) {
      await sleep(ms);
      l.log(`${name} cleanup done`);
    } else {
      const s = await moveOnAfter(innerDeadline, () => sleep(ms));
      l.log(`${name} cleanup done, its own deadline caught=${s.caught}`);
    }
  }

  async function work(
    name: string,
    ms: number,
    innerDeadline?: number,
    form: "recipe" | "fn" | "promise" = "recipe",
  ) {
    try {
      await sleep(10_000);
    } finally {
      if (form === "fn") await shield(() => cleanup(name, ms, innerDeadline));
      else if (form === "promise") {
        await shield(cleanup(name, ms, innerDeadline));
      } else await shielded(() => cleanup(name, ms, innerDeadline));
    }
  }

  return (async () => {
    l.scenario("S1 deadline; shielded cleanup runs to its end");
    {
      const scope = await moveOnAfter(1000, () => work("S1", 2000));
      l.log(`S1 scope caught=${scope.caught}`);
    }

    for (const tag of ["S2", "S3", "S3b"] as const) {
      l.scenario(`${tag} outer deadline fires during the shielded cleanup`);
      try {
        const inner = new MoveOn();
        const outer = await moveOnAfter(2000, async () => {
          await moveOnAfter(
            1000,
            () =>
              work(
                tag,
                2000,
                undefined,
                {
                  S2: "recipe" as const,
                  S3: "fn" as const,
                  S3b: "promise" as const,
                }[tag],
              ),
            inner,
          );
          l.log(`${tag} not reached`);
        });
        l.log(
          `${tag} inner caught=${inner.caught} outer caught=${outer.caught}`,
        );
      } catch (e) {
        l.log(`${tag} raised ${ename(e)}`);
      }
      await sleep(5000);
      l.log(`${tag} end`);
    }

    l.scenario("S4 task cancelled from outside during shielded cleanup");
    {
      const child = createTask(async () => {
        try {
          await work("S4", 2000);
        } catch (e) {
          l.log(`S4 child ends with ${ename(e)}`);
          throw e;
        }
      });
      await sleep(1000);
      l.log("S4 cancelling");
      child.cancel();
      try {
        await child;
      } catch {
        // trio's nursery absorbs its own cancellation
      }
      l.log("S4 nursery done");
    }

    l.scenario("S5 a deadline inside the shield still works");
    {
      const scope = await moveOnAfter(1000, () => work("S5", 5000, 500));
      l.log(`S5 scope caught=${scope.caught}`);
    }

    l.scenario("S6 Condition.wait cancelled: takes the lock back first");
    {
      const cond = new Condition();
      await taskGroup((tg) => {
        tg.createTask(async () => {
          const scope = await moveOnAfter(1000, async () => {
            using _ = await cond.lock();
            l.log("S6 waiter has the lock, waits");
            try {
              await cond.wait();
            } catch (e) {
              l.log(
                `S6 waiter wait raised ${
                  ename(e)
                }, holds lock=${cond.locked()}`,
              );
              throw e;
            }
          });
          l.log(`S6 waiter caught=${scope.caught}`);
        });
        tg.createTask(async () => {
          await sleep(500);
          using _ = await cond.lock();
          l.log("S6 holder has the lock");
          await sleep(2500);
          l.log("S6 holder releases");
        });
      });
    }
  })();
}

if (import.meta.main) console.log((await main(program)).join("\n"));
