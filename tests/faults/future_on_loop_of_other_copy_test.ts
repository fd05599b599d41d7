/**
 * A `Future` of this copy of the library bound to the `EventLoop` of another
 * copy (two versions of the package in one program, each imported by a
 * dependency): its done callbacks run (attack round 24).
 *
 * Found: with the ready queue's jobs (issue 13), a future queued its
 * callbacks through a method keyed by this copy's private symbol; the other
 * copy's loop has none, so `setResult()` threw after the future was marked
 * done, and its callbacks never ran.
 *
 * Fixed: a loop without the method gets the callbacks through `callSoon()`.
 */

import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type EventLoop, Future } from "../../loop/mod.ts";

Deno.test("a Future bound to another copy's EventLoop runs its done callbacks", async () => {
  const source = fileURLToPath(new URL("../../loop/", import.meta.url));
  const dir = await Deno.makeTempDir({ prefix: "aio_copy_" });
  try {
    for await (const entry of Deno.readDir(source)) {
      if (entry.isFile && entry.name.endsWith(".ts")) {
        await Deno.copyFile(join(source, entry.name), join(dir, entry.name));
      }
    }
    const other = await import(`file://${dir}/mod.ts`);
    assert.notEqual(
      other.EventLoop,
      (await import("../../loop/mod.ts")).EventLoop,
    );
    using loop: EventLoop = new other.EventLoop();
    const future = new Future<number>(loop);
    const seen: number[] = [];
    future.addDoneCallback((f) => seen.push(f.result()));
    future.setResult(5);
    loop.callSoon(() => loop.stop());
    await loop.runForever();
    assert.deepEqual(seen, [5]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
