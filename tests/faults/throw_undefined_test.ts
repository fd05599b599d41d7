/**
 * A child that throws `undefined`.
 *
 * JS lets code throw any value, `undefined` included, and the library's
 * own `Task` records that as a failure (it ends "failed"; awaiting it
 * throws `undefined`; the suite's list of odd thrown values,
 * `loop/_test_util.ts` `hostileValues()`, has it). But the combinators tell
 * a failure from a success by `future.exception() !== undefined`, and
 * `exception()` returns `undefined` both for a success and for a failure
 * with `undefined`:
 *
 * - `gather()` (`task/gather.ts` `onChildDone`) does not fail at that
 *   child; once every child is done it builds the results with
 *   `c.result()`, which throws `undefined` inside the done callback: the
 *   loop reports "Exception in done callback onChildDone" and the gather
 *   never settles (with or without `returnExceptions`);
 * - `shield()` (`onInnerDone`) calls `outer.setResult(f.result())`, which
 *   throws the same way: the shield never settles;
 * - `wait(..., { returnWhen: "FIRST_EXCEPTION" })` does not return at the
 *   failure, only once every task is done;
 * - a `TaskGroup` child failing so is not a failure: the siblings are not
 *   cancelled and the group returns the body's result (the failure is
 *   lost);
 * - `run()`'s shutdown does not report a task that fails so while it is
 *   cancelled (one failing with an `Error` is reported).
 *
 * Measured exactly so (each "never settles" case below is bounded by a
 * virtual-clock `wait()` with a timeout, which finds it still pending).
 *
 * Expected: a thrown `undefined` is a failure like any other, as the
 * `Task` itself and native `Promise.all` treat it (task/gather.ts: "the
 * first child that fails fails the gather with its error"; README: a
 * failing child of a `TaskGroup` cancels the other children and the group
 * throws an `AggregateError`; `shield(aw)`: the caller gets `aw`'s outcome;
 * asyncio's `wait(FIRST_EXCEPTION)` returns when any future finishes by
 * raising; `run()` reports failures met at shutdown).
 */

import assert from "node:assert/strict";
import { getRunningLoop, VirtualClock } from "../../loop/mod.ts";
import {
  createTask,
  gather,
  run,
  shield,
  sleep,
  taskGroup,
  wait,
} from "../../task/mod.ts";

/** Runs `main` on a virtual clock, collecting what the loop reports. */
function vrun<T>(main: (reports: string[]) => Promise<T>): Promise<T> {
  return run(async () => {
    const reports: string[] = [];
    getRunningLoop().setExceptionHandler((_loop, context) => {
      reports.push(String(context.message));
    });
    return await main(reports);
  }, { clock: new VirtualClock() });
}

const failsWithUndefined = async (): Promise<never> => {
  await sleep(1);
  throw undefined;
};

/**
 * What `aw` ended with within `ms` virtual milliseconds (`wait()` bounds it:
 * a future that never settles is left pending, not cancelled, since a
 * cancel cannot end it either).
 */
async function outcome(aw: () => PromiseLike<unknown>, ms = 60_000) {
  // Not wrapped in a task: run() would cancel that task at its end and
  // wait for it, and a future that never settles keeps it forever.
  const future = aw();
  const { done } = await wait([future], { timeout: ms });
  if (done.size === 0) return "never settled";
  try {
    return { value: await future };
  } catch (error) {
    return { thrown: error };
  }
}

Deno.test("gather() of a child that throws undefined rejects with undefined", async () => {
  const [got, reports] = await vrun(async (reports) => {
    return [await outcome(() => gather(failsWithUndefined)), reports];
  });
  assert.deepEqual(got, { thrown: undefined }, `reports: ${reports}`);
});

Deno.test("gather() of a child that throws undefined fails at once, not when its siblings end", async () => {
  const [got, at] = await vrun(async () => {
    const got = await outcome(() =>
      gather(failsWithUndefined, () => sleep(10_000))
    );
    return [got, getRunningLoop().time()];
  });
  assert.deepEqual(got, { thrown: undefined });
  assert.ok(at < 10_000, `settled at ${at} ms`);
});

Deno.test("gather({ returnExceptions: true }) puts a thrown undefined in the results", async () => {
  const got = await vrun(() =>
    outcome(() =>
      gather([failsWithUndefined, async () => "ok"], {
        returnExceptions: true,
      })
    )
  );
  assert.deepEqual(got, { value: [undefined, "ok"] });
});

Deno.test("shield() of a task that throws undefined rejects with undefined", async () => {
  const got = await vrun(() =>
    outcome(() => shield(createTask(failsWithUndefined)))
  );
  assert.deepEqual(got, { thrown: undefined });
});

Deno.test('wait({ returnWhen: "FIRST_EXCEPTION" }) returns when a task throws undefined', async () => {
  const [done, pending] = await vrun(async () => {
    const failing = createTask(failsWithUndefined);
    const slow = createTask(() => sleep(10_000));
    const { done, pending } = await wait([failing, slow], {
      returnWhen: "FIRST_EXCEPTION",
    });
    const result = [done.has(failing), pending.has(slow)];
    slow.cancel();
    await Promise.allSettled([failing, slow]);
    return result;
  });
  assert.equal(done, true);
  assert.equal(pending, true, "it waited for the slow task too");
});

Deno.test("a TaskGroup child that throws undefined fails the group and cancels its siblings", async () => {
  const [got, sibling] = await vrun(async () => {
    let sibling = "still running";
    const got = await outcome(() =>
      taskGroup(async (tg) => {
        tg.createTask(failsWithUndefined);
        tg.createTask(async () => {
          try {
            await sleep(10_000);
            sibling = "finished";
          } catch (error) {
            sibling = "cancelled";
            throw error;
          }
        });
        return "body's result";
      })
    );
    return [got, sibling];
  });
  assert.equal(sibling, "cancelled");
  assert.ok(
    typeof got === "object" && "thrown" in got &&
      got.thrown instanceof AggregateError &&
      got.thrown.errors.length === 1 && got.thrown.errors[0] === undefined,
    `the group ended with ${JSON.stringify(got)}`,
  );
});

Deno.test("run() reports a task that throws undefined as it is cancelled at shutdown", async () => {
  const reports: string[] = [];
  await run(async () => {
    getRunningLoop().setExceptionHandler((_loop, context) => {
      reports.push(String(context.message));
    });
    createTask(async () => {
      try {
        await sleep(100_000);
      } finally {
        // deno-lint-ignore no-unsafe-finally
        throw undefined;
      }
    });
    await sleep(1);
  }, { clock: new VirtualClock() });
  // A task failing with an Error there is reported as "Unhandled exception
  // during run() shutdown".
  assert.deepEqual(reports, ["Unhandled exception during run() shutdown"]);
});
