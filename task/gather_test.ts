import assert from "node:assert/strict";
import {
  EventLoop,
  type ExceptionContext,
  getRunningLoop,
} from "../loop/mod.ts";
import { CancelledError } from "../loop/errors.ts";
import { Future } from "../loop/future.ts";
import { gather } from "./gather.ts";
import { Queue } from "../sync/queue.ts";
import { shield } from "./shield.ts";
import { sleep } from "./sleep.ts";
import { createTask, type Task } from "./task.ts";
import { now, vrun } from "./_test_util.ts";

function after<T>(ms: number, value: T, log?: unknown[]): () => Promise<T> {
  return async () => {
    await sleep(ms);
    log?.push([value, now()]);
    return value;
  };
}

Deno.test("gather() resolves with results in argument order, not completion order", async () => {
  const log: unknown[] = [];
  const result = await vrun(async () => {
    const results = await gather(
      after(30, "a", log),
      after(10, "b", log),
      after(20, "c", log),
    );
    return [results, now()];
  });
  assert.deepEqual(log, [["b", 10], ["c", 20], ["a", 30]]);
  assert.deepEqual(result, [["a", "b", "c"], 30]);
});

Deno.test("gather() accepts tasks, futures, promises and functions together", async () => {
  const result = await vrun(async () => {
    const loop = getRunningLoop();
    const task = createTask(after(5, 1));
    const future = new Future<string>(loop);
    loop.callLater(10, () => future.setResult("f"));
    const results: [number, string, boolean, null] = await gather(
      task,
      future,
      Promise.resolve(true),
      () => null,
    );
    return results;
  });
  assert.deepEqual(result, [1, "f", true, null]);
});

Deno.test("gather() with an iterable keeps its order", async () => {
  const result = await vrun(() =>
    gather(new Set([after(20, 1), after(10, 2), after(0, 3)]))
  );
  assert.deepEqual(result, [1, 2, 3]);
});

Deno.test("gather() with nothing resolves with an empty array", () => {
  using _loop = new EventLoop();
  const empty = gather();
  assert.deepEqual(empty.result(), []);
  assert.deepEqual(gather([]).result(), []);
});

Deno.test("the same future given twice is awaited once and appears twice", async () => {
  let runs = 0;
  const result = await vrun(() => {
    const t = createTask(async () => {
      runs++;
      await sleep(1);
      return runs;
    });
    return gather(t, t, t);
  });
  assert.deepEqual(result, [1, 1, 1]);
  assert.equal(runs, 1);
});

Deno.test("gather() fails with the first error and leaves the other children running", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    const slow = createTask(after(50, "slow", log));
    const failing = async () => {
      await sleep(10);
      throw new RangeError("first");
    };
    try {
      await gather(slow, failing);
    } catch (e) {
      log.push([(e as Error).message, now(), slow.done()]);
    }
    log.push(["slow result", await slow]);
  });
  assert.deepEqual(log, [
    ["first", 10, false],
    ["slow", 50],
    ["slow result", "slow"],
  ]);
});

Deno.test("gather() with returnExceptions puts each error in its place", async () => {
  const result = await vrun(async () => {
    const cancelled = createTask(() => sleep(1000));
    const results = await gather([
      after(10, "ok"),
      async () => {
        await sleep(5);
        throw new RangeError("bad");
      },
      cancelled,
      (async () => {
        await sleep(1);
        cancelled.cancel("stop");
        return "canceller";
      })(),
    ], { returnExceptions: true });
    return results.map((r) =>
      r instanceof Error ? `${r.name}(${r.message})` : r
    );
  });
  assert.deepEqual(result, [
    "ok",
    "RangeError(bad)",
    "CancelledError(stop)",
    "canceller",
  ]);
});

Deno.test("a cancelled child makes gather() fail with CancelledError", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    const child = createTask(() => sleep(1000));
    const other = createTask(after(20, "other"));
    const g = gather(child, other);
    await sleep(10);
    child.cancel("child stopped");
    try {
      await g;
    } catch (e) {
      log.push([(e as Error).name, (e as Error).message, now()]);
    }
    log.push([g.cancelled(), other.done()]);
    await other;
  });
  assert.deepEqual(log, [
    ["CancelledError", "child stopped", 10],
    [true, false],
  ]);
});

for (const returnExceptions of [false, true]) {
  Deno.test(`cancelling the gather cancels every child (returnExceptions: ${returnExceptions})`, async () => {
    const log: unknown[] = [];
    await vrun(async () => {
      const child = (name: string, cleanup: number) => async () => {
        try {
          await sleep(1000);
        } finally {
          await sleep(cleanup);
          log.push([name, "cleaned up", now()]);
        }
      };
      const g = gather([child("a", 5), child("b", 1)], { returnExceptions });
      await sleep(10);
      log.push(["cancel", g.cancel("enough")]);
      try {
        await g;
      } catch (e) {
        log.push([(e as Error).name, (e as Error).message, now()]);
      }
      log.push(["cancel again", g.cancel()]);
      await sleep(10);
    });
    // Without returnExceptions the first cancelled child ends the gather
    // (as in asyncio); with it, the gather waits for every child.
    assert.deepEqual(
      log,
      returnExceptions
        ? [
          ["cancel", true],
          ["b", "cleaned up", 11],
          ["a", "cleaned up", 15],
          ["CancelledError", "enough", 15],
          ["cancel again", false],
        ]
        : [
          ["cancel", true],
          ["b", "cleaned up", 11],
          ["CancelledError", "enough", 11],
          ["cancel again", false],
          ["a", "cleaned up", 15],
        ],
    );
  });
}

Deno.test("cancelling the gather with returnExceptions still ends it cancelled", async () => {
  const result = await vrun(async () => {
    const g = gather([() => sleep(1000), () => sleep(1000)], {
      returnExceptions: true,
    });
    await sleep(1);
    g.cancel();
    try {
      await g;
      return "resolved";
    } catch (e) {
      return (e as Error).name;
    }
  });
  assert.equal(result, "CancelledError");
});

Deno.test("cancelling the task that awaits gather() cancels the children", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    let children: Task<void>[] = [];
    const outer = createTask(async () => {
      children = [createTask(() => sleep(1000)), createTask(() => sleep(2000))];
      await gather(...children);
    });
    await sleep(10);
    outer.cancel();
    await assert.rejects(outer, CancelledError);
    log.push(children.map((c) => c.cancelled()), now());
  });
  assert.deepEqual(log, [[true, true], 10]);
});

Deno.test("a shielded child survives the cancellation of the gather", async () => {
  const result = await vrun(async () => {
    const inner = createTask(after(20, "survived"));
    const g = gather(shield(inner), () => sleep(1000));
    await sleep(10);
    g.cancel();
    await assert.rejects(g, CancelledError);
    return [inner.cancelled(), await inner, now()];
  });
  assert.deepEqual(result, [false, "survived", 20]);
});

Deno.test("cancel() on a gather whose children are all done returns false", async () => {
  await vrun(async () => {
    const loop = getRunningLoop();
    const f = new Future<number>(loop);
    f.setResult(1);
    const g = gather(f);
    assert.equal(g.cancel(), false);
    assert.deepEqual(await g, [1]);
  });
});

Deno.test("errors of children after the first are marked as retrieved", async () => {
  const reports: ExceptionContext[] = [];
  await vrun(async () => {
    getRunningLoop().setExceptionHandler((_loop, ctx) => reports.push(ctx));
    const fail = (ms: number) => async () => {
      await sleep(ms);
      throw new Error(`fail ${ms}`);
    };
    await assert.rejects(gather(fail(1), fail(2)), /fail 1/);
    await sleep(5);
  });
  assert.deepEqual(reports, []);
});

Deno.test("gather() refuses a value that is not awaitable", async () => {
  await vrun(async () => {
    assert.throws(
      () => gather(1 as unknown as Promise<number>),
      /expected a task, future, promise or async function, got number/,
    );
    await sleep(0);
  });
});

Deno.test("gather() runs a function given twice as two tasks", async () => {
  const runs = await vrun(async () => {
    let runs = 0;
    const f = async (): Promise<number> => {
      await sleep(1);
      return ++runs;
    };
    const results = await gather([f, f, f]);
    assert.deepEqual([...results].sort(), [1, 2, 3]);
    return runs;
  });
  assert.equal(runs, 3);
});

Deno.test("a cancel given back by one gather child that never met it is not sent again to a sibling that did", async () => {
  const log = await vrun(async () => {
    const log: string[] = [];
    const queue = new Queue<number>();
    // Handed its item before the cancel comes: it returns the item, and
    // gives the cancellation back to the task that awaits the gather.
    const handed = createTask(async () => await queue.get());
    const cleaning = createTask(async () => {
      try {
        await sleep(100);
      } catch (e) {
        log.push((e as Error).name);
      }
      try {
        await sleep(1);
        log.push("cleanup done");
      } catch (e) {
        log.push(`cleanup ${(e as Error).name}`);
      }
      return 3;
    });
    const parent = createTask(() => gather(handed, cleaning));
    await sleep(0);
    queue.putNowait(2);
    parent.cancel();
    await parent.catch((e) => log.push(`parent ${(e as Error).name}`));
    log.push(`cancelling ${cleaning.cancelling()} value ${await cleaning}`);
    return log;
  });
  // CPython 3.13 in the same shape (its queue getter is cancelled instead,
  // and the item stays queued): the same four lines.
  assert.deepEqual(log, [
    "CancelledError",
    "cleanup done",
    "parent CancelledError",
    "cancelling 1 value 3",
  ]);
});
