/**
 * `setWriteBufferLimits({ lowWaterMark })` alone does not do what asyncio's
 * `set_write_buffer_limits(low=...)` does.
 *
 * What happens: the high mark not given takes its fixed default (64 KiB),
 * so `setWriteBufferLimits({ lowWaterMark: 100_000 })` throws `RangeError`
 * ("need 0 <= lowWaterMark <= highWaterMark"), and
 * `setWriteBufferLimits({ lowWaterMark: 1_000 })` leaves the high mark at
 * 64 KiB. The method is documented "as asyncio's
 * `set_write_buffer_limits()`", and code ported from asyncio calls it with
 * `low` only; CPython's `_set_write_buffer_limits(high=None, low=None)`
 * takes `high = 4 * low` when only `low` is given (so 400,000 and 4,000
 * here), and raises only when `low > high` for marks actually given.
 *
 * Expected: with only `lowWaterMark` given, the high mark is four times
 * it, as asyncio's (or, at least, no `RangeError` for a mark the caller did
 * not give). The constructor's options behave the same way and could
 * follow.
 *
 * f5296cc: `setWriteBufferLimits()` did not exist (added in 51c06cf).
 */

import assert from "node:assert/strict";
import { StreamWriter } from "../../io/mod.ts";

Deno.test("setWriteBufferLimits({ lowWaterMark }) takes the high mark as four times it, as asyncio", () => {
  const w = new StreamWriter({
    write: () => new Promise(() => {}),
    close: () => {},
  });
  try {
    w.setWriteBufferLimits({ lowWaterMark: 100_000 });
    w.write(new Uint8Array(300_000));
    // asyncio: high = 400,000, so 300,000 bytes buffered are under it.
    assert.equal(w.bufferSize, 300_000);
    let waited = true;
    w.drain().then(() => (waited = false));
    return Promise.resolve().then(() => {
      assert.equal(waited, false, "drain() waits under high = 4 * low");
    });
  } finally {
    w.abort();
  }
});
