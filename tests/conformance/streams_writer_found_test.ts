/**
 * CPython `Lib/test/test_asyncio/test_streams.py`: a behaviour of aio's
 * `StreamWriter` that differed from asyncio, found by this port.
 *
 * CPython `StreamTests.test_async_writer_api_exception_after_close`:
 * `wr.close()` then `wr.write(b'data'); await wr.drain()` raises
 * `ConnectionResetError`. asyncio's `drain()` sees `transport.is_closing()`,
 * yields once (`sleep(0)`) so that `connection_lost()` runs, and then
 * `_drain_helper()` raises `ConnectionResetError('Connection lost')`.
 *
 * aio: `write()` after `close()` threw (documented, asserted in
 * `streams_net_documented_test.ts`), but `drain()` called in the same tick
 * as `close()` (the writer closing, nothing buffered) resolved as if
 * everything were fine; one tick later it rejected with `ConnectionReset`.
 * `drain()`'s doc says it throws "when called once the writer was aborted
 * or has closed", and `isClosing()` is already `true` here. Severity: low
 * (no byte is lost, since `write()` throws; a `drain()` used as the
 * "is the connection still good?" check after another task's `close()`
 * passes).
 *
 * Fixed: `drain()` rejects with `ConnectionReset` once `close()` was called.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openConnection } from "@aio/asyncio/io";
import { b, netRun, runTestServer, str } from "./_streams_util.ts";

Deno.test("StreamTests.test_async_writer_api_exception_after_close: drain() right after close() raises ConnectionReset", async () => {
  const httpd = runTestServer();
  try {
    await netRun(async () => {
      const [rd, wr] = await openConnection({
        hostname: "127.0.0.1",
        port: httpd.port,
      });
      wr.write(b("GET / HTTP/1.0\r\n\r\n"));
      assert.equal(str(await rd.readLine()), "HTTP/1.0 200 OK\r\n");
      assert.ok(str(await rd.read()).endsWith("\r\n\r\nTest message"));
      wr.close();
      assert.equal(wr.isClosing(), true);
      try {
        await assert.rejects(wr.drain(), Deno.errors.ConnectionReset);
      } finally {
        await wr.waitClosed();
      }
    });
  } finally {
    await httpd.close();
  }
});
