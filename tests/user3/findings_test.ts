/**
 * Minimal reproductions of what surprised user3 while writing kv.ts,
 * loadgen.ts and tailer.ts. Each test states the doc line it relies on.
 */
import assert from "node:assert/strict";
import { createTask, run, sleep, StreamWriter } from "../../mod.ts";

// `StreamWriter.drain()`: a user read "@throws ConnectionReset once the
// writer was aborted" as covering a drain() already waiting when abort()
// drops the buffer; it returns there, as asyncio's does (a server's own
// chat program in tests/user/ relies on it when it kicks a client). The doc
// now says so; this pins it: the pending drain() returns, the writer is
// closing, a later write() throws, a later drain() rejects.
Deno.test("a drain() pending when abort() drops the buffer returns; the writer is closing and refuses more", async () => {
  await run(async () => {
    const w = new StreamWriter({
      write: () => new Promise(() => {}),
      close: () => {},
    });
    w.write(new Uint8Array(1 << 20));
    const pending = createTask(() => w.drain());
    await sleep(0);
    w.abort();
    await pending;
    assert.equal(w.isClosing(), true);
    assert.equal(w.bufferSize, 0);
    assert.throws(() => w.write("more"), /closing/);
    await assert.rejects(w.drain(), Deno.errors.ConnectionReset);
  });
});
