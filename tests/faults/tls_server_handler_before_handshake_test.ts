/**
 * A TLS server (`startServer({ tls })`) and clients that never complete a
 * TLS handshake: a load balancer's TCP health check (connect, close), a
 * port scanner, a plain-text client on the TLS port, a reset.
 *
 * The server ran the handler for every accepted TCP connection, before
 * any handshake (Deno's TLS listener hands out connections whose handshake
 * happens on first use). So the handler ran for each of those clients,
 * its first read or drain failed with the handshake's error, and unless it
 * caught everything that error went to the loop's exception handler as
 * "Unhandled exception in client connected handler", with its stack, on
 * stderr by default. Measured: a TCP connect-and-close, a plain HTTP
 * request and a reset on a TLS server each ran the handler once and each
 * printed a report (`UnexpectedEof: unexpected end of file`, `InvalidData:
 * received corrupt message of type InvalidContentType`, `ConnectionReset`).
 * A server behind a health-checking load balancer printed one every few
 * seconds, and a handler that counted or logged its clients counted those.
 *
 * Fixed, as asyncio's `start_server(ssl=ctx)`: the server runs each TLS
 * connection's handshake first, on its own (not awaited by the accept
 * loop, so a client slow to send its ClientHello holds up nobody), and
 * calls the handler once it succeeded. A failed handshake closes the
 * connection and is reported only in debug mode ("TLS handshake failed",
 * through the loop's exception handler; asyncio's
 * `SSLProtocol._fatal_error()` logs it at debug level only). A connection
 * in its handshake counts in `connectionCount`, and `closeClients()`,
 * `abortClients()` and the loop's close end it (its handler never runs).
 */

import assert from "node:assert/strict";
import { openConnection, startServer } from "@aio/asyncio/io";
import { getRunningLoop } from "@aio/asyncio/loop";
import { run, sleep } from "@aio/asyncio/task";

const cert = await Deno.readTextFile(
  new URL("../../io/testdata/cert.pem", import.meta.url),
);
const key = await Deno.readTextFile(
  new URL("../../io/testdata/key.pem", import.meta.url),
);

Deno.test("a TLS server runs its handler only after a handshake", async () => {
  const seen = await run(async () => {
    const reports: string[] = [];
    getRunningLoop().setExceptionHandler((_loop, context) => {
      reports.push(`${context.message}: ${String(context.exception)}`);
    });
    let handled = 0;
    const server = await startServer(async (reader, writer) => {
      handled++;
      writer.write("hello\n");
      await writer.drain();
      await reader.readLine();
    }, { hostname: "127.0.0.1", port: 0, tls: { cert, key } });
    try {
      // A health check: connect, hang up.
      const probe = await Deno.connect({
        hostname: "127.0.0.1",
        port: server.port,
      });
      probe.close();
      // Then a TLS client.
      const [reader, writer] = await openConnection({
        hostname: "127.0.0.1",
        port: server.port,
        tls: { caCerts: [cert] },
      });
      try {
        assert.equal(
          new TextDecoder().decode(await reader.readLine()),
          "hello\n",
        );
        writer.write("bye\n");
        await writer.drain();
      } finally {
        writer.close();
        await writer.waitClosed();
      }
    } finally {
      server.close();
      server.closeClients();
      await server.waitClosed();
    }
    return { handled, reports };
  });
  assert.deepEqual(seen, { handled: 1, reports: [] });
});

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (cond()) return;
    await sleep(5);
  }
  throw new Error(`Timed out waiting until ${what}`);
}

Deno.test("a TLS client that never sends its ClientHello holds up neither the others nor the close", async () => {
  const handled = await run(async () => {
    let handled = 0;
    const server = await startServer(async (_reader, writer) => {
      handled++;
      writer.write("hello\n");
      await writer.drain();
    }, { hostname: "127.0.0.1", port: 0, tls: { cert, key } });
    const silent = await Deno.connect({
      hostname: "127.0.0.1",
      port: server.port,
    });
    try {
      await until(() => server.connectionCount === 1, "the server accepted");
      // Served while the silent client's handshake waits.
      const [reader, writer] = await openConnection({
        hostname: "127.0.0.1",
        port: server.port,
        tls: { caCerts: [cert] },
      });
      try {
        assert.equal(
          new TextDecoder().decode(await reader.readLine()),
          "hello\n",
        );
      } finally {
        writer.close();
        await writer.waitClosed();
      }
      // The close ends the waiting handshake too.
      server.close();
      server.closeClients();
      await server.waitClosed();
      assert.equal(server.connectionCount, 0);
    } finally {
      silent.close();
    }
    return handled;
  });
  assert.equal(handled, 1);
});

Deno.test("a failed TLS handshake is reported in debug mode only", async () => {
  const reports = await run(async () => {
    const reports: string[] = [];
    getRunningLoop().setExceptionHandler((_loop, context) => {
      reports.push(context.message);
    });
    await using server = await startServer(() => {}, {
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert, key },
    });
    const probe = await Deno.connect({
      hostname: "127.0.0.1",
      port: server.port,
    });
    await probe.write(new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"));
    await probe.read(new Uint8Array(1024)).catch(() => null);
    probe.close();
    await until(() => reports.length > 0, "the report came");
    return reports;
  }, { debug: true });
  assert.deepEqual(reports, ["TLS handshake failed"]);
});

Deno.test("a TLS connection still in its handshake when run() ends is closed with its server", async () => {
  const [server, silent] = await run(async () => {
    const server = await startServer(() => {}, {
      hostname: "127.0.0.1",
      port: 0,
      tls: { cert, key },
    });
    const silent = await Deno.connect({
      hostname: "127.0.0.1",
      port: server.port,
    });
    await until(() => server.connectionCount === 1, "the server accepted");
    return [server, silent] as const;
  });
  try {
    assert.equal(server.isServing(), false);
    // Deno's turn that ends the handshake the close interrupted (the
    // sanitizers check that nothing is left).
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(server.connectionCount, 0);
  } finally {
    silent.close();
  }
});
