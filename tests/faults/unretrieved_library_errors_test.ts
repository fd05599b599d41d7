/**
 * Fire-and-forget tasks that fail with an error the library made.
 *
 * Issue 11 made unretrieved failures reported when their task is collected
 * (a `FinalizationRegistry`), so that a server spawning fire-and-forget
 * tasks does not grow. That holds for an `Error` the task throws itself
 * (`unretrieved_failures_test.ts`), but not for the library's own errors:
 * the report holds the exception, and the exception leads back to the
 * task, so the task is never collected and every such failure is kept
 * until the loop closes, about 4.5 KB each (20,000 tasks: 86-100 MB of live
 * heap, and no report before `close()`). Two ways lead back to the task
 * (the second measured on its own):
 *
 * - a `TimeoutError`'s `cause` is a `CancelledError`, which the `sources`
 *   WeakMap of `loop/cancel_scope.ts` ties to its scope, and a scope leads
 *   to its task;
 * - V8 keeps, in every `Error`, the receivers (`this`) of the frames that
 *   made it, even after its `stack` was formatted: an error made in a method
 *   of a `Timeout` or a `TaskGroup` (which hold their scope) keeps that
 *   object, hence the task (a plain `Error` made in a method of an object
 *   holding another one keeps it from being collected: 0 of 1,000
 *   collected, against 999 for one made in a plain function).
 *
 * Expected (asyncio reports from `__del__`, and the gc collects cycles):
 * each failure is reported while the loop runs, once its task can no
 * longer be retrieved, and the heap stays bounded, as for a plain `Error`.
 */

import assert from "node:assert/strict";
import { figure, size } from "./_util.ts";

const N = size(20_000, 200_000);
const fixture = new URL(
  "./testdata/fire_and_forget_kinds.ts",
  import.meta.url,
);

async function fireAndForget(kind: string): Promise<{
  reports: number;
  early: number;
  other: number;
  growth: number;
}> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--v8-flags=--expose-gc",
      fixture.pathname,
      kind,
      String(N),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  return JSON.parse(new TextDecoder().decode(stdout));
}

for (
  const [kind, what] of [
    ["timeout", "a TimeoutError of timeout()"],
    ["waitFor", "a TimeoutError of waitFor()"],
    ["taskGroup", "a TaskGroup's AggregateError"],
  ]
) {
  Deno.test(`${N} fire-and-forget tasks failing with ${what} are reported while the loop runs, in bounded memory`, async () => {
    const result = await fireAndForget(kind!);
    figure(`fire and forget (${kind})`, result);
    assert.equal(result.reports, N);
    assert.equal(result.other, 0);
    assert.ok(
      result.early >= N / 2,
      `${result.early} of ${N} reported before the loop closed`,
    );
    assert.ok(
      result.growth < 10 * 1024 * 1024,
      `live heap grew by ${(result.growth / 1048576).toFixed(1)} MiB`,
    );
  });
}
