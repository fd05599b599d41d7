/**
 * `abort()` while a write is in flight, after `writeEof()`: once the
 * write settles, the writer calls `sink.closeWrite()` on the sink it
 * already released with `sink.close()`.
 *
 * What happens: `write()`, `writeEof()`, `abort()`; `abort()` calls
 * `sink.close()` at once; when the pending `sink.write()` settles, the
 * callback chain (`#sent` -> `#flushEnd`) sees the EOF still requested and
 * not sent and half-closes: the sink sees `write, close, closeWrite`. An
 * aborted writer must not send anything more, least of all after
 * `close()` (`WriteSink.close` "Releases the sink"; asyncio's `abort()`
 * drops buffered data and the EOF). For the sockets the late `closeWrite()`
 * fails on the closed connection and the failure is swallowed; a sink of
 * the user's own (a pipe whose descriptor was closed and reused, a
 * protocol multiplexer) acts on something that is no longer its own.
 *
 * Expected: after `abort()`, no sink method other than `close()` (and
 * `closeNow()`) is called: the sink sees `write, close`.
 *
 * f5296cc: the same (its async flush loop breaks on `#aborted`, then sends
 * the EOF all the same).
 */

import assert from "node:assert/strict";
import { StreamWriter } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";

Deno.test("abort() after writeEof() with a write in flight does not half-close the released sink", async () => {
  const calls = await run(async () => {
    const calls: string[] = [];
    let release!: () => void;
    const w = new StreamWriter({
      write: () => {
        calls.push("write");
        return new Promise<void>((r) => (release = r));
      },
      closeWrite: () => void calls.push("closeWrite"),
      close: () => void calls.push("close"),
    });
    w.write(new Uint8Array(10));
    w.writeEof();
    w.abort();
    release();
    await w.waitClosed();
    // Let the settled write's callbacks run.
    for (let i = 0; i < 10; i++) await Promise.resolve();
    await new Promise((r) => setTimeout(r, 0));
    return calls;
  });
  assert.deepEqual(calls, ["write", "close"]);
});
