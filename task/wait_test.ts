import assert from "node:assert/strict";
import { type ExceptionContext, getRunningLoop } from "../loop/mod.ts";
import { CancelledError } from "../loop/errors.ts";
import { Future } from "../loop/future.ts";
import { sleep } from "./sleep.ts";
import { createTask, type Task } from "./task.ts";
import { wait } from "./wait.ts";
import { now, vrun } from "./_test_util.ts";

function names(set: Set<Task<unknown>>): string[] {
  return [...set].map((t) => t.name).sort();
}

function sleeper(name: string, ms: number, fail = false): Task<string> {
  return createTask(async () => {
    await sleep(ms);
    if (fail) throw new Error(name);
    return name;
  }, { name });
}

Deno.test("wait() waits for all by default and returns them done", async () => {
  const result = await vrun(async () => {
    const tasks = [sleeper("a", 10), sleeper("b", 30), sleeper("c", 20)];
    const { done, pending } = await wait(tasks);
    return [names(done), names(pending), now()];
  });
  assert.deepEqual(result, [["a", "b", "c"], [], 30]);
});

Deno.test("wait() with FIRST_COMPLETED returns when the first is done", async () => {
  const result = await vrun(async () => {
    const tasks = [sleeper("a", 10), sleeper("b", 30), sleeper("c", 20)];
    const { done, pending } = await wait(tasks, {
      returnWhen: "FIRST_COMPLETED",
    });
    const at = now();
    await wait(pending);
    return [names(done), names(pending), at];
  });
  assert.deepEqual(result, [["a"], ["b", "c"], 10]);
});

Deno.test("wait() with FIRST_EXCEPTION returns at the first failure", async () => {
  const result = await vrun(async () => {
    const tasks = [sleeper("a", 10), sleeper("b", 20, true), sleeper("c", 30)];
    const { done, pending } = await wait(tasks, {
      returnWhen: "FIRST_EXCEPTION",
    });
    const at = now();
    for (const t of pending) t.cancel();
    await wait(pending);
    return [names(done), names(pending), at];
  });
  assert.deepEqual(result, [["a", "b"], ["c"], 20]);
});

Deno.test("wait() with FIRST_EXCEPTION does not count a cancelled one and waits for all without failure", async () => {
  const result = await vrun(async () => {
    const tasks = [sleeper("a", 10), sleeper("b", 20)];
    const loop = getRunningLoop();
    loop.callLater(5, () => tasks[1]!.cancel());
    const { done, pending } = await wait(tasks, {
      returnWhen: "FIRST_EXCEPTION",
    });
    return [names(done), pending.size, now()];
  });
  assert.deepEqual(result, [["a", "b"], 0, 10]);
});

Deno.test("wait() with a timeout returns what is done and cancels nothing", async () => {
  const result = await vrun(async () => {
    const tasks = [sleeper("a", 10), sleeper("b", 30)];
    const { done, pending } = await wait(tasks, { timeout: 20 });
    const at = now();
    const late = [...pending][0]!;
    return [names(done), names(pending), at, late.cancelled(), await late];
  });
  assert.deepEqual(result, [["a"], ["b"], 20, false, "b"]);
});

Deno.test("wait() with a timeout returns as soon as all are done", async () => {
  const result = await vrun(async () => {
    const { done } = await wait([sleeper("a", 10)], { timeout: 1000 });
    return [names(done), now()];
  });
  assert.deepEqual(result, [["a"], 10]);
});

Deno.test("wait() on futures already done returns after one tick", async () => {
  const result = await vrun(async () => {
    const loop = getRunningLoop();
    const order: string[] = [];
    const f = new Future<number>(loop);
    f.setResult(1);
    loop.callSoon(() => order.push("callback"));
    const { done } = await wait([f]);
    order.push("returned");
    return [done.has(f), order];
  });
  assert.deepEqual(result, [true, ["callback", "returned"]]);
});

Deno.test("wait() returns the promises it was given in its sets", async () => {
  const result = await vrun(async () => {
    const loop = getRunningLoop();
    const fast = Promise.resolve("fast");
    const failing = Promise.reject(new Error("x"));
    const slow = new Promise<void>((resolve) =>
      loop.callLater(50, () => resolve())
    );
    const { done, pending } = await wait([fast, failing, slow], {
      timeout: 10,
    });
    await assert.rejects(failing, /x/);
    await slow;
    return [done.has(fast), done.has(failing), pending.has(slow)];
  });
  assert.deepEqual(result, [true, true, true]);
});

Deno.test("wait() reports nothing for a failed promise the caller awaits", async () => {
  const reports: ExceptionContext[] = [];
  await vrun(async () => {
    getRunningLoop().setExceptionHandler((_l, ctx) => reports.push(ctx));
    const failing = Promise.reject(new Error("seen"));
    const { done } = await wait([failing]);
    assert.ok(done.has(failing));
    await assert.rejects(failing);
  });
  assert.deepEqual(reports, []);
});

Deno.test("wait() merges duplicates", async () => {
  const result = await vrun(async () => {
    const t = sleeper("a", 1);
    const { done } = await wait([t, t, t]);
    return done.size;
  });
  assert.equal(result, 1);
});

Deno.test("cancelling the task in wait() throws CancelledError and cancels no input", async () => {
  const result = await vrun(async () => {
    const inputs = [sleeper("a", 100), sleeper("b", 200)];
    const waiter = createTask(() => wait(inputs));
    await sleep(10);
    waiter.cancel();
    await assert.rejects(waiter, CancelledError);
    const states = inputs.map((t) => t.done());
    await wait(inputs);
    return [states, now()];
  });
  assert.deepEqual(result, [[false, false], 200]);
});

Deno.test("wait() refuses empty input, a single future, functions and bad returnWhen", async () => {
  await vrun(async () => {
    await assert.rejects(wait([]), RangeError);
    const f = new Future<number>(getRunningLoop());
    await assert.rejects(
      wait(f as unknown as Iterable<Future<number>>),
      TypeError,
    );
    await assert.rejects(
      wait([(() => 1) as unknown as Promise<number>]),
      /createTask/,
    );
    await assert.rejects(
      wait([f], { returnWhen: "SOMETIMES" as "ALL_COMPLETED" }),
      RangeError,
    );
  });
});

Deno.test("wait() with an aborted signal rejects at once with its reason", async () => {
  await vrun(async () => {
    const f = new Future<number>(getRunningLoop());
    f.setResult(1);
    const reason = new Error("already aborted");
    await assert.rejects(
      wait([f], { signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
  });
});

Deno.test("aborting the signal ends wait() with its reason and cancels no input", async () => {
  const result = await vrun(async () => {
    const input = sleeper("a", 100);
    const controller = new AbortController();
    const loop = getRunningLoop();
    const reason = new CancelledError("caller gave up");
    loop.callLater(10, () => controller.abort(reason));
    let caught: unknown;
    try {
      await wait([input], { signal: controller.signal });
    } catch (e) {
      caught = e;
    }
    const at = now();
    return [caught === reason, at, input.cancelled(), await input];
  });
  assert.deepEqual(result, [true, 10, false, "a"]);
});
