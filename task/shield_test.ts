import assert from "node:assert/strict";
import { type ExceptionContext, getRunningLoop } from "../loop/mod.ts";
import { CancelledError } from "../loop/errors.ts";
import { Future } from "../loop/future.ts";
import { shield } from "./shield.ts";
import { sleep } from "./sleep.ts";
import { createTask } from "./task.ts";
import { now, vrun } from "./_test_util.ts";

Deno.test("shield() passes the result through", async () => {
  const result = await vrun(async () => {
    const value = await shield(async () => {
      await sleep(10);
      return "through";
    });
    return [value, now()];
  });
  assert.deepEqual(result, ["through", 10]);
});

Deno.test("shield() passes an error through", async () => {
  await vrun(async () => {
    await assert.rejects(
      shield(async () => {
        await sleep(1);
        throw new RangeError("inner");
      }),
      RangeError,
    );
  });
});

Deno.test("cancelling the waiter of a shield leaves the inner task running", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    const inner = createTask(async () => {
      await sleep(30);
      log.push(["inner done", now()]);
      return "kept";
    });
    const outer = createTask(async () => {
      try {
        await shield(inner);
      } catch (e) {
        log.push([(e as Error).name, now()]);
        throw e;
      }
    });
    await sleep(10);
    outer.cancel();
    await assert.rejects(outer, CancelledError);
    log.push(["inner result", await inner]);
  });
  assert.deepEqual(log, [
    ["CancelledError", 10],
    ["inner done", 30],
    ["inner result", "kept"],
  ]);
});

Deno.test("cancelling the returned future does not cancel the inner one", async () => {
  const result = await vrun(async () => {
    const inner = createTask(() => sleep(10).then(() => 1));
    const outer = shield(inner);
    assert.equal(outer.cancel(), true);
    return [outer.cancelled(), await inner, inner.cancelled()];
  });
  assert.deepEqual(result, [true, 1, false]);
});

Deno.test("a cancelled inner task cancels the shield", async () => {
  await vrun(async () => {
    const inner = createTask(() => sleep(100));
    const outer = shield(inner);
    await sleep(1);
    inner.cancel();
    await assert.rejects(outer, CancelledError);
    assert.ok(outer.cancelled());
  });
});

Deno.test("shield() returns a done future as is", async () => {
  await vrun(async () => {
    const f = new Future<number>(getRunningLoop());
    f.setResult(3);
    const s = shield(f);
    assert.equal(s, f);
    assert.equal(s.cancel(), false);
    assert.equal(await s, 3);
  });
});

Deno.test("an inner error after the shield was cancelled is reported as never retrieved", async () => {
  const reports: ExceptionContext[] = [];
  await vrun(async () => {
    getRunningLoop().setExceptionHandler((_l, ctx) => reports.push(ctx));
    const outer = shield(async () => {
      await sleep(10);
      throw new Error("lost");
    });
    outer.cancel();
    await sleep(20);
  });
  assert.equal(reports.length, 1);
  assert.match(reports[0]!.message, /never retrieved/);
  assert.equal((reports[0]!.exception as Error).message, "lost");
});
