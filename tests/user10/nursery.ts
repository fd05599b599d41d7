// Port of nursery.py: a TaskGroup where one child fails.
import { CancelledError, sleep, taskGroup } from "@aio/asyncio";
import { Boom, ename, type Log, main, moveOnAfter, shielded } from "./_tl.ts";

export function program(l: Log): Promise<void> {
  async function failer(name: string, at: number): Promise<void> {
    await sleep(at);
    l.log(`${name} raising Boom`);
    throw new Boom(name);
  }

  async function slow(name: string, isShielded: boolean): Promise<void> {
    try {
      await sleep(10_000);
      l.log(`${name} not reached`);
    } catch (e) {
      if (e instanceof CancelledError) l.log(`${name} cancelled`);
      throw e;
    } finally {
      l.log(`${name} cleanup start`);
      try {
        if (isShielded) await shielded(() => sleep(500));
        else await sleep(500);
        l.log(`${name} cleanup done`);
      } catch (e) {
        l.log(`${name} cleanup raised ${ename(e)}`);
        // deno-lint-ignore no-unsafe-finally
        throw e;
      }
    }
  }

  async function bodyWait(): Promise<void> {
    try {
      await sleep(5000);
      l.log("body not reached");
    } catch (e) {
      l.log(`body raised ${ename(e)}`);
      throw e;
    }
  }

  return (async () => {
    for (const isShielded of [false, true]) {
      const tag = isShielded ? "N2 shielded" : "N1 unshielded";
      l.scenario(`${tag} cleanup; one child fails`);
      try {
        await taskGroup(async (tg) => {
          tg.createTask(() => slow("s1", isShielded));
          tg.createTask(() => failer("f", 1000));
          tg.createTask(() => slow("s2", isShielded));
          await bodyWait();
        });
      } catch (e) {
        l.log(`nursery raised ${ename(e)}`);
      }
    }

    l.scenario("N3 two children fail at the same time");
    try {
      await taskGroup((tg) => {
        tg.createTask(() => failer("f", 1000));
        tg.createTask(() => failer("f", 1000));
        tg.createTask(() => slow("s", false));
      });
    } catch (e) {
      l.log(`nursery raised ${ename(e)}`);
    }

    l.scenario("N4 the body fails");
    try {
      await taskGroup(async (tg) => {
        tg.createTask(() => slow("s", true));
        await sleep(1000);
        l.log("body raising Boom");
        throw new Boom("body");
      });
    } catch (e) {
      l.log(`nursery raised ${ename(e)}`);
    }

    l.scenario("N5 nested nursery: inner child fails, outer sibling cancelled");
    try {
      await taskGroup(async (outer) => {
        outer.createTask(() => slow("outer-s", true));
        await taskGroup((inner) => {
          inner.createTask(() => slow("inner-s", true));
          inner.createTask(() => failer("f", 1000));
        });
        l.log("not reached");
      });
    } catch (e) {
      l.log(`outer nursery raised ${ename(e)}`);
    }

    l.scenario("N6 deadline cancels a nursery; a child fails while cancelled");
    const failsOnCancel = async () => {
      try {
        await sleep(10_000);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
        l.log("c cancelled, raising Boom instead");
        throw new Boom("c");
      }
    };
    try {
      const scope = await moveOnAfter(1000, () =>
        taskGroup((tg) => {
          tg.createTask(failsOnCancel);
          tg.createTask(() => slow("s", true));
        }));
      l.log(`scope caught=${scope.caught}`);
    } catch (e) {
      l.log(`move_on_after raised ${ename(e)}`);
    }
    try {
      await sleep(100);
      l.log("N6 next sleep ok");
    } catch (e) {
      l.log(`N6 next sleep raised ${ename(e)}`);
    }

    l.scenario("N7 a child fails at the instant the enclosing deadline fires");
    try {
      const scope = await moveOnAfter(1000, () =>
        taskGroup((tg) => {
          tg.createTask(() => failer("f", 1000));
        }));
      l.log(`scope caught=${scope.caught}`);
    } catch (e) {
      l.log(`move_on_after raised ${ename(e)}`);
    }
  })();
}

if (import.meta.main) console.log((await main(program)).join("\n"));
