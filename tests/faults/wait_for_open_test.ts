/**
 * `waitFor()` around the functions that open something.
 *
 * `openConnection()`, `openUnixConnection()`, `openFile()` and `copyFile()`
 * are plain async functions: the promise they return is not a wait
 * `waitFor()` can cancel, and their inner wait registered with the caller's
 * scope (the call is made before `waitFor()` opens its own). So when the
 * deadline passes, `waitFor()` throws `TimeoutError` and abandons the call,
 * which goes on and opens the connection or file for nobody: it is never
 * closed (measured: the client's descriptor stays open and the server never
 * sees EOF; a storm of 600 connects with 0-2 ms deadlines left 280
 * connections open on both sides, 560 descriptors). `waitFor(copyFile(a, b),
 * 0)` throws `TimeoutError`, then copies the whole file anyway (20 MB),
 * where a cancelled copy removes its destination. `timeout(ms, () =>
 * openConnection())` and `timeout(ms, () => copyFile())` do stop: there the
 * waits are in the timeout's scope.
 *
 * Expected (README: "`waitFor(aw, ms)` deadline cancels `aw` (a task, a
 * future, any wait this library returns)"; io/mod.ts: "a connection or file
 * opened for a cancelled wait is closed"; asyncio's
 * `wait_for(open_connection(...), t)` cancels the connect and closes the
 * socket): the abandoned call ends cancelled, or at least hands back streams
 * that are already closed.
 */

import assert from "node:assert/strict";
import { copyFile, openConnection, openFile } from "../../io/mod.ts";
import { CancelledError } from "../../loop/mod.ts";
import { run, TimeoutError, waitFor } from "../../task/mod.ts";

const testdata = new URL("../../io/testdata/", import.meta.url);
const cert = await Deno.readTextFile(new URL("cert.pem", testdata));
const key = await Deno.readTextFile(new URL("key.pem", testdata));

/** What became of a call `waitFor()` gave up on. */
function fate(error: unknown): string {
  return error instanceof CancelledError ? "cancelled" : String(error);
}

Deno.test("waitFor(openConnection(), 0) that times out leaves no connection open", async () => {
  const [outcome, peer] = await run(async () => {
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    const opening = openConnection({ port });
    await assert.rejects(waitFor(opening, 0), TimeoutError);
    const outcome = await opening.then(([, w]) => {
      const closed = w.isClosing();
      w.abort();
      return closed ? "closed" : "open, for nobody";
    }, fate);
    using accepted = await listener.accept();
    const peer = await accepted.read(new Uint8Array(1)) === null
      ? "EOF"
      : "data";
    return [outcome, peer];
  });
  assert.ok(
    outcome === "cancelled" || outcome === "closed",
    `the abandoned openConnection() ended ${outcome}`,
  );
  assert.equal(peer, "EOF");
});

Deno.test("waitFor(openConnection({ tls }), 0) that times out leaves no connection open", async () => {
  const listener = Deno.listenTls({
    hostname: "127.0.0.1",
    port: 0,
    cert,
    key,
  });
  const port = (listener.addr as Deno.NetAddr).port;
  const accepting = listener.accept();
  try {
    const outcome = await run(async () => {
      const opening = openConnection({ port, tls: { caCerts: [cert] } });
      await assert.rejects(waitFor(opening, 0), TimeoutError);
      return await opening.then(([, w]) => {
        const closed = w.isClosing();
        w.abort();
        return closed ? "closed" : "open, for nobody";
      }, fate);
    });
    assert.ok(
      outcome === "cancelled" || outcome === "closed",
      `the abandoned openConnection() ended ${outcome}`,
    );
  } finally {
    (await accepting).close();
    listener.close();
  }
});

// The ops sanitizer is off for this test only: a cancelled openFile()
// abandons its host call, which closes the file when it lands, and under
// load it can land after the test ends (seen twice in full runs).
Deno.test({
  name: "waitFor(openFile(), 0) that times out leaves no file open",
  sanitizeOps: false,
}, async () => {
  const outcome = await run(async () => {
    const opening = openFile(new URL("cert.pem", testdata));
    await assert.rejects(waitFor(opening, 0), TimeoutError);
    return await opening.then(async (file) => {
      const closed = file.closed;
      await file.close();
      return closed ? "closed" : "open, for nobody";
    }, fate);
  });
  assert.ok(
    outcome === "cancelled" || outcome === "closed",
    `the abandoned openFile() ended ${outcome}`,
  );
});

Deno.test("waitFor(copyFile(), 0) that times out stops the copy and removes the destination", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/from`, new Uint8Array(4 * 65_536));
    const outcome = await run(async () => {
      const copying = copyFile(`${dir}/from`, `${dir}/to`, {
        chunkSize: 65_536,
      });
      await assert.rejects(waitFor(copying, 0), TimeoutError);
      return await copying.then((n) => `copied ${n} bytes anyway`, fate);
    });
    assert.equal(outcome, "cancelled");
    await assert.rejects(Deno.stat(`${dir}/to`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
