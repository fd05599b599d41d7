/**
 * `openConnection({ hostname, port, tls: { hostname: name } })`: a TLS
 * connection to an address, verified against another name (connecting by
 * IP, or through a tunnel, to a server whose certificate names a host).
 *
 * `TlsClientOptions.hostname` was documented as "the name the server's
 * certificate must match (and the SNI name); the connection still goes to
 * the `hostname` of the connection options". It did not: `connect()`
 * passed it to `Deno.connectTls()` as the host to connect to, so the
 * connection went to whatever `name` resolved to, and the connection
 * options' `hostname` was ignored. Measured: a TLS server on 127.0.0.2
 * with a certificate for `localhost`, and `openConnection({ hostname:
 * "127.0.0.2", tls: { hostname: "localhost", caCerts } })`:
 * `ConnectionRefused` (it dialled localhost). Worse than a failure when
 * `name` resolves to a live host: the bytes went to a host the caller
 * never asked for. (The same doc comment went on to say the name "is used
 * for both", contradicting its first sentence.)
 *
 * Fixed, as asyncio's `open_connection(host, port, ssl=ctx,
 * server_hostname=name)`: `openConnection()` connects with
 * `Deno.connect()` to `hostname`, then upgrades with `Deno.startTls(conn,
 * { hostname: name })`, as `writer.startTls()` does, so `name` is only the
 * SNI name and the one the certificate must match; the doc says so, once.
 * `deno task test` (and scripts/check.sh) now allow 127.0.0.2, so this
 * test runs there (on Linux, where all of 127/8 is loopback).
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

Deno.test(
  "tls.hostname names the certificate; the connection goes to hostname",
  {
    // 127.0.0.2 is loopback on Linux; `deno task test` allows it.
    ignore: Deno.build.os !== "linux" ||
      Deno.permissions.querySync({ name: "net", host: "127.0.0.2" }).state !==
        "granted",
  },
  async () => {
    const line = await run(async () => {
      const server = await startServer(async (_reader, writer) => {
        writer.write("hello\n");
        await writer.drain();
      }, { hostname: "127.0.0.2", port: 0, tls: { cert, key } });
      try {
        const [reader, writer] = await openConnection({
          hostname: "127.0.0.2",
          port: server.port,
          tls: { hostname: "localhost", caCerts: [cert] },
        });
        try {
          return new TextDecoder().decode(await reader.readLine());
        } finally {
          writer.close();
          await writer.waitClosed();
        }
      } finally {
        server.close();
        server.closeClients();
        await server.waitClosed();
      }
    });
    assert.equal(line, "hello\n");
  },
);
