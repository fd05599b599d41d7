import assert from "node:assert/strict";
import { run } from "../task/mod.ts";
import { findPython, hasCommand, startPeer } from "./_test_util.ts";
import { openConnection } from "./open_connection.ts";
import { openUnixConnection } from "./open_unix_connection.ts";
import { startServer } from "./start_server.ts";
import { startUnixServer } from "./start_unix_server.ts";

const dec = new TextDecoder();
const text = (b: Uint8Array) => dec.decode(b);
const testdata = new URL("./testdata/", import.meta.url);
const cert = await Deno.readTextFile(new URL("cert.pem", testdata));
const key = await Deno.readTextFile(new URL("key.pem", testdata));
const python = await findPython();
const openssl = await hasCommand("openssl", ["version"]);

Deno.test(
  "StreamWriter.startTls() upgrades after a STARTTLS exchange with a CPython asyncio server",
  {
    ignore: python === null,
  },
  async () => {
    await using peer = await startPeer(python!, [
      new URL("starttls_server.py", testdata).pathname,
    ]);
    const got = await run(async () => {
      const [r, w] = await openConnection({ port: peer.port });
      assert.equal(w.canWriteEof(), true);
      w.write("STARTTLS\n");
      const ok = text(await r.readLine());
      await w.startTls({ caCerts: [cert] });
      assert.equal(w.canWriteEof(), false);
      w.write("over tls\n");
      const first = text(await r.readLine());
      w.write("again\n");
      const second = text(await r.readLine());
      await w[Symbol.asyncDispose]();
      return [ok, first, second];
    });
    assert.equal(got[0], "OK\n");
    assert.match(got[1]!, /^TLSv1\.[23] OVER TLS\n$/);
    assert.match(got[2]!, /^TLSv1\.[23] AGAIN\n$/);
  },
);

Deno.test(
  "StreamWriter.startTls() sends what was written before in clear, then the handshake",
  {
    ignore: python === null,
  },
  async () => {
    await using peer = await startPeer(python!, [
      new URL("starttls_now_server.py", testdata).pathname,
    ]);
    const got = await run(async () => {
      const [r, w] = await openConnection({ port: peer.port });
      // No reply to wait for: the line must leave before the ClientHello.
      w.write("STARTTLS-NOW\n");
      await w.startTls({ hostname: "localhost", caCerts: [cert] });
      w.write("hello\n");
      const line = text(await r.readLine());
      await w[Symbol.asyncDispose]();
      return line;
    });
    assert.match(got, /^TLSv1\.[23] HELLO\n$/);
  },
);

Deno.test(
  "StreamWriter.startTls() talks TLS to openssl s_server on a connection opened in clear",
  {
    ignore: !openssl,
  },
  async () => {
    await using peer = await startPeer("openssl", [
      "s_server",
      "-accept",
      "127.0.0.1:0",
      "-cert",
      new URL("cert.pem", testdata).pathname,
      "-key",
      new URL("key.pem", testdata).pathname,
      "-rev",
      "-naccept",
      "1",
    ]);
    const got = await run(async () => {
      const [r, w] = await openConnection({ port: peer.port });
      await w.startTls({ hostname: "localhost", caCerts: [cert] });
      w.write("stressed\n");
      const line = text(await r.readLine());
      await w[Symbol.asyncDispose]();
      return line;
    });
    assert.equal(got, "desserts\n");
  },
);

Deno.test("StreamWriter.startTls() with an untrusted certificate rejects and closes the connection", async () => {
  await run(async () => {
    await using server = await startServer(async (r) => {
      await r.read().catch(() => {});
    }, { port: 0, tls: { cert, key } });
    const [r, w] = await openConnection({ port: server.port });
    await assert.rejects(w.startTls());
    assert.equal(w.isClosing(), true);
    await w.waitClosed();
    assert.equal((await r.read()).length, 0);
  });
});

Deno.test("StreamWriter.startTls() while a read waits throws and leaves the connection as it was", async () => {
  const got = await run(async () => {
    await using server = await startServer(async (r, w) => {
      w.write(await r.readLine());
    }, { port: 0 });
    const [r, w] = await openConnection({ port: server.port });
    const line = r.readLine();
    await assert.rejects(
      w.startTls(),
      (e: unknown) => e instanceof Error && /a read is waiting/.test(e.message),
    );
    assert.equal(w.isClosing(), false);
    w.write("still clear\n");
    const echoed = text(await line);
    await w[Symbol.asyncDispose]();
    return echoed;
  });
  assert.equal(got, "still clear\n");
});

Deno.test("StreamWriter.startTls() refuses TLS connections, Unix sockets and a second upgrade", async () => {
  const path = "/tmp/aio-test-io-5.sock";
  await run(async () => {
    await using tlsServer = await startServer(async (r) => {
      await r.read();
    }, { port: 0, tls: { cert, key } });
    const [, w1] = await openConnection({
      port: tlsServer.port,
      tls: { caCerts: [cert] },
    });
    await assert.rejects(w1.startTls(), /not a plain TCP connection/);
    await w1[Symbol.asyncDispose]();

    const [, w4] = await openConnection({ port: tlsServer.port });
    await w4.startTls({ hostname: "localhost", caCerts: [cert] });
    await assert.rejects(w4.startTls(), /not a plain TCP connection/);
    await w4[Symbol.asyncDispose]();

    await using _unix = await startUnixServer(async (r) => {
      await r.read();
    }, { path });
    const [, w2] = await openUnixConnection(path);
    await assert.rejects(w2.startTls(), /not a plain TCP connection/);
    await w2[Symbol.asyncDispose]();
  });
});

Deno.test("StreamWriter.startTls() with an aborted signal rejects with its reason and changes nothing", async () => {
  const got = await run(async () => {
    await using server = await startServer(async (r, w) => {
      w.write(await r.readLine());
    }, { port: 0 });
    const [r, w] = await openConnection({ port: server.port });
    const reason = new Error("not now");
    await assert.rejects(
      w.startTls({ signal: AbortSignal.abort(reason) }),
      (e) => e === reason,
    );
    w.write("clear\n");
    const line = text(await r.readLine());
    await w[Symbol.asyncDispose]();
    return line;
  });
  assert.equal(got, "clear\n");
});
