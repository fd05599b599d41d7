/**
 * A second `readInto()` refused for "another task is already waiting"
 * overwrites the first one's bytes with its own buffer's contents.
 *
 * Measured: task A's `readInto(bufA)` waits on an empty socket reader, so
 * the socket reads straight into `bufA` ("hello" lands there and A is
 * woken). Before A resumes, a second `readInto(bufB)` (bufB full of "X")
 * is called. It is refused, as it should be, with `Error: Cannot call
 * readInto(): another task is already waiting for data on this
 * StreamReader`, but A then resolves with 5 and `bufA` holds "XXXXX": the
 * peer's "hello" is gone.
 *
 * Why (io/stream_reader.ts): `#waitForData()` refuses the second call
 * because `#handed !== 0` (A's bytes are handed but not yet taken). The
 * refusal is thrown inside `#readInto()`'s `try`, whose `catch` calls
 * `#giveBack(buffer)` with the *second* caller's buffer: it copies
 * `bufB[0..#handed)` into the reader as if those were the landed bytes and
 * zeroes `#handed`. A then finds `#handed === 0`, sees the buffer non-empty
 * and copies the forged bytes over its own.
 *
 * Expected: the refused call changes nothing (its doc: `@throws {Error} If
 * another task is already waiting on this reader`; the class promises "no
 * byte is lost"): A reads "hello".
 */

import assert from "node:assert/strict";
import { openConnection } from "../../io/mod.ts";
import { getRunningLoop } from "../../loop/mod.ts";
import { createTask, run } from "../../task/mod.ts";

Deno.test("A refused second readInto() leaves the first one's bytes alone", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const { textA, refusal } = await run(async () => {
    const accepting = listener.accept();
    const [reader, writer] = await openConnection({ port });
    using peer = await accepting;
    const bufA = new Uint8Array(16);
    const bufB = new Uint8Array(16).fill(88); // "X"
    const a = createTask(() => reader.readInto(bufA));
    // In the first loop tick after the bytes landed in bufA (A is woken by
    // then and resumes in a later tick), a second readInto() comes.
    const loop = getRunningLoop();
    const deadline = Date.now() + 10_000;
    const second = Promise.withResolvers<unknown>();
    const poll = () => {
      if (bufA[0] !== 0 || Date.now() > deadline) {
        reader.readInto(bufB, { signal: AbortSignal.timeout(2000) }).then(
          (n) => second.resolve(`resolved with ${n}`),
          (e) => second.resolve(e),
        );
      } else loop.callSoon(poll);
    };
    loop.callSoon(poll);
    await peer.write(new TextEncoder().encode("hello"));
    const n = await a;
    const textA = new TextDecoder().decode(bufA.subarray(0, n));
    const refusal = await second.promise;
    writer.close();
    await writer.waitClosed();
    return { textA, refusal };
  });
  assert.match(String(refusal), /another task is already waiting/);
  assert.equal(textA, "hello");
});
