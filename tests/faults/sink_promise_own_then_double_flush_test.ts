/**
 * Found against ea2a1e0, where the writer called `.then()` on what a sink's
 * `write()` returned when it was `instanceof Promise`, instead of awaiting
 * it (it now calls the intrinsic `then`). A promise
 * whose `then` calls back more than once (a patched or subclassed promise)
 * then runs the writer's `#sent` twice per write: the chunk is subtracted
 * twice (`bufferSize` goes negative) and two flushes run at once (bytes are
 * sent twice). `await` (f5296cc) uses the intrinsic `then` of a native
 * promise and settles once. Non-promise thenables are handled (they go
 * through `Promise.resolve()`), so the writer means to survive a sink's
 * callbacks firing twice.
 */
import assert from "node:assert/strict";
import { StreamWriter, type WriteSink } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";
import { writeSome } from "../../io/_source.ts";

/** A promise whose own `then` calls back twice. */
function twice<T>(value: T): Promise<T> {
  const p = Promise.resolve(value);
  Object.defineProperty(p, "then", {
    value(ok: (v: T) => void) {
      queueMicrotask(() => {
        ok(value);
        ok(value);
      });
    },
  });
  return p;
}

Deno.test("a sink write() promise whose then() calls back twice neither resends bytes nor drives bufferSize negative", async () => {
  const out: number[] = [];
  const sink: WriteSink = {
    write(chunk) {
      out.push(...chunk);
      return twice<void>(undefined);
    },
    close() {},
  };
  const sizes: number[] = [];
  await run(async () => {
    const w = new StreamWriter(sink, { highWaterMark: 0 });
    for (let i = 0; i < 4; i++) {
      w.write(new Uint8Array([i * 10 + 1, i * 10 + 2, i * 10 + 3]));
      await w.drain();
      sizes.push(w.bufferSize);
    }
    w.close();
    await w.waitClosed();
  }, { clock: new VirtualClock() });
  assert.deepEqual(sizes, [0, 0, 0, 0]);
  assert.deepEqual(out, [1, 2, 3, 11, 12, 13, 21, 22, 23, 31, 32, 33]);
});

Deno.test("a short count reported twice by such a promise (a socket's partial write) does not resend bytes", async () => {
  const out: number[] = [];
  const sink = {
    write: () => Promise.reject(new Error("write() is not used")),
    [writeSome](chunk: Uint8Array) {
      out.push(chunk[0]!);
      return twice<number>(1); // one byte per call
    },
    close() {},
  };
  await run(async () => {
    const w = new StreamWriter(sink, { highWaterMark: 0 });
    w.write(new Uint8Array([1, 2, 3]));
    await w.drain();
    assert.equal(w.bufferSize, 0);
    w.close();
    await w.waitClosed();
  }, { clock: new VirtualClock() });
  assert.deepEqual(out, [1, 2, 3]);
});
