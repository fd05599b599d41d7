/**
 * Futures and tasks that fail with values that cannot become strings: the
 * reports still render, nothing tears down, main's result is kept.
 */

import assert from "node:assert/strict";
import {
  type ExceptionContext,
  getRunningLoop,
  VirtualClock,
} from "../../loop/mod.ts";
import { run } from "../../task/mod.ts";
import {
  createTask,
  formatTaskTree,
  Future,
  sleep,
  type Task,
} from "../../task/mod.ts";
import { hostileValues } from "../../loop/_test_util.ts";

for (const [name, value] of hostileValues()) {
  Deno.test(`a task failing with ${name} nobody awaits is reported and main's result kept`, async () => {
    const seen: ExceptionContext[] = [];
    const result = await run(async () => {
      getRunningLoop().setExceptionHandler((_loop, context) => {
        seen.push(context);
      });
      createTask(() => Promise.reject(value), { name: "odd" });
      await sleep(1);
      return "main's result";
    }, { clock: new VirtualClock(), handleSigint: false });
    assert.equal(result, "main's result");
    assert.equal(seen.length, 1);
    assert.match(
      seen[0]!.message,
      /Task exception was never retrieved: Task\(odd, failed\)/,
    );
    assert.equal(seen[0]!.exception, value);
  });

  Deno.test(`a future failing with ${name} describes itself and is reported by the default handler`, async () => {
    const printed: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => printed.push(args.join(" "));
    try {
      await run(async () => {
        const f = new Future<number>();
        f.setException(value);
        assert.match(String(f), /^Future\(done, exception=.+\)$/s);
        const done = new Future<void>();
        f.addDoneCallback(() => done.setResult());
        await done;
      }, { clock: new VirtualClock(), handleSigint: false });
    } finally {
      console.error = original;
    }
    assert.equal(printed.length, 1);
    assert.match(printed[0]!, /Future exception was never retrieved/);
  });
}

Deno.test("a done callback with a name that throws still gets reported when it fails", async () => {
  const seen: string[] = [];
  await run(async () => {
    getRunningLoop().setExceptionHandler((_loop, context) => {
      seen.push(context.message);
    });
    const f = new Future<void>();
    const cb = () => {
      throw new Error("callback failed");
    };
    Object.defineProperty(cb, "name", {
      get() {
        throw new Error("no name");
      },
    });
    f.addDoneCallback(cb);
    f.setResult();
    await sleep(1);
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.deepEqual(seen, [
    "Exception in done callback <anonymous> of Future(done, result=undefined)",
  ]);
});

Deno.test("the task tree renders a task waiting on a future labelled with an odd value", async () => {
  const tree = await run(async () => {
    const f = new Future<void>();
    f.label = Object.create(null) as string;
    const t: Task<void> = createTask(async () => await f);
    await sleep(0);
    const text = formatTaskTree();
    f.setResult();
    await t;
    return text;
  }, { clock: new VirtualClock(), handleSigint: false });
  assert.match(tree, /awaits \[Object: null prototype\] \{\}/);
});
