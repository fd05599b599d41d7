/**
 * Minimal reproductions of what surprised user3 while writing kv.ts,
 * loadgen.ts and tailer.ts. Each test states the doc line it relies on.
 */
import assert from "node:assert/strict";
import { createTask, run, sleep, StreamWriter } from "../../mod.ts";

// `StreamWriter.drain()`: "@throws {Deno.errors.ConnectionReset} Once the
// writer was aborted or has closed"; `abort()`: "Closes now, dropping what
// is buffered". A drain() waiting for the buffered bytes when abort() drops
// them resolved as if they were flushed (asyncio's FlowControlMixin does the
// same on connection_lost(None)), so a `write(); await drain()` loop believed
// its bytes sent. Now it rejects with ConnectionReset, as one started after.
Deno.test("a drain() pending when abort() drops the buffer rejects with ConnectionReset", async () => {
  await run(async () => {
    const w = new StreamWriter({
      write: () => new Promise(() => {}),
      close: () => {},
    });
    w.write(new Uint8Array(1 << 20));
    const pending = createTask(() => w.drain());
    await sleep(0);
    w.abort();
    await assert.rejects(w.drain(), Deno.errors.ConnectionReset);
    await assert.rejects(pending, Deno.errors.ConnectionReset);
  });
});
