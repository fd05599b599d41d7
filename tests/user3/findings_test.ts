/**
 * Minimal reproductions of what surprised user3 while writing kv.ts,
 * loadgen.ts and tailer.ts. Each test states the doc line it relies on.
 */
import assert from "node:assert/strict";
import { createTask, run, sleep, StreamWriter } from "../../mod.ts";

// `deno doc --filter StreamWriter.drain io/mod.ts`:
//   "@throws {Deno.errors.ConnectionReset} Once the writer was aborted or has
//    closed: what is written now can never be sent."
// and `abort()`: "Closes now, dropping what is buffered".
// Expected: a drain() that is waiting for buffered bytes when abort() drops
// them rejects (ConnectionReset), as a drain() started after the abort does;
// the caller must not believe its bytes were flushed.
// Happened: the pending drain() resolves normally (as asyncio's
// FlowControlMixin does on connection_lost(None)), so a pump loop
// `write(); await drain()` only learns about the abort at its next write(),
// with a plain Error "Cannot write: StreamWriter is closing", not
// ConnectionReset. Severity: low (asyncio parity; doc ambiguity).
Deno.test("finding: drain() pending when abort() drops the buffer resolves as if flushed", async () => {
  await run(async () => {
    const w = new StreamWriter({
      write: () => new Promise(() => {}),
      close: () => {},
    });
    w.write(new Uint8Array(1 << 20));
    const pending = createTask(() => w.drain());
    await sleep(0);
    w.abort();
    await assert.rejects(w.drain(), Deno.errors.ConnectionReset); // after: as documented
    await assert.rejects(pending, Deno.errors.ConnectionReset); // pending: resolves instead
  });
});
