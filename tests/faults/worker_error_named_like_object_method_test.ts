/**
 * A Worker job that throws an error named after a method of `Object`
 * (`toString`, `valueOf`, `hasOwnProperty`...) kills the main program, and
 * one named `constructor` comes back as a `String` object, not an `Error`.
 *
 * Measured (Deno 2.9.6, `WorkerPool({ size: 1 })`, a job doing
 * `const e = new Error("bad"); e.name = n; throw e;`):
 *
 * - `n = "toString"`, `"valueOf"`, `"hasOwnProperty"`: the process ends
 *   with `error: Uncaught TypeError: Ctor is not a constructor` (exit 1);
 *   the job never settles.
 * - `n = "constructor"`: the job rejects with `[String: "bad"]`
 *   (`instanceof Error` is false, no stack).
 *
 * Why (executor/worker_pool.ts, `rebuildError()`): the pool looks the
 * error's class up by name in `ERROR_CLASSES`, a plain object literal, so
 * `ERROR_CLASSES[name]` finds what `Object.prototype` has under that name:
 * `Object` for `constructor`, a method for the others, which `new` refuses.
 * The throw happens in the port's `message` handler, where nothing catches
 * it. An error's `name` is the job's to choose (a name read from data, a
 * class with a `static name`).
 *
 * Expected (`submit()` doc: "An error thrown by the job comes back as an
 * `Error` of the same built-in class ...; else `Error` with the same
 * `name`"): an `Error` named as thrown, and the pool goes on.
 *
 * Also here: an argument on which `instanceof` throws (a revoked proxy)
 * kills the program when the job waits in the queue: `#start()` looks for
 * `MessagePort`s among the arguments (`a instanceof MessagePort`) outside
 * the `try` that turns a failed copy of the arguments into the job's
 * rejection, so the throw escapes the handler of the answer that freed the
 * Worker. Expected: the job rejects (the arguments cannot be cloned), as
 * any other argument that cannot be cloned does.
 */
import assert from "node:assert/strict";
import { WorkerPool } from "../../executor/mod.ts";

const url = "data:text/javascript," + encodeURIComponent(`
export function fail(name) {
  const e = new Error("bad");
  e.name = name;
  throw e;
}
export const echo = (x) => x;
export const later = () => new Promise((resolve) => setTimeout(() => resolve("later"), 20));
`);

for (
  const name of [
    "toString",
    "valueOf",
    "hasOwnProperty",
    "constructor",
    "__proto__",
    "isPrototypeOf",
  ]
) {
  Deno.test(`a job's error named "${name}" comes back as an Error of that name`, async () => {
    await using pool = new WorkerPool({ size: 1 });
    const error = await pool.submit(url, "fail", [name]).then(
      () => assert.fail("the job resolved"),
      (e: unknown) => e,
    );
    assert.ok(error instanceof Error, `got ${Object(error)}`);
    assert.equal(error.name, name);
    assert.equal(error.message, "bad");
    assert.equal(await pool.submit(url, "echo", [42]), 42);
  });
}

Deno.test("a queued job whose argument is a revoked proxy rejects", async () => {
  await using pool = new WorkerPool({ size: 1 });
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const busy = pool.submit(url, "later");
  const job = pool.submit(url, "echo", [proxy]);
  assert.equal(await busy, "later");
  await assert.rejects(job, TypeError);
  assert.equal(await pool.submit(url, "echo", [7]), 7);
});

Deno.test("a job whose argument is a revoked proxy rejects, not submit()", async () => {
  await using pool = new WorkerPool({ size: 1 });
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  const job = pool.submit(url, "echo", [proxy]);
  await assert.rejects(job, TypeError);
  assert.equal(await pool.submit(url, "echo", [7]), 7);
});
