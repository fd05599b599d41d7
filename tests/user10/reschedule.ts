// Port of reschedule.py: trio's `scope.deadline = ...` is aio's
// `scope.reschedule(when)` (loop time in ms; `null` for trio's inf).
import {
  CancelledError,
  getRunningLoop,
  sleep,
  taskGroup,
  type Timeout,
} from "@aio/asyncio";
import { ename, type Log, main, MoveOn, moveOnAfter } from "./_tl.ts";

const now = () => getRunningLoop().time();

function left(s: Timeout): string {
  const when = s.when();
  return when === null ? "none" : String(Math.round(when - now()));
}

export function program(l: Log): Promise<void> {
  return (async () => {
    l.scenario("R1 push the deadline back");
    {
      const s = await moveOnAfter(1000, async (s) => {
        await sleep(500);
        s.reschedule(s.when()! + 2000);
        l.log(`R1 moved, left=${left(s)}`);
        await sleep(2000);
        l.log("R1 slept past the old deadline");
        await sleep(5000);
      });
      l.log(`R1 caught=${s.caught}`);
    }

    l.scenario("R2 pull the deadline into the past, then await");
    {
      const s = await moveOnAfter(10_000, async (s) => {
        await sleep(1000);
        s.reschedule(now() - 1000);
        l.log("R2 moved into the past");
        try {
          await sleep(1000);
          l.log("R2 not reached");
        } catch (e) {
          l.log(`R2 sleep raised ${ename(e)}`);
          throw e;
        }
      });
      l.log(`R2 caught=${s.caught}`);
    }

    l.scenario("R3 pull the deadline into the past, block ends with no await");
    {
      const s = await moveOnAfter(10_000, async (s) => {
        await sleep(1000);
        s.reschedule(now() - 1000);
        l.log("R3 moved into the past");
      });
      l.log(`R3 caught=${s.caught}`);
      await sleep(1000);
      l.log("R3 next sleep ok");
    }

    l.scenario("R4 remove the deadline");
    {
      const s = await moveOnAfter(1000, async (s) => {
        s.reschedule(null);
        l.log(`R4 left=${left(s)}`);
        await sleep(5000);
        l.log("R4 slept");
      });
      l.log(`R4 caught=${s.caught}`);
    }

    l.scenario("R5 move the deadline after it fired");
    {
      const s = await moveOnAfter(1000, async (s) => {
        try {
          await sleep(5000);
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          try {
            s.reschedule(null);
            l.log("R5 moved");
          } catch (e2) {
            l.log(`R5 moving raised ${ename(e2)}`);
          }
          throw e;
        }
      });
      l.log(`R5 caught=${s.caught}`);
    }

    l.scenario("R6 another task moves the deadline");
    {
      const scopes: Timeout[] = [];
      await taskGroup(async (tg) => {
        tg.createTask(async () => {
          const s = await moveOnAfter(10_000, async (s) => {
            scopes.push(s);
            await sleep(20_000);
          });
          l.log(`R6 sleeper caught=${s.caught}`);
        });
        await sleep(1000);
        scopes[0]!.reschedule(now() + 1000);
        l.log(`R6 moved from outside, left=${left(scopes[0]!)}`);
      });
    }

    l.scenario("R7 push an inner deadline past the outer one");
    {
      const inner = new MoveOn();
      const outer = await moveOnAfter(2000, async () => {
        await moveOnAfter(1000, async (s) => {
          s.reschedule(s.when()! + 5000);
          await sleep(10_000);
        }, inner);
        l.log("R7 not reached");
      });
      l.log(`R7 inner caught=${inner.caught} outer caught=${outer.caught}`);
    }
  })();
}

if (import.meta.main) console.log((await main(program)).join("\n"));
