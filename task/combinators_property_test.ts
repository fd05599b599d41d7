/**
 * Property tests of the combinators: random sets of children that succeed,
 * fail, or fail while being cancelled, at random virtual times, with random
 * outside cancellations. The expected outcome is computed from the plan and
 * compared with what `taskGroup`, `gather` and `timeout` did.
 *
 * CI runs a fixed seed (42). Set `AIO_PROPERTY_RUNS` and `AIO_PROPERTY_SEED`
 * to explore more.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { getRunningLoop } from "../loop/mod.ts";
import { CancelledError } from "../loop/errors.ts";
import { TimeoutError } from "./errors.ts";
import { gather } from "./gather.ts";
import { sleep } from "./sleep.ts";
import { allTasks, createTask, currentTask, type Task } from "./task.ts";
import { taskGroup } from "./task_group.ts";
import { timeout } from "./timeout.ts";
import { vrun } from "./_test_util.ts";

function envNumber(name: string): number | undefined {
  try {
    const v = Deno.env.get(name);
    return v === undefined ? undefined : Number(v);
  } catch {
    return undefined;
  }
}

const PARAMS = {
  seed: envNumber("AIO_PROPERTY_SEED") ?? 42,
  numRuns: envNumber("AIO_PROPERTY_RUNS") ?? 200,
};

type Kind = "ok" | "fail" | "failOnCancel";
interface Plan {
  kind: Kind;
  at: number;
}

const plan: fc.Arbitrary<Plan> = fc.record({
  kind: fc.constantFrom<Kind>("ok", "fail", "failOnCancel"),
  at: fc.integer({ min: 0, max: 5 }).map((n) => n * 10),
});

function childFn(p: Plan, i: number): () => Promise<string> {
  return async () => {
    try {
      await sleep(p.at);
    } catch (e) {
      if (p.kind === "failOnCancel") throw new Error(`cancel-fail ${i}`);
      throw e;
    }
    if (p.kind === "fail") throw new Error(`fail ${i}`);
    return `ok ${i}`;
  };
}

Deno.test("property: a TaskGroup ends with every child done and exactly the real failures", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(plan, { minLength: 1, maxLength: 6 }),
      async (plans) => {
        const firstFail = Math.min(
          ...plans.filter((p) => p.kind === "fail").map((p) => p.at),
        );
        const expected = plans.flatMap((p, i) =>
          p.kind === "fail" && p.at === firstFail
            ? [`fail ${i}`]
            : p.kind === "failOnCancel" && p.at > firstFail
            ? [`cancel-fail ${i}`]
            : []
        ).sort();
        const end = Number.isFinite(firstFail)
          ? firstFail
          : Math.max(...plans.map((p) => p.at));
        await vrun(async () => {
          const children: Task<string>[] = [];
          let outcome: unknown;
          try {
            await taskGroup((tg) => {
              plans.forEach((p, i) =>
                children.push(tg.createTask(childFn(p, i)))
              );
            });
            outcome = "returned";
          } catch (e) {
            outcome = e;
          }
          assert.ok(children.every((c) => c.done()));
          assert.equal(getRunningLoop().time(), end);
          assert.equal(currentTask()!.cancelling(), 0);
          assert.deepEqual([...allTasks()], [currentTask()]);
          if (expected.length === 0) {
            assert.equal(outcome, "returned");
            plans.forEach((_, i) =>
              assert.equal(children[i]!.result(), `ok ${i}`)
            );
          } else {
            assert.ok(outcome instanceof AggregateError);
            const got = outcome.errors.map((e: Error) => e.message).sort();
            assert.deepEqual(got, expected);
          }
        });
      },
    ),
    PARAMS,
  );
});

Deno.test("property: a cancellation from outside always ends a TaskGroup with every child done", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(plan, { minLength: 1, maxLength: 5 }),
      fc.integer({ min: 0, max: 60 }),
      async (plans, cancelAt) => {
        await vrun(async () => {
          const children: Task<string>[] = [];
          const parent = createTask(() =>
            taskGroup((tg) => {
              plans.forEach((p, i) =>
                children.push(tg.createTask(childFn(p, i)))
              );
            })
          );
          getRunningLoop().callLater(cancelAt, () => parent.cancel());
          let outcome: unknown;
          try {
            await parent;
            outcome = "returned";
          } catch (e) {
            outcome = e;
          }
          assert.ok(children.every((c) => c.done()));
          const failed = children.some((c) => !c.cancelled() && c.exception());
          if (failed) {
            // Real failures win over the cancellation.
            assert.ok(
              outcome instanceof AggregateError || parent.cancelled(),
              `unexpected ${outcome}`,
            );
          } else {
            assert.ok(
              outcome === "returned" || outcome instanceof CancelledError,
              `unexpected ${outcome}`,
            );
          }
        });
      },
    ),
    PARAMS,
  );
});

Deno.test("property: gather() with returnExceptions gives each child's own outcome in order", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(plan, { minLength: 1, maxLength: 6 }),
      async (plans) => {
        await vrun(async () => {
          const results = await gather(plans.map(childFn), {
            returnExceptions: true,
          });
          plans.forEach((p, i) => {
            const r = results[i];
            if (p.kind === "fail") {
              assert.equal((r as Error).message, `fail ${i}`);
            } else assert.equal(r, `ok ${i}`);
          });
          assert.equal(
            getRunningLoop().time(),
            Math.max(...plans.map((p) => p.at)),
          );
        });
      },
    ),
    PARAMS,
  );
});

Deno.test("property: nested timeouts: only the one whose deadline came first throws TimeoutError", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 50 }),
      fc.integer({ min: 1, max: 50 }),
      async (outerMs, innerMs, workMs) => {
        await vrun(async () => {
          const log: string[] = [];
          try {
            await timeout(outerMs, async () => {
              try {
                await timeout(innerMs, () => sleep(workMs));
                log.push("work done");
              } catch (e) {
                log.push(`inner ${(e as Error).name}`);
                if (!(e instanceof TimeoutError)) throw e;
              }
            });
            log.push("outer returned");
          } catch (e) {
            log.push(`outer ${(e as Error).name}`);
          }
          const expected = workMs < Math.min(innerMs, outerMs)
            ? ["work done", "outer returned"]
            : innerMs < outerMs
            ? ["inner TimeoutError", "outer returned"]
            : ["inner CancelledError", "outer TimeoutError"];
          assert.deepEqual(log, expected, `${outerMs} ${innerMs} ${workMs}`);
          assert.equal(currentTask()!.cancelling(), 0);
        });
      },
    ),
    PARAMS,
  );
});
