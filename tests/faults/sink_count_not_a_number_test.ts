/**
 * Found against ea2a1e0, which let a public sink's `write()` resolve with a
 * count of bytes written and took anything but a `number` as "all written":
 * a count of `1n` or `"1"` lost the rest of every chunk, and a sink written
 * as `async (c) => arr.push(c)` had its array length taken as a count. Now
 * `write()` writes all of a chunk, whatever it resolves with, and only the
 * sockets' private `[writeSome]()` reports counts, which must be numbers.
 */
import assert from "node:assert/strict";
import { StreamWriter } from "../../io/mod.ts";
import { writeSome } from "../../io/_source.ts";
import { run } from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";

Deno.test("a partial write's count that is not a number fails the writer; write() resolving with one is written once, whole", async () => {
  for (const count of [1n, "1", new Number(1)]) {
    const out: number[] = [];
    const whole: number[] = [];
    let error: unknown;
    await run(async () => {
      const w = new StreamWriter({
        write: () => Promise.reject(new Error("write() is not used")),
        [writeSome](chunk: Uint8Array) {
          out.push(chunk[0]!); // one byte written, and said so
          return Promise.resolve(count);
        },
        close() {},
      } as never, { highWaterMark: 0 });
      w.write(new Uint8Array([1, 2, 3]));
      await w.drain().catch((e) => (error = e));
      w.close();
      await w.waitClosed();
      const plain = new StreamWriter({
        write(chunk) {
          whole.push(...chunk);
          return Promise.resolve(count as never);
        },
        close() {},
      }, { highWaterMark: 0 });
      plain.write(new Uint8Array([1, 2, 3]));
      await plain.drain();
      plain.close();
      await plain.waitClosed();
    }, { clock: new VirtualClock() });
    assert.ok(error instanceof RangeError, `${typeof count} count: ${error}`);
    assert.deepEqual(out, [1]);
    assert.deepEqual(whole, [1, 2, 3]);
  }
});
