import assert from "node:assert/strict";
import { getRunningLoop } from "../loop/mod.ts";
import { CancelledError } from "../loop/errors.ts";
import { TimeoutError } from "./errors.ts";
import { Future } from "../loop/future.ts";
import { sleep } from "./sleep.ts";
import { createTask, currentTask } from "./task.ts";
import { type Timeout, timeout, timeoutAt } from "./timeout.ts";
import { now, vrun } from "./_test_util.ts";

Deno.test("timeout() throws TimeoutError at the deadline and marks the scope expired", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    let scope: Timeout | undefined;
    try {
      await timeout(10, async (s) => {
        scope = s;
        try {
          await sleep(10_000);
        } catch (e) {
          events.push(["inner", (e as Error).name, now()]);
          throw e;
        }
      });
    } catch (e) {
      events.push(["outer", (e as Error).name, now()]);
      assert.ok((e as Error).cause instanceof CancelledError);
    }
    events.push(["expired", scope?.expired()]);
  });
  assert.deepEqual(events, [
    ["inner", "CancelledError", 10],
    ["outer", "TimeoutError", 10],
    ["expired", true],
  ]);
});

Deno.test("timeoutAt() uses an absolute deadline and reports it from when()", async () => {
  const result = await vrun(async () => {
    await sleep(5);
    const deadline = now() + 10;
    let scope: Timeout | undefined;
    await assert.rejects(
      timeoutAt(deadline, async (s) => {
        scope = s;
        await sleep(10_000);
      }),
      TimeoutError,
    );
    return [scope?.when(), deadline, now(), scope?.expired()];
  });
  assert.deepEqual(result, [15, 15, 15, true]);
});

Deno.test("timeout() returns the result when the work ends before the deadline", async () => {
  const result = await vrun(async () => {
    let scope: Timeout | undefined;
    const value = await timeout(10_000, async (s) => {
      scope = s;
      await sleep(10);
      return "done";
    });
    return [value, scope?.expired(), scope?.when(), now()];
  });
  assert.deepEqual(result, ["done", false, 10_000, 10]);
});

Deno.test("timeout(null) and timeoutAt(null) set no limit", async () => {
  const result = await vrun(async () => {
    const a = await timeout(null, async (s) => {
      await sleep(100_000);
      return [s.when(), s.expired()];
    });
    const b = await timeoutAt(null, async (s) => {
      await sleep(100_000);
      return [s.when(), s.expired()];
    });
    return [a, b, now()];
  });
  assert.deepEqual(result, [[null, false], [null, false], 200_000]);
});

Deno.test("timeout(0) expires in the next tick, even around sleep(0)", async () => {
  const result = await vrun(async () => {
    const names: string[] = [];
    for (const ms of [0, -11]) {
      try {
        await timeout(ms, () => sleep(0));
      } catch (e) {
        names.push((e as Error).name);
      }
    }
    return [names, now()];
  });
  assert.deepEqual(result, [["TimeoutError", "TimeoutError"], 0]);
});

Deno.test("timeout() lets a foreign error through and does not expire", async () => {
  const result = await vrun(async () => {
    let scope: Timeout | undefined;
    await assert.rejects(
      timeout(10, (s) => {
        scope = s;
        throw new RangeError("foreign");
      }),
      RangeError,
    );
    await sleep(20);
    return scope?.expired();
  });
  assert.equal(result, false);
});

Deno.test("timeout() lets an error raised while cancelling through", async () => {
  await vrun(async () => {
    await assert.rejects(
      timeout(10, async () => {
        try {
          await sleep(1000);
        } finally {
          // deno-lint-ignore no-unsafe-finally
          throw new RangeError("cleanup failed");
        }
      }),
      RangeError,
    );
  });
});

Deno.test("timeout() leaves a cancellation from outside a CancelledError", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    let scope: Timeout | undefined;
    const worker = createTask(() =>
      timeout(10_000, async (s) => {
        scope = s;
        await sleep(100_000);
      })
    );
    await sleep(10);
    worker.cancel("stop");
    try {
      await worker;
    } catch (e) {
      events.push([(e as Error).name, (e as Error).message, now()]);
    }
    events.push(scope?.expired());
  });
  assert.deepEqual(events, [["CancelledError", "stop", 10], false]);
});

Deno.test("timeout() does not turn a self-cancellation into TimeoutError", async () => {
  await vrun(async () => {
    let scope: Timeout | undefined;
    const worker = createTask(async () => {
      await timeout(10_000, async (s) => {
        scope = s;
        currentTask()!.cancel();
        await sleep(10_000);
      });
    });
    await assert.rejects(worker, CancelledError);
    assert.equal(scope?.expired(), false);
    assert.ok(worker.cancelled());
  });
});

Deno.test("a task whose timeout expired is not left cancelled", async () => {
  const result = await vrun(async () => {
    const worker = createTask(async () => {
      await assert.rejects(timeout(1, () => sleep(10_000)), TimeoutError);
      const cancelling = currentTask()!.cancelling();
      await sleep(100);
      return [cancelling, now()];
    });
    const value = await worker;
    return [value, worker.cancelled()];
  });
  assert.deepEqual(result, [[0, 101], false]);
});

Deno.test("nested timeouts with one deadline: only the outer one throws TimeoutError", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    const deadline = now() + 10;
    let inner: Timeout | undefined;
    let outer: Timeout | undefined;
    try {
      await timeoutAt(deadline, async (s1) => {
        outer = s1;
        try {
          await timeoutAt(deadline, async (s2) => {
            inner = s2;
            await sleep(10_000);
          });
        } catch (e) {
          events.push(["inner", (e as Error).name]);
          throw e;
        }
      });
    } catch (e) {
      events.push(["outer", (e as Error).name]);
    }
    events.push([inner?.expired(), outer?.expired()]);
    events.push(["cancelling", currentTask()!.cancelling()]);
    await sleep(1);
    events.push("not cancelled afterwards");
  });
  assert.deepEqual(events, [
    ["inner", "CancelledError"],
    ["outer", "TimeoutError"],
    [true, true],
    ["cancelling", 0],
    "not cancelled afterwards",
  ]);
});

Deno.test("an inner timeout that expired first is caught, then the outer one fires", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    try {
      await timeout(100, async () => {
        try {
          await timeout(10, () => sleep(1000));
        } catch (e) {
          events.push(["inner", (e as Error).name, now()]);
        }
        await sleep(10_000);
        events.push("not reached");
      });
    } catch (e) {
      events.push(["outer", (e as Error).name, now()]);
    }
  });
  assert.deepEqual(events, [
    ["inner", "TimeoutError", 10],
    ["outer", "TimeoutError", 100],
  ]);
});

Deno.test("an outer timeout passes through an inner one with a later deadline", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    try {
      await timeout(10, async () => {
        try {
          await timeout(100, () => sleep(1000));
        } catch (e) {
          events.push(["inner", (e as Error).name, now()]);
          throw e;
        }
      });
    } catch (e) {
      events.push(["outer", (e as Error).name, now()]);
    }
  });
  assert.deepEqual(events, [
    ["inner", "CancelledError", 10],
    ["outer", "TimeoutError", 10],
  ]);
});

Deno.test("a timeout inside a finally block of an expired timeout works", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    try {
      await timeout(10, async () => {
        try {
          await sleep(1000);
        } finally {
          try {
            await timeout(10, () => sleep(10_000));
          } catch (e) {
            events.push(["cleanup", (e as Error).name, now()]);
          }
        }
      });
    } catch (e) {
      events.push(["outer", (e as Error).name, now()]);
    }
  });
  assert.deepEqual(events, [
    ["cleanup", "TimeoutError", 20],
    ["outer", "TimeoutError", 20],
  ]);
});

Deno.test("a timeout entered after a swallowed cancellation still times out", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    const worker = createTask(async () => {
      try {
        currentTask()!.cancel();
        await sleep(1000);
      } catch (e) {
        events.push(["swallowed", (e as Error).name]);
      }
      try {
        await timeout(0, () => sleep(1000));
      } catch (e) {
        events.push(["cleanup", (e as Error).name, now()]);
      }
      try {
        await timeout(1000, async () => {
          currentTask()!.cancel();
          await sleep(2000);
        });
      } catch (e) {
        events.push(["cancelled again", (e as Error).name]);
      }
    });
    await worker;
  });
  assert.deepEqual(events, [
    ["swallowed", "CancelledError"],
    ["cleanup", "TimeoutError", 0],
    ["cancelled again", "CancelledError"],
  ]);
});

Deno.test("Timeout.reschedule() moves and removes the deadline", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    const entered = new Future<Timeout>(getRunningLoop());
    const worker = createTask(() =>
      timeoutAt(10, async (s) => {
        entered.setResult(s);
        await sleep(50);
      })
    );
    const scope = await entered;
    events.push(scope.when());
    scope.reschedule(30);
    events.push(scope.when());
    scope.reschedule(null);
    events.push(scope.when());
    await sleep(20);
    worker.cancel();
    await assert.rejects(worker, CancelledError);
    events.push(scope.expired(), now());
  });
  assert.deepEqual(events, [10, 30, null, false, 20]);
});

Deno.test("Timeout.reschedule() to a later deadline delays the expiry", async () => {
  const result = await vrun(async () => {
    try {
      await timeout(10, async (s) => {
        s.reschedule(now() + 25);
        await sleep(1000);
      });
    } catch (e) {
      return [(e as Error).name, now()];
    }
    return [];
  });
  assert.deepEqual(result, ["TimeoutError", 25]);
});

Deno.test("Timeout.reschedule() to the past expires in the next tick", async () => {
  const result = await vrun(async () => {
    const order: string[] = [];
    try {
      await timeout(1000, async (s) => {
        s.reschedule(now() - 5);
        order.push("rescheduled");
        await sleep(0);
        order.push("not reached");
      });
    } catch (e) {
      order.push((e as Error).name);
    }
    return [order, now()];
  });
  assert.deepEqual(result, [["rescheduled", "TimeoutError"], 0]);
});

Deno.test("Timeout.reschedule() throws after the scope ended", async () => {
  await vrun(async () => {
    let done: Timeout | undefined;
    await timeout(10, (s) => {
      done = s;
    });
    assert.throws(() => done!.reschedule(20), /finished/);
    let expired: Timeout | undefined;
    await assert.rejects(
      timeout(10, async (s) => {
        expired = s;
        await sleep(20);
      }),
      TimeoutError,
    );
    assert.throws(() => expired!.reschedule(20), /expired/);
  });
});

Deno.test("Timeout.reschedule() with NaN or a non-number throws a TypeError and keeps the deadline", async () => {
  const result = await vrun(async () => {
    const errors: string[] = [];
    const outcome = await timeout(10, async (s) => {
      for (
        const bad of [
          NaN,
          "5" as unknown as number,
          undefined as unknown as number,
        ]
      ) {
        try {
          s.reschedule(bad);
        } catch (e) {
          errors.push((e as Error).name);
        }
      }
      const when = s.when();
      await sleep(1000);
      return ["ran past the deadline", when];
    }).catch((e) => [(e as Error).name, now()]);
    return [errors, outcome];
  });
  assert.deepEqual(result, [
    ["TypeError", "TypeError", "TypeError"],
    ["TimeoutError", 10],
  ]);
});

Deno.test("Timeout describes its state", async () => {
  const result = await vrun(async () => {
    const seen: string[] = [];
    let a: Timeout | undefined;
    await timeout(10, (s) => {
      a = s;
      seen.push(String(s));
    });
    seen.push(String(a));
    await timeout(null, (s) => {
      seen.push(String(s));
    });
    return seen;
  });
  assert.deepEqual(result, [
    "Timeout(active, when=10)",
    "Timeout(finished)",
    "Timeout(active)",
  ]);
});

Deno.test("timeout() outside a task throws", async () => {
  const loopRun = vrun(async () => {
    const loop = getRunningLoop();
    const f = new Future<Error | undefined>(loop);
    loop.callSoon(() => {
      timeout(10, () => 1).then(
        () => f.setResult(undefined),
        (e) => f.setResult(e),
      );
    });
    return await f;
  });
  const error = await loopRun;
  assert.match(String(error), /not inside a task/);
});

Deno.test("timeout() rejects a deadline that is not a number", async () => {
  await vrun(() => {
    assert.throws(() => timeout(NaN, () => 1), TypeError);
    assert.throws(
      () => timeoutAt("1" as unknown as number, () => 1),
      TypeError,
    );
    return Promise.resolve();
  });
});

Deno.test("timeout() cancels the work at its next library wait after a native await", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    try {
      await timeout(10, async () => {
        await sleep(5);
        const loop = getRunningLoop();
        await new Promise<void>((resolve) =>
          loop.callLater(15, () => resolve())
        );
        events.push(["after native", now()]);
        await sleep(100);
      });
    } catch (e) {
      events.push([(e as Error).name, now()]);
    }
  });
  assert.deepEqual(events, [["after native", 20], ["TimeoutError", 20]]);
});

Deno.test("an expired timeout turns a cancellation its code met from elsewhere after the deadline into TimeoutError (asyncio, trio)", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    const loop = getRunningLoop();
    const other = new Future<void>(loop);
    loop.callLater(50, () => other.cancel("third party"));
    try {
      await timeout(10, async () => {
        try {
          await sleep(1000);
        } catch {
          events.push(["deadline", now()]);
        }
        await other;
      });
    } catch (e) {
      events.push([(e as Error).name, now()]);
    }
  });
  assert.deepEqual(events, [["deadline", 10], ["TimeoutError", 50]]);
});

Deno.test("a timeout not expired passes on a cancellation its code met from elsewhere", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    const loop = getRunningLoop();
    const other = new Future<void>(loop);
    loop.callLater(5, () => other.cancel("third party"));
    try {
      await timeout(10, () => other);
    } catch (e) {
      events.push([(e as Error).name, (e as Error).message, now()]);
    }
  });
  assert.deepEqual(events, [["CancelledError", "third party", 5]]);
});
