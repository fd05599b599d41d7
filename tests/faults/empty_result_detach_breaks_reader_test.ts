/**
 * A zero-length result (`read(0)`, `read()` at EOF) is one module-wide
 * `Uint8Array(0)`, and since bbc3004 a large read that empties the buffer
 * leaves that same array as the reader's storage. Transferring a zero-length
 * result's buffer (`ArrayBuffer.prototype.transfer()`, `structuredClone`
 * with `transfer`, `postMessage`) detaches it, and every reader whose
 * storage went out with a large result then throws a `TypeError` on its next
 * `feedData()` (its `#makeRoom` calls `subarray()` on the detached array).
 * The reader is meant to share no memory with any result.
 */
import assert from "node:assert/strict";
import { StreamReader } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";

Deno.test("transferring a zero-length result's buffer does not break a reader that handed its storage over", async () => {
  await run(async () => {
    const a = new StreamReader({ limit: 1 << 20 });
    a.feedData(new Uint8Array(20_000).fill(7));
    // 16 KiB or more, nothing left: the result takes a's storage.
    assert.equal((await a.read(20_000)).length, 20_000);

    // Another reader, at EOF: read() returns a zero-length result.
    const b = new StreamReader();
    b.feedEof();
    const empty = await b.read();
    assert.equal(empty.length, 0);
    // The caller owns its result: it may transfer its buffer.
    structuredClone(empty, { transfer: [empty.buffer] });

    // a is unrelated to b's result, and must go on.
    a.feedData(new Uint8Array([1, 2, 3]));
    assert.deepEqual(await a.read(3), new Uint8Array([1, 2, 3]));
  });
});
