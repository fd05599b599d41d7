/**
 * Since ea2a1e0 a sink's `write()` may resolve with how many bytes it wrote,
 * and a bad count (0, too many, a fraction, NaN, negative) fails the writer
 * with a `RangeError`. A count of another type is not checked: the writer
 * takes anything but a `number` as "all written". A sink that wrote one byte
 * and says so as `1n` or `"1"` (a count parsed from, or passed through,
 * another API) silently loses the rest of every chunk, with no error.
 */
import assert from "node:assert/strict";
import { StreamWriter } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";

Deno.test("a sink write() resolving with a count that is not a number fails the writer, or the writer writes the rest", async () => {
  for (const count of [1n, "1", new Number(1)]) {
    const out: number[] = [];
    let error: unknown;
    await run(async () => {
      const w = new StreamWriter({
        write(chunk) {
          out.push(chunk[0]!); // one byte written, and said so
          return Promise.resolve(count as never);
        },
        close() {},
      }, { highWaterMark: 0 });
      w.write(new Uint8Array([1, 2, 3]));
      await w.drain().catch((e) => (error = e));
      w.close();
      await w.waitClosed();
    }, { clock: new VirtualClock() });
    assert.ok(
      error instanceof RangeError || out.join() === "1,2,3",
      `${typeof count} count: wrote ${out.join()}, error ${error}`,
    );
  }
});
