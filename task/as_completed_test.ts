import assert from "node:assert/strict";
import { getRunningLoop } from "../loop/mod.ts";
import { asCompleted } from "./as_completed.ts";
import { CancelledError } from "../loop/errors.ts";
import { TimeoutError } from "./errors.ts";
import { Future } from "../loop/future.ts";
import { sleep } from "./sleep.ts";
import { createTask } from "./task.ts";
import { now, vrun } from "./_test_util.ts";

function after<T>(ms: number, value: T): () => Promise<T> {
  return async () => {
    await sleep(ms);
    return value;
  };
}

Deno.test("asCompleted() yields in completion order, each step at its completion time", async () => {
  const result = await vrun(async () => {
    const seen: unknown[] = [];
    for (
      const next of asCompleted([
        after(30, "c"),
        after(10, "a"),
        after(20, "b"),
      ])
    ) {
      seen.push([await next, now()]);
    }
    return seen;
  });
  assert.deepEqual(result, [["a", 10], ["b", 20], ["c", 30]]);
});

Deno.test("asCompleted() takes futures, tasks and promises, and for await gives their results", async () => {
  const result = await vrun(async () => {
    const loop = getRunningLoop();
    const task = createTask(after(10, 1));
    const future = new Future<number>(loop);
    loop.callLater(5, () => future.setResult(2));
    const promise = new Promise<number>((resolve) =>
      loop.callLater(1, () => resolve(3))
    );
    const results: number[] = [];
    for await (const n of asCompleted<number>([task, future, promise])) {
      results.push(n); // typed number, and a number at run time
    }
    return results;
  });
  assert.deepEqual(result, [3, 2, 1]);
});

Deno.test("asCompleted() yields a failed one whose await throws", async () => {
  const result = await vrun(async () => {
    const out: string[] = [];
    for (
      const next of asCompleted([after(20, "ok"), async () => {
        await sleep(10);
        throw new RangeError("bad");
      }])
    ) {
      try {
        out.push(await next);
      } catch (e) {
        out.push((e as Error).name);
      }
    }
    return out;
  });
  assert.deepEqual(result, ["RangeError", "ok"]);
});

Deno.test("asCompleted() with a timeout throws TimeoutError and cancels nothing", async () => {
  const result = await vrun(async () => {
    const slow = createTask(after(100, "slow"));
    const out: unknown[] = [];
    try {
      for (
        const next of asCompleted([after(10, "fast"), slow], {
          timeout: 50,
        })
      ) {
        out.push(await next);
      }
    } catch (e) {
      out.push([(e as Error).name, now()]);
      assert.ok(e instanceof TimeoutError);
    }
    out.push([slow.cancelled(), await slow]);
    return out;
  });
  assert.deepEqual(result, ["fast", ["TimeoutError", 50], [false, "slow"]]);
});

Deno.test("asCompleted() on nothing ends at once", async () => {
  const result = await vrun(async () => {
    let steps = 0;
    for (const _ of asCompleted([], { timeout: 10 })) steps++;
    return [steps, now()];
  });
  assert.deepEqual(result, [0, 0]);
});

Deno.test("asCompleted() yields a duplicate once", async () => {
  const result = await vrun(async () => {
    const t = createTask(after(1, "x"));
    const out: string[] = [];
    for (const next of asCompleted([t, t])) out.push(await next);
    return out;
  });
  assert.deepEqual(result, ["x"]);
});

Deno.test("breaking out of asCompleted() ends it: no later step, no timeout", async () => {
  const result = await vrun(async () => {
    const it = asCompleted([after(1, "a"), after(5, "b")], { timeout: 10 });
    for (const next of it) {
      await next;
      break;
    }
    await sleep(20);
    return [it.next(), now()];
  });
  assert.deepEqual(result, [{ done: true, value: undefined }, 21]);
});

Deno.test("a cancelled step of asCompleted() loses nothing", async () => {
  const result = await vrun(async () => {
    const it = asCompleted([after(10, "a"), after(20, "b")]);
    const first = createTask(() => it.next().value!);
    await sleep(5);
    first.cancel();
    await assert.rejects(first, CancelledError);
    const out: string[] = [];
    for (const next of it) out.push(await next);
    return out;
  });
  assert.deepEqual(result, ["a", "b"]);
});

Deno.test("asCompleted() refuses a value that is not awaitable", async () => {
  await vrun(async () => {
    assert.throws(
      () => asCompleted([42 as unknown as Promise<number>]),
      TypeError,
    );
    await sleep(0);
  });
});

Deno.test("aborting the signal rejects the waiting step with its reason and loses nothing", async () => {
  const result = await vrun(async () => {
    const controller = new AbortController();
    const loop = getRunningLoop();
    const reason = new Error("stop iterating");
    loop.callLater(15, () => controller.abort(reason));
    const it = asCompleted([after(10, "a"), after(20, "b")], {
      signal: controller.signal,
    });
    const out: unknown[] = [];
    out.push([await it.next().value, now()]);
    await it.next().value!.catch((e: unknown) =>
      out.push([e === reason, now()])
    );
    // The aborted step took nothing: one more step, which rejects at once.
    await assert.rejects(it.next().value!, (e) => e === reason);
    return out;
  });
  assert.deepEqual(result, [["a", 10], [true, 15]]);
});

Deno.test("asCompleted() is typed as what it yields: promises to for, values to for await", async () => {
  const seen = await vrun(async () => {
    const out: string[] = [];
    for (const p of asCompleted([async () => 1])) {
      const typed: Promise<number> = p;
      out.push(`${p instanceof Promise}: ${await typed}`);
    }
    for await (const n of asCompleted([async () => 2])) {
      const typed: number = n;
      out.push(`${typeof n}: ${typed}`);
    }
    return out;
  });
  assert.deepEqual(seen, ["true: 1", "number: 2"]);
});

Deno.test("for await over asCompleted() throws the first failure out of the loop", async () => {
  const result = await vrun(async () => {
    const out: unknown[] = [];
    try {
      for await (
        const n of asCompleted([after(5, 1), async () => {
          await sleep(10);
          throw new RangeError("bad");
        }, after(20, 3)])
      ) {
        out.push(n);
      }
    } catch (e) {
      out.push((e as Error).name);
    }
    return out;
  });
  assert.deepEqual(result, [1, "RangeError"]);
});

Deno.test("a task asCompleted() made for a function, failing after the loop was left, is reported as never retrieved", async () => {
  const reports: string[] = [];
  await vrun(async () => {
    getRunningLoop().setExceptionHandler((_loop, context) => {
      reports.push(`${context.message.split(":")[0]}: ${context.exception}`);
    });
    for await (
      const first of asCompleted([after(1, 1), async () => {
        await sleep(10);
        throw new RangeError("late");
      }])
    ) {
      assert.equal(first, 1);
      break;
    }
    await sleep(20);
  });
  assert.deepEqual(reports, [
    "Task exception was never retrieved: RangeError: late",
  ]);
});
