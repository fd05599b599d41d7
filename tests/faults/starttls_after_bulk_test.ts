/**
 * `writer.startTls()` after a clear-text transfer.
 *
 * The socket pump reads ahead on its own while large reads come back full
 * (`io/_socket.ts`). When the peer's clear-text data ends exactly where a
 * full read ends (256 + 4,096 + 65,536 bytes here, all in the kernel
 * before the client reads), the pump starts one more read that nothing
 * will ever answer: the peer now waits for the ClientHello. `startTls()`
 * waits for that read to end before it upgrades ("A read-ahead of a bulk
 * transfer ends as its data arrives"), so it never sends the ClientHello:
 * the upgrade hangs until the caller's deadline.
 *
 * Expected (asyncio's `StreamWriter.start_tls()`, and this module's docs:
 * "`writer.startTls()` works because no read is pending"): whatever was
 * read before, the handshake starts at once. The idle connection also
 * keeps a 64 KiB read buffer instead of the 256-byte one the docs promise.
 *
 * Fixed: the pump never reads ahead of the reader (`io/_socket.ts` says
 * why), so no socket read is pending when nobody reads.
 */

import assert from "node:assert/strict";
import { openConnection, startServer } from "../../io/mod.ts";
import { Event } from "../../sync/mod.ts";
import { createTask, run, timeout } from "../../task/mod.ts";

/** A TLS record of type handshake starts with this byte. */
const HANDSHAKE = 0x16;

for (
  const size of [
    256 + 4_096 + 65_536,
    256 + 4_096 + 2 * 65_536,
  ]
) {
  Deno.test(`startTls() after reading ${size} bytes in clear (a transfer ending on a full read) sends its ClientHello`, async () => {
    const first = await run(async () => {
      const sent = new Event();
      const got = new Event();
      let firstByte = -1;
      await using server = await startServer(async (r, w) => {
        await r.readLine();
        w.write(new Uint8Array(size));
        await w.drain();
        // Everything is in the client's kernel buffer once drain() returns
        // on loopback: its reads come back full.
        sent.set();
        // A bound for the failure only: the ClientHello comes at once when
        // the upgrade works.
        const b = await timeout(2_000, () => r.read(1)).catch(() => null);
        firstByte = b?.[0] ?? -1;
        got.set();
      }, { port: 0 });
      const [r, w] = await openConnection({ port: server.port });
      w.write("GET\n");
      await sent.wait();
      assert.equal((await r.readExactly(size)).length, size);
      // Nobody serves TLS here: the upgrade fails once the server hangs up;
      // what matters is that it started.
      const upgrade = createTask(() => w.startTls({ hostname: "localhost" }));
      await got.wait();
      upgrade.cancel();
      await upgrade.catch(() => {});
      w.abort();
      await w.waitClosed();
      return firstByte;
    });
    assert.equal(
      first,
      HANDSHAKE,
      "no ClientHello reached the server: startTls() waited for a read-ahead nothing answers",
    );
  });
}
