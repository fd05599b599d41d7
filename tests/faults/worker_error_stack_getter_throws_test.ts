/**
 * A Worker job's error whose `stack` (or `name`) getter throws comes back
 * as a plain `Error` whose message is "a value that cannot be printed
 * (object)": its class and its message, both readable, are lost.
 *
 * Measured (Deno 2.9.6): a job that throws
 * `new RangeError("bad range")` with a `stack` getter that throws rejects
 * with `Error: a value that cannot be printed (object)`; one that throws
 * `new TypeError("bad type")` with a throwing `name` getter, the same.
 * Such getters are not exotic: a library that builds its stack lazily, or
 * an error proxied to log access, has them.
 *
 * Why (executor/_worker.js, `describeError()`): one `try` reads `name`,
 * `message` and `stack` together, and any throw among them drops all three
 * for the placeholder meant for values that cannot become a string.
 *
 * Expected (`WorkerPool.submit()` doc: "An error thrown by the job comes
 * back as an `Error` of the same built-in class ... with the Worker's
 * message and stack"): each field that can be read comes back; one that
 * cannot is left out (no stack) or defaults (`name` "Error").
 */
import assert from "node:assert/strict";
import { WorkerPool } from "../../executor/mod.ts";

const url = "data:text/javascript," + encodeURIComponent(`
export function stackThrows() {
  const e = new RangeError("bad range");
  Object.defineProperty(e, "stack", { get() { throw new Error("no stack"); } });
  throw e;
}
export function nameThrows() {
  const e = new TypeError("bad type");
  Object.defineProperty(e, "name", { get() { throw new Error("no name"); } });
  throw e;
}
export function messageThrows() {
  const e = new RangeError("hidden");
  Object.defineProperty(e, "message", { get() { throw new Error("no message"); } });
  throw e;
}
`);

Deno.test("a job's error whose stack getter throws keeps its class and message", async () => {
  await using pool = new WorkerPool({ size: 1 });
  await assert.rejects(pool.submit(url, "stackThrows"), (e: unknown) => {
    assert.ok(e instanceof RangeError, String(e));
    assert.equal(e.message, "bad range");
    return true;
  });
});

Deno.test("a job's error whose name getter throws keeps its message and stack", async () => {
  await using pool = new WorkerPool({ size: 1 });
  await assert.rejects(pool.submit(url, "nameThrows"), (e: unknown) => {
    assert.ok(e instanceof Error, String(e));
    assert.equal(e.message, "bad type");
    assert.match(String(e.stack), /nameThrows/);
    return true;
  });
});

Deno.test("a job's error whose message getter throws keeps its class", async () => {
  await using pool = new WorkerPool({ size: 1 });
  await assert.rejects(pool.submit(url, "messageThrows"), (e: unknown) => {
    assert.ok(e instanceof RangeError, String(e));
    return true;
  });
});
