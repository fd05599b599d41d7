/**
 * A `readInto()` woken with bytes, then cancelled before it resumed, puts
 * them back into the reader: over bytes an earlier read returned.
 *
 * `StreamReader` hands out results of 16 KiB or more as views of its
 * storage, and promises never to change them ("every read returns bytes the
 * reader never changes again"). After such a read the reader is empty, with
 * its start and end past the view. A `readInto(buffer)` that then waits
 * lends `buffer` to the socket; the socket fills it and the `readInto()` is
 * woken. Cancelled before it resumed, it gives the bytes back
 * (`#giveBack()` in `io/stream_reader.ts`): with the reader empty it resets
 * start and end to 0 and appends there, into the storage the earlier view
 * still shows. Measured: the first 100 bytes of a 20,000-byte result read
 * earlier became the 100 bytes that arrived later.
 *
 * Expected (StreamReader's class doc, **Results**: "every read returns bytes
 * the reader never changes again"; `readInto()`'s doc: the bytes "go back
 * to the front of the reader"): the earlier result is unchanged, and the
 * next read returns the given-back bytes.
 */

import assert from "node:assert/strict";
import { openConnection } from "../../io/mod.ts";
import { CancelledError, getRunningLoop } from "../../loop/mod.ts";
import { createTask, run } from "../../task/mod.ts";

Deno.test("A readInto() cancelled after its bytes landed does not overwrite an earlier read's result", async () => {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const { first, next } = await run(async () => {
    const accepting = listener.accept();
    const [reader, writer] = await openConnection({ port });
    using peer = await accepting;
    await peer.write(new Uint8Array(20_000).fill(65));
    // 16 KiB or more: a view of the reader's storage.
    const first = await reader.readExactly(20_000);
    assert.ok(first.every((b) => b === 65));

    // A readInto() waits on the empty reader; the socket reads into `buf`.
    const buf = new Uint8Array(1000);
    const task = createTask(() => reader.readInto(buf));
    // Cancel it in the first loop tick after its bytes landed (it is woken
    // by then, and resumes in a later tick).
    const loop = getRunningLoop();
    const deadline = Date.now() + 10_000;
    const poll = () => {
      if (buf[0] !== 0 || Date.now() > deadline) task.cancel();
      else loop.callSoon(poll);
    };
    loop.callSoon(poll);
    await peer.write(new Uint8Array(100).fill(66));
    await assert.rejects(task, CancelledError);

    const next = await reader.read(1000);
    writer.close();
    await writer.waitClosed();
    return { first, next };
  });
  assert.deepEqual(next, new Uint8Array(100).fill(66));
  const changed = first.findIndex((b) => b !== 65);
  assert.equal(
    changed,
    -1,
    `the earlier 20,000-byte result changed from byte ${changed} on`,
  );
});
