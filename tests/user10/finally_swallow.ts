// Port of finally_swallow.py: deadlines during finally blocks, and code that
// swallows a cancellation inside a timeout.
import { CancelledError, sleep, timeout } from "@aio/asyncio";
import { Boom, ename, type Log, main, MoveOn, moveOnAfter } from "./_tl.ts";

export function program(l: Log): Promise<void> {
  return (async () => {
    l.scenario(
      "F1 deadline fires during a finally's await (try ended normally)",
    );
    {
      const scope = await moveOnAfter(1000, async () => {
        try {
          await sleep(500);
          l.log("F1 body done");
        } finally {
          l.log("F1 finally start");
          try {
            await sleep(2000);
            l.log("F1 finally not reached");
          } catch (e) {
            l.log(`F1 finally raised ${ename(e)}`);
            // deno-lint-ignore no-unsafe-finally
            throw e;
          }
        }
      });
      l.log(`F1 caught=${scope.caught}`);
    }

    l.scenario("F2 deadline fires during a finally while Boom propagates");
    try {
      const scope = await moveOnAfter(1000, async () => {
        try {
          await sleep(500);
          l.log("F2 raising Boom");
          throw new Boom();
        } finally {
          await sleep(2000);
        }
      });
      l.log(`F2 caught=${scope.caught} (Boom is lost)`);
    } catch (e) {
      l.log(`F2 raised ${ename(e)}`);
    }

    l.scenario("F3 finally after the deadline awaits again");
    {
      const scope = await moveOnAfter(1000, async () => {
        try {
          await sleep(5000);
        } finally {
          l.log("F3 finally start");
          try {
            await sleep(500);
            l.log("F3 finally done");
          } catch (e) {
            l.log(`F3 finally raised ${ename(e)}`);
            // deno-lint-ignore no-unsafe-finally
            throw e;
          }
        }
      });
      l.log(`F3 caught=${scope.caught}`);
    }

    l.scenario("W1 swallow the cancellation and end the block");
    {
      const scope = await moveOnAfter(1000, async () => {
        try {
          await sleep(5000);
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          l.log("W1 swallowed");
        }
        l.log("W1 block ends");
      });
      l.log(`W1 caught=${scope.caught} called=${scope.called}`);
    }

    l.scenario("W2 swallow, then await again in the same scope");
    {
      const scope = await moveOnAfter(1000, async () => {
        try {
          await sleep(5000);
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          l.log("W2 swallowed");
        }
        try {
          await sleep(1000);
          l.log("W2 second sleep done");
        } catch (e) {
          l.log(`W2 second sleep raised ${ename(e)}`);
          throw e;
        }
      });
      l.log(`W2 caught=${scope.caught} called=${scope.called}`);
    }

    l.scenario("W3 inner scope swallows the outer deadline's cancellation");
    {
      const inner = new MoveOn();
      const outer = await moveOnAfter(1000, async () => {
        await moveOnAfter(5000, async () => {
          try {
            await sleep(10_000);
          } catch (e) {
            if (!(e instanceof CancelledError)) throw e;
            l.log("W3 swallowed in inner");
          }
        }, inner);
        l.log(`W3 inner caught=${inner.caught} called=${inner.called}`);
        try {
          await sleep(1000);
          l.log("W3 outer body sleep done");
        } catch (e) {
          l.log(`W3 outer body sleep raised ${ename(e)}`);
          throw e;
        }
      });
      l.log(`W3 outer caught=${outer.caught} called=${outer.called}`);
    }

    l.scenario("W4 fail_after whose body swallows: no TooSlowError");
    try {
      const value = await timeout(1000, async () => {
        try {
          await sleep(5000);
        } catch (e) {
          if (!(e instanceof CancelledError)) throw e;
          l.log("W4 swallowed");
        }
        return "value";
      });
      l.log(`W4 returned ${value}`);
    } catch (e) {
      l.log(`W4 raised ${ename(e)}`);
    }

    l.scenario("W5 swallow and raise another error instead");
    {
      const scope = new MoveOn();
      try {
        await moveOnAfter(1000, async () => {
          try {
            await sleep(5000);
          } catch (e) {
            if (!(e instanceof CancelledError)) throw e;
            l.log("W5 raising Boom instead");
            throw new Boom();
          }
        }, scope);
      } catch (e) {
        l.log(`W5 raised ${ename(e)} caught=${scope.caught}`);
      }
    }
  })();
}

if (import.meta.main) console.log((await main(program)).join("\n"));
