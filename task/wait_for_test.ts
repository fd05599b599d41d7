import assert from "node:assert/strict";
import { getRunningLoop } from "../loop/mod.ts";
import { CancelledError } from "../loop/errors.ts";
import { TimeoutError } from "./errors.ts";
import { Future } from "../loop/future.ts";
import { shield } from "./shield.ts";
import { sleep } from "./sleep.ts";
import { createTask, currentTask } from "./task.ts";
import { timeout } from "./timeout.ts";
import { waitFor } from "./wait_for.ts";
import { Queue } from "../sync/queue.ts";
import { now, vrun } from "./_test_util.ts";

Deno.test("waitFor() returns the result when the work ends in time", async () => {
  const result = await vrun(async () => {
    const value = await waitFor(async () => {
      await sleep(10);
      return "in time";
    }, 100);
    return [value, now()];
  });
  assert.deepEqual(result, ["in time", 10]);
});

Deno.test("waitFor() cancels the task at the deadline, waits for it, then throws TimeoutError", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    const inner = createTask(async () => {
      try {
        await sleep(10_000);
      } catch (e) {
        events.push(["inner cancelled", now()]);
        await sleep(10); // slow cleanup
        events.push(["inner cleaned up", now()]);
        throw e;
      }
    });
    try {
      await waitFor(inner, 100);
    } catch (e) {
      events.push([(e as Error).name, now(), inner.cancelled()]);
      assert.ok((e as Error).cause instanceof CancelledError);
    }
  });
  assert.deepEqual(events, [
    ["inner cancelled", 100],
    ["inner cleaned up", 110],
    ["TimeoutError", 110, true],
  ]);
});

Deno.test("waitFor() with null waits without limit", async () => {
  const result = await vrun(async () => {
    const value = await waitFor(async () => {
      await sleep(3_600_000);
      return 1;
    }, null);
    return [value, now()];
  });
  assert.deepEqual(result, [1, 3_600_000]);
});

Deno.test("waitFor() with 0 returns the result of a done future at once", async () => {
  const result = await vrun(async () => {
    const f = new Future<string>(getRunningLoop());
    f.setResult("ready");
    return [await waitFor(f, 0), await waitFor(f, -1)];
  });
  assert.deepEqual(result, ["ready", "ready"]);
});

Deno.test("waitFor() with 0 never starts a function", async () => {
  let started = false;
  await vrun(async () => {
    await assert.rejects(
      waitFor(async () => {
        started = true;
        await sleep(1);
      }, 0),
      TimeoutError,
    );
  });
  assert.equal(started, false);
});

Deno.test("waitFor() with 0 cancels a running task and waits for its cleanup", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    const inner = createTask(async () => {
      try {
        await sleep(1000);
      } finally {
        await sleep(5);
        events.push(["cleanup", now()]);
      }
    });
    await sleep(1);
    try {
      await waitFor(inner, 0);
    } catch (e) {
      events.push([(e as Error).name, now(), inner.cancelled()]);
    }
  });
  assert.deepEqual(events, [["cleanup", 6], ["TimeoutError", 6, true]]);
});

Deno.test("waitFor() with 0 returns the value of a task that swallows the cancellation", async () => {
  const result = await vrun(async () => {
    const inner = createTask(async () => {
      try {
        await sleep(1000);
      } catch {
        return "swallowed";
      }
      return "finished";
    });
    await sleep(1);
    return await waitFor(inner, 0);
  });
  assert.equal(result, "swallowed");
});

Deno.test("waitFor() returns the value of a task that returns during its cancellation", async () => {
  const result = await vrun(async () => {
    const inner = createTask(async () => {
      try {
        await sleep(1000);
      } catch {
        return 42;
      }
      return 0;
    });
    try {
      return await waitFor(inner, 10);
    } catch (e) {
      return (e as Error).name;
    }
  });
  // The task was resumed by its own result, not an error: as in asyncio,
  // the value wins.
  assert.equal(result, 42);
});

Deno.test("waitFor() rethrows an error raised while the task was cancelling", async () => {
  await vrun(async () => {
    await assert.rejects(
      waitFor(async () => {
        try {
          await sleep(1000);
        } finally {
          // deno-lint-ignore no-unsafe-finally
          throw new RangeError("during cancellation");
        }
      }, 10),
      RangeError,
    );
  });
});

Deno.test("waitFor() passes the task's own error through", async () => {
  await vrun(async () => {
    await assert.rejects(
      waitFor(async () => {
        await sleep(1);
        throw new SyntaxError("own");
      }, 10),
      SyntaxError,
    );
  });
});

Deno.test("a future completed in the same tick as the deadline wins", async () => {
  const result = await vrun(async () => {
    const loop = getRunningLoop();
    const f = new Future<string>(loop);
    loop.callLater(10, () => f.setResult("just in time"));
    return await waitFor(f, 10);
  });
  // The result was set before the waiter was cancelled: asyncio returns it.
  assert.equal(result, "just in time");
});

Deno.test("cancelling the task in waitFor() cancels the inner task and throws CancelledError", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    const inner = createTask(async () => {
      try {
        await sleep(1000);
      } finally {
        events.push(["inner finally", now()]);
      }
    });
    const outer = createTask(() => waitFor(inner, 500));
    await sleep(10);
    outer.cancel();
    try {
      await outer;
    } catch (e) {
      events.push([(e as Error).name, now(), inner.cancelled()]);
    }
  });
  assert.deepEqual(events, [
    ["inner finally", 10],
    ["CancelledError", 10, true],
  ]);
});

Deno.test("waitFor() on a shielded task times out but leaves the task running", async () => {
  const result = await vrun(async () => {
    const inner = createTask(async () => {
      await sleep(50);
      return "kept";
    });
    await assert.rejects(waitFor(shield(inner), 10), TimeoutError);
    const at = now();
    return [at, await inner, now()];
  });
  assert.deepEqual(result, [10, "kept", 50]);
});

Deno.test("waitFor() on a bare promise stops waiting at the deadline", async () => {
  const result = await vrun(async () => {
    const loop = getRunningLoop();
    const slow = new Promise<string>((resolve) =>
      loop.callLater(100, () => resolve("late"))
    );
    try {
      await waitFor(slow, 10);
    } catch (e) {
      return [(e as Error).name, now(), await slow, now()];
    }
    return [];
  });
  assert.deepEqual(result, ["TimeoutError", 10, "late", 100]);
});

Deno.test("waitFor() called outside a task runs in a task of its own", async () => {
  const result = await vrun(async () => {
    const loop = getRunningLoop();
    const out = new Future<string>(loop);
    loop.callSoon(() => {
      waitFor(() => sleep(100), 10).catch((e) => out.setResult(e.name));
    });
    return [await out, now()];
  });
  assert.deepEqual(result, ["TimeoutError", 10]);
});

Deno.test("waitFor() rejects a limit that is not a number", async () => {
  await vrun(async () => {
    await assert.rejects(waitFor(() => 1, NaN), TypeError);
  });
});

Deno.test("waitFor() on a plain future cancels the future at the deadline", async () => {
  const result = await vrun(async () => {
    const f = new Future<number>(getRunningLoop());
    try {
      await waitFor(f, 10);
    } catch (e) {
      return [(e as Error).name, now(), f.cancelled()];
    }
    return [];
  });
  assert.deepEqual(result, ["TimeoutError", 10, true]);
});

Deno.test("waitFor() inside a timeout: the earlier deadline decides which one throws", async () => {
  const result = await vrun(async () => {
    const log: unknown[] = [];
    try {
      await timeout(10, async () => {
        try {
          await waitFor(() => sleep(1000), 50);
        } catch (e) {
          log.push(["waitFor", (e as Error).name]);
          throw e;
        }
      });
    } catch (e) {
      log.push(["timeout", (e as Error).name, now()]);
    }
    return log;
  });
  assert.deepEqual(result, [
    ["waitFor", "CancelledError"],
    ["timeout", "TimeoutError", 10],
  ]);
});

Deno.test("waitFor() throws TimeoutError when the inner task swallowed the deadline's cancellation and is cancelled by someone else later (asyncio: TimeoutError)", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    const inner = createTask(async () => {
      try {
        await sleep(10_000);
      } catch (e) {
        assert.ok(e instanceof CancelledError);
        currentTask()!.uncancel();
      }
      await sleep(100);
      return "finished";
    });
    getRunningLoop().callLater(50, () => inner.cancel("third party"));
    try {
      await waitFor(inner, 10);
    } catch (e) {
      events.push([(e as Error).name, now(), inner.cancelled()]);
      assert.ok((e as Error).cause instanceof CancelledError);
    }
    // The waiting task was never cancelled: it goes on.
    await sleep(1);
    events.push(["waiter goes on", now()]);
  });
  assert.deepEqual(events, [
    ["TimeoutError", 50, true],
    ["waiter goes on", 51],
  ]);
});

Deno.test("waitFor(aw, 0) throws TimeoutError when aw swallowed the cancellation and is cancelled by someone else later", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    const inner = createTask(async () => {
      try {
        await sleep(10_000);
      } catch {
        currentTask()!.uncancel();
      }
      await sleep(100);
    });
    await sleep(1); // inner waits
    getRunningLoop().callLater(50, () => inner.cancel());
    try {
      await waitFor(inner, 0);
    } catch (e) {
      events.push([(e as Error).name, now()]);
    }
  });
  assert.deepEqual(events, [["TimeoutError", 51]]);
});

Deno.test("waitFor() passes on the waiting task's own cancellation even when the inner task was cancelled by someone else after the deadline", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    const inner = createTask(async () => {
      for (;;) {
        try {
          await sleep(10_000);
        } catch (e) {
          currentTask()!.uncancel();
          if ((e as Error).message === "third party") throw e;
          events.push(["inner swallowed a cancellation", now()]);
        }
      }
    });
    const waiter = createTask(() => waitFor(inner, 10));
    getRunningLoop().callLater(40, () => waiter.cancel("outer"));
    getRunningLoop().callLater(50, () => inner.cancel("third party"));
    try {
      await waiter;
    } catch (e) {
      events.push([(e as Error).name, (e as Error).message, now()]);
    }
  });
  assert.deepEqual(events, [
    ["inner swallowed a cancellation", 10],
    ["inner swallowed a cancellation", 40],
    ["CancelledError", "outer", 50],
  ]);
});

Deno.test("waitFor() nested 3,000 deep: cancelling the task that awaits the chain neither overflows the stack nor leaves it pending", async () => {
  // An attack round found cancel() throwing RangeError half-way down a
  // chain of 1,000, and the task pending for ever.
  const result = await vrun(async () => {
    const never = getRunningLoop().createFuture<void>();
    let chain: Promise<unknown> = never;
    for (let i = 0; i < 3000; i++) chain = waitFor(chain, 1e9);
    const t = createTask(async () => await chain);
    await sleep(0);
    t.cancel();
    await assert.rejects(t, CancelledError);
    return never.cancelled();
  });
  assert.equal(result, true);
});

Deno.test("waitFor() nested 3,000 deep, awaited by timeout(): the deadline cancels the whole chain and the block throws TimeoutError", async () => {
  const result = await vrun(async () => {
    const never = getRunningLoop().createFuture<void>();
    const reports: unknown[] = [];
    getRunningLoop().setExceptionHandler((_loop, ctx) => reports.push(ctx));
    let chain: Promise<unknown> = never;
    for (let i = 0; i < 3000; i++) chain = waitFor(chain, 1e9);
    await assert.rejects(timeout(10, () => chain), TimeoutError);
    return { cancelled: never.cancelled(), reports, at: now() };
  });
  assert.deepEqual(result, { cancelled: true, reports: [], at: 10 });
});

Deno.test("waitFor() nested 150 deep: a value that comes right after the cancel does not undo it", async () => {
  // A review of the deep-chain fix: cancelling the chain's far end from
  // the loop let an item put in the same callback reach the task, which
  // ran on uncancelled. The whole chain is cancelled before cancel()
  // returns.
  const result = await vrun(async () => {
    const q = new Queue<number>();
    let chain: Promise<unknown> = q.get();
    for (let i = 0; i < 150; i++) chain = waitFor(chain, 1e9);
    const t = createTask(async () => await chain);
    await sleep(0);
    t.cancel();
    q.putNowait(7);
    await assert.rejects(t, CancelledError);
    return q.qsize();
  });
  assert.equal(result, 1);
});

Deno.test("waitFor() and timeout() whose inner future got its value, then the task cancelled in the same callback: the value is kept and the next wait is cancelled", async () => {
  // A review: the scope gave the cancellation back on exit to its own
  // future, not yet settled, whose scope had exited: it was lost, and the
  // task ran on uncancelled.
  for (const kind of ["waitFor", "timeout"] as const) {
    const log = await vrun(async () => {
      const inner = getRunningLoop().createFuture<number>();
      const aw = kind === "waitFor"
        ? waitFor(inner, 1e9)
        : timeout(1e9, () => inner);
      const log: string[] = [];
      const t = createTask(async () => {
        log.push(`got ${await aw}`);
        await sleep(10);
        log.push("ran on uncancelled");
      });
      await sleep(0);
      inner.setResult(1);
      t.cancel();
      await t.catch((e) => log.push((e as Error).name));
      return log;
    });
    assert.deepEqual(log, ["got 1", "CancelledError"], kind);
  }
});
