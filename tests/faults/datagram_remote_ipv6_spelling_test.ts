/**
 * A connected `DatagramEndpoint` whose `remoteAddr` spells an IPv6 address
 * in another (valid) form than the one Deno reports.
 *
 * The endpoint emulates a connected socket: `#deliver` drops every datagram
 * whose sender is not `remoteAddr`, and `sameAddr()` compared host
 * strings. Deno reports senders in the canonical form (`::1`), so with
 * `remoteAddr: { hostname: "0:0:0:0:0:0:0:1" }` (or `::0:1`, or
 * upper-case hex) every reply from the peer was silently dropped and
 * `recv()` waited forever, though `send()` reached the peer fine. A kernel
 * `connect()` (asyncio's `remote_addr=`) compares addresses, not
 * spellings. Also, `isLoopback()` did not see that this is loopback, so
 * the endpoint bound `::` (every interface) instead of `::1`.
 *
 * Expected: replies from the peer reach `recv()`, and the endpoint binds
 * `::1`.
 *
 * Fixed: `sameAddr()` compares `addressKey()`s (`io/_net.ts`): an IPv6
 * address as its eight groups (`0:0:0:0:0:0:0:1` for all three spellings
 * here), an IPv4-mapped one as its IPv4 address (a socket bound to `::`
 * reports an IPv4 peer as `::ffff:127.0.0.1`). `isLoopback()` takes every
 * spelling of `::1`, so the endpoint binds `::1`.
 *
 * Run with --unstable-net; skipped without IPv6 loopback.
 */

import assert from "node:assert/strict";
import { createDatagramEndpoint } from "../../io/mod.ts";
import { run, waitFor } from "../../task/mod.ts";

let v6 = true;
try {
  Deno.listenDatagram({ transport: "udp", hostname: "::1", port: 0 }).close();
} catch {
  v6 = false;
}

for (const spelling of ["0:0:0:0:0:0:0:1", "::0:1", "0::1"]) {
  Deno.test(
    `a DatagramEndpoint connected to ${spelling} receives the peer's replies`,
    { ignore: !v6 },
    async () => {
      const got = await run(async () => {
        await using peer = await createDatagramEndpoint({
          localAddr: { hostname: "::1" },
        });
        await using ep = await createDatagramEndpoint({
          remoteAddr: { hostname: spelling, port: peer.localAddr.port },
        });
        await ep.send("ping");
        const { data, addr } = await waitFor(peer.recv(), 1000);
        await peer.send(data, addr);
        const reply = await waitFor(ep.recv(), 300).then(
          ({ data }) => new TextDecoder().decode(data),
          (e) =>
            `no reply (${e.name}); the peer's reply came from ${addr.hostname}`,
        );
        return [reply, ep.localAddr.hostname];
      });
      assert.deepEqual(got, ["ping", "::1"]);
    },
  );
}
