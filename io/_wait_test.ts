import assert from "node:assert/strict";
import type { Future } from "../loop/future.ts";
import { CancelledError } from "../loop/mod.ts";
import { runInScope } from "../task/scope_future.ts";
import { vrun } from "../task/_test_util.ts";
import { hostOpen } from "./_wait.ts";

/** A resource that records its closing. */
class Resource {
  closed = false;
}

const close = (r: Resource): void => {
  r.closed = true;
};

Deno.test("hostOpen() cancelled while the host call runs ends at once and closes what the call gives later", async () => {
  const got = await vrun(async () => {
    const host = Promise.withResolvers<Resource>();
    const opening = runInScope(
      () => hostOpen(host.promise, undefined, close),
      "open",
    );
    (opening as Future<Resource>).cancel();
    await assert.rejects(opening, CancelledError);
    const late = new Resource();
    host.resolve(late);
    await host.promise;
    return late.closed;
  });
  assert.equal(got, true);
});

Deno.test("hostOpen() cancelled as the host call gives its resource closes it instead of returning it", async () => {
  const got = await vrun(async () => {
    const host = Promise.withResolvers<Resource>();
    const opening = runInScope(
      () => hostOpen(host.promise, undefined, close),
      "open",
    );
    const resource = new Resource();
    // Runs right after the library's own callback took the resource, before
    // the waiting code resumes with it.
    host.promise.then(() => (opening as Future<Resource>).cancel());
    host.resolve(resource);
    const outcome = await opening.then(() => "returned", (e) => e.name);
    return [outcome, resource.closed];
  });
  assert.deepEqual(got, ["CancelledError", true]);
});

Deno.test("hostOpen() whose signal aborts as the host call gives its resource closes it", async () => {
  const got = await vrun(async () => {
    const host = Promise.withResolvers<Resource>();
    const stop = new AbortController();
    const opening = hostOpen(host.promise, stop.signal, close);
    const resource = new Resource();
    host.promise.then(() => stop.abort(new Error("stopped")));
    host.resolve(resource);
    const outcome = await opening.then(() => "returned", (e) => e.message);
    return [outcome, resource.closed];
  });
  assert.deepEqual(got, ["stopped", true]);
});

Deno.test("hostOpen() returns the resource when nothing cancels it", async () => {
  const got = await vrun(async () => {
    const resource = new Resource();
    const value = await hostOpen(Promise.resolve(resource), undefined, close);
    return [value === resource, resource.closed];
  });
  assert.deepEqual(got, [true, false]);
});
