/**
 * ALPN: the protocol a TLS handshake settled on.
 *
 * `openConnection({ tls: { alpnProtocols } })`, `writer.startTls({
 * alpnProtocols })` and `startServer({ tls: { alpnProtocols } })` offered
 * or accepted ALPN protocols, but the protocol the handshake chose was
 * dropped: the client awaited `Deno.TlsConn.handshake()`, which resolves
 * with `{ alpnProtocol }`, and discarded it, and neither the reader nor
 * the writer (nor the server's handler) had anything that told it. A
 * client that offered `["h2", "http/1.1"]` could not know which protocol
 * to speak, and a server could not know what its client agreed to; the
 * option was unusable for what ALPN is for. Nothing in the docs said how
 * to read it.
 *
 * Fixed, as asyncio's `writer.get_extra_info("ssl_object")
 * .selected_alpn_protocol()` on both sides: `StreamWriter.alpnProtocol`,
 * a documented read-only property (Deno's own name for it,
 * `TlsHandshakeInfo.alpnProtocol`), is the protocol the handshake agreed,
 * or `null` when none was or the stream is not TLS. It is set when
 * `openConnection({ tls })` hands the writer out, when `startTls()` ends,
 * and before a TLS server's handler runs (the server now runs it after the
 * handshake).
 */

import assert from "node:assert/strict";
import {
  openConnection,
  startServer,
  type StreamWriter,
} from "@aio/asyncio/io";
import { getRunningLoop } from "@aio/asyncio/loop";
import { run } from "@aio/asyncio/task";

const cert = await Deno.readTextFile(
  new URL("../../io/testdata/cert.pem", import.meta.url),
);
const key = await Deno.readTextFile(
  new URL("../../io/testdata/key.pem", import.meta.url),
);

function alpnOf(writer: StreamWriter): unknown {
  return (writer as unknown as { alpnProtocol?: unknown }).alpnProtocol;
}

Deno.test("both ends of a TLS connection can read the ALPN protocol agreed", async () => {
  const seen = await run(async () => {
    const serverSaw = getRunningLoop().createFuture<unknown>();
    const server = await startServer(async (reader, writer) => {
      await reader.readLine(); // the handshake is done
      serverSaw.setResult(alpnOf(writer));
      writer.write("ok\n");
      await writer.drain();
    }, {
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert, key, alpnProtocols: ["h2", "http/1.1"] },
    });
    try {
      const [reader, writer] = await openConnection({
        hostname: "127.0.0.1",
        port: server.port,
        tls: { caCerts: [cert], alpnProtocols: ["h2", "http/1.1"] },
      });
      try {
        const client = alpnOf(writer);
        writer.write("hi\n");
        await reader.readLine();
        return { client, server: await serverSaw };
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
  assert.deepEqual(seen, { client: "h2", server: "h2" });
});

Deno.test("writer.alpnProtocol: null in clear text and without ALPN, set by startTls()", async () => {
  const seen = await run(async () => {
    await using server = await startServer(async (reader, writer) => {
      await reader.readLine();
      writer.write(`${writer.alpnProtocol}\n`);
      await writer.drain();
    }, {
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert, key, alpnProtocols: ["h2", "http/1.1"] },
    });
    const [r1, w1] = await openConnection({
      hostname: "127.0.0.1",
      port: server.port,
    });
    const clear = w1.alpnProtocol;
    await w1.startTls({
      hostname: "localhost",
      caCerts: [cert],
      alpnProtocols: ["http/1.1"],
    });
    const upgraded = w1.alpnProtocol;
    w1.write("hi\n");
    const serverSaw = new TextDecoder().decode(await r1.readLine());
    await w1[Symbol.asyncDispose]();
    const [r2, w2] = await openConnection({
      hostname: "127.0.0.1",
      port: server.port,
      tls: { hostname: "localhost", caCerts: [cert] },
    });
    const none = w2.alpnProtocol;
    w2.write("hi\n");
    const serverSawNone = new TextDecoder().decode(await r2.readLine());
    await w2[Symbol.asyncDispose]();
    return { clear, upgraded, serverSaw, none, serverSawNone };
  });
  assert.deepEqual(seen, {
    clear: null,
    upgraded: "http/1.1",
    serverSaw: "http/1.1\n",
    none: null,
    serverSawNone: "null\n",
  });
});
