/**
 * A connected `DatagramEndpoint` whose `remoteAddr` named a loopback
 * address in a spelling `addressKey()` (io/_net.ts) did not read, though
 * Deno's `send()` takes it.
 *
 * - `[::1]`, the bracketed form: what `new URL("udp://[::1]:5353").hostname`
 *   gives, so the usual way to get a host out of a configured URL.
 *   `send()` reached the peer (Deno strips the brackets), but
 *   `isIpLiteral()` took it for an IP address (it has a `:`), whose
 *   `addressKey()` was `null`, so `sameAddr()` dropped every reply and
 *   `recv()` waited forever. It also bound `::` (every interface) rather
 *   than `::1`.
 * - `127.000.000.001`, zero-padded IPv4 (the resolver takes it for
 *   127.0.0.1): it bound 127.0.0.1 and sent fine, but `addressKey()` kept
 *   IPv4 as written, so the reply from `127.0.0.1` was dropped. CPython's
 *   `remote_addr=("127.000.000.001", port)` connects the socket and gets
 *   the reply.
 *
 * The same kind of failure as datagram_remote_ipv6_spelling_test.ts: a
 * peer that answered was never heard, with no error.
 *
 * Expected: replies from the peer reach `recv()` (or, for a spelling the
 * endpoint does not mean to take, creating it fails with an error that
 * says so, before anything is sent).
 *
 * Fixed: `addressKey()` and `isLoopback()` read `[::1]` as `::1` (Deno
 * takes the bracketed form for sending and binding, so it is passed on as
 * it is), and the endpoint binds `::1`. IPv4 in four dotted parts is
 * keyed as the system resolver reads it, which is what Deno sends to
 * (checked with strace): a part with a leading 0 is octal (`127.000.000.001`
 * and `0177.0.0.1` are 127.0.0.1, `0127.0.0.1` is 87.0.0.1, `127.0.0.08`
 * is no address, and Deno fails to resolve it). Deno's `--allow-net` checks
 * the name as written, so the test tasks also allow `127.000.000.001`.
 *
 * Run with --unstable-net; the IPv6 case is skipped without IPv6 loopback.
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

const cases = [
  { spelling: new URL("udp://[::1]:5353").hostname, peer: "::1", ignore: !v6 },
  { spelling: "127.000.000.001", peer: "127.0.0.1", ignore: false },
];

for (const { spelling, peer: peerHost, ignore } of cases) {
  Deno.test(
    `a DatagramEndpoint connected to ${spelling} hears the peer's replies (or refuses the spelling)`,
    { ignore },
    async () => {
      const got = await run(async () => {
        await using peer = await createDatagramEndpoint({
          localAddr: { hostname: peerHost },
        });
        let ep;
        try {
          ep = await createDatagramEndpoint({
            remoteAddr: { hostname: spelling, port: peer.localAddr.port },
          });
        } catch (e) {
          return `refused: ${e}`;
        }
        await using _ep = ep;
        await ep.send("ping");
        const { data, addr } = await waitFor(peer.recv(), 1000);
        await peer.send(data, addr);
        return await waitFor(ep.recv(), 300).then(
          ({ data }) => new TextDecoder().decode(data),
          (e) =>
            `no reply (${e.name}); the peer got the ping and answered from ${addr.hostname}`,
        );
      });
      assert.ok(
        got === "ping" || got.startsWith("refused: "),
        `${spelling}: ${got}`,
      );
    },
  );
}
