/**
 * ALPN with no protocol in common: the client offers `["http/1.1"]`, the
 * server accepts only `["h2"]`.
 *
 * `StreamWriter.alpnProtocol`'s doc says it is `null` "when the peers
 * agreed on none (one of them offered none, or none in common)", and
 * asyncio (OpenSSL) does so: the handshake succeeds, `selected_alpn_protocol()`
 * is `None` on both ends, and the peers fall back to their default
 * protocol (CPython 3.11 `start_server(ssl=ctx)` with
 * `set_alpn_protocols(["h2"])` and a client offering `["http/1.1"]`:
 * `client alpn None`, the handler runs and sees `None`).
 *
 * aio (rustls under Deno 2.9): the server ends the handshake with a fatal
 * `no_application_protocol` alert. `openConnection()` rejects with
 * `InvalidData: received fatal alert: NoApplicationProtocol`, the handler
 * never runs, and (debug mode) the server reports "TLS handshake failed:
 * peer doesn't support any known protocol". A client offering one
 * protocol the server does not list cannot connect at all, which nothing
 * in the docs says; the `alpnProtocol` doc promises the opposite.
 *
 * Expected: the handshake succeeds with `alpnProtocol === null` on both
 * ends, as documented and as asyncio; or, if Deno cannot do that, the docs
 * of `alpnProtocols` (server and client) and `alpnProtocol` say that no
 * protocol in common fails the handshake (RFC 7301's strict reading),
 * unlike asyncio.
 *
 * Deno cannot: rustls decides, and Deno exposes no switch. Documented
 * (`alpnProtocols` and `alpnProtocol`); the test now asserts that the
 * handshake fails with the alert, as the docs say.
 */

import assert from "node:assert/strict";
import { openConnection, startServer } from "@aio/asyncio/io";
import { run } from "@aio/asyncio/task";

const cert = await Deno.readTextFile(
  new URL("../../io/testdata/cert.pem", import.meta.url),
);
const key = await Deno.readTextFile(
  new URL("../../io/testdata/key.pem", import.meta.url),
);

Deno.test("ALPN with no protocol in common fails the handshake (documented; asyncio connects with none)", async () => {
  const got = await run(async () => {
    let handled = false;
    await using server = await startServer(() => {
      handled = true;
    }, { port: 0, tls: { cert, key, alpnProtocols: ["h2"] } });
    const error = await openConnection({
      port: server.port,
      tls: {
        hostname: "localhost",
        caCerts: [cert],
        alpnProtocols: ["http/1.1"],
      },
    }).then(
      async ([, w]) => {
        await w[Symbol.asyncDispose]();
        return null;
      },
      (e: unknown) => e,
    );
    return [String(error), handled];
  });
  assert.match(got[0] as string, /NoApplicationProtocol/);
  assert.equal(got[1], false);
});
