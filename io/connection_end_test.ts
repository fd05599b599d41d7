/**
 * How the end of a connection reaches both sides of it: a write that finds
 * the peer gone loses nothing the peer sent before, and a writer that can
 * no longer send says so.
 */

import assert from "node:assert/strict";
import { run, sleep } from "../task/mod.ts";
import { openConnection } from "./open_connection.ts";
import { StreamWriter } from "./stream_writer.ts";
import { findPython, startPeer } from "./_test_util.ts";

const python = await findPython();

const dec = new TextDecoder();

Deno.test("after a write fails because the peer closed, the reader still returns what the peer sent", async () => {
  // A server that answers and closes while the client is still writing its
  // request: the client's next write makes the server's kernel reset the
  // connection, and a later one fails with BrokenPipe or ConnectionReset.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    await conn.write(new TextEncoder().encode("response\n"));
    conn.close();
    listener.close();
  })();
  const got = await run(async () => {
    const [reader, writer] = await openConnection({
      port: listener.addr.port,
    });
    await served;
    let writeError = "";
    // Bounded: loopback delivers the reset within a few round trips.
    for (let i = 0; i < 2000 && writeError === ""; i++) {
      try {
        writer.write("more request\n");
        await writer.drain();
      } catch (e) {
        writeError = (e as Error).name;
      }
      await sleep(1);
    }
    const line = dec.decode(await reader.readLine());
    const after = await reader.read().then(
      (b) => `${b.length} bytes`,
      (e: Error) => e.name,
    );
    await writer.waitClosed();
    return { writeError, line, after };
  });
  assert.match(got.writeError, /^(BrokenPipe|ConnectionReset)$/);
  assert.equal(got.line, "response\n");
  // Then the end the socket reported: EOF, or the reset.
  assert.match(got.after, /^(0 bytes|ConnectionReset)$/);
});

Deno.test("drain() on an aborted or closed writer rejects with ConnectionReset, as asyncio's", async () => {
  await run(async () => {
    const aborted = new StreamWriter({
      write: async () => {},
      close: () => {},
    });
    aborted.abort();
    await assert.rejects(aborted.drain(), Deno.errors.ConnectionReset);
    const closed = new StreamWriter({ write: async () => {}, close: () => {} });
    closed.write("last words");
    closed.close();
    // While it still sends what was buffered, drain() waits as usual.
    await closed.drain();
    await closed.waitClosed();
    await assert.rejects(closed.drain(), Deno.errors.ConnectionReset);
  });
});

/**
 * A TCP server that sends argv[1] bytes, waits until the client's kernel
 * has acknowledged all of them (`TIOCOUTQ`, the bytes not yet acknowledged,
 * is 0: they are in the client's socket), then resets the connection
 * (`SO_LINGER` 0).
 */
const RESET_AFTER_DATA = `
import fcntl, socket, struct, sys, termios, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
print(l.getsockname()[1], flush=True)
c, _ = l.accept()
c.sendall(b"z" * int(sys.argv[1]))
while struct.unpack("i", fcntl.ioctl(c, termios.TIOCOUTQ, b"\\0" * 4))[0]:
    time.sleep(0.001)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
print("reset", flush=True)
`;

Deno.test({
  name:
    "a connection reset after data loses none of it: the reader returns the bytes, then the reset",
  ignore: python === null || Deno.build.os !== "linux",
  async fn() {
    const size = 100_000;
    await using peer = await startPeer(python!, [
      "-c",
      RESET_AFTER_DATA,
      String(size),
    ]);
    const got = await run(async () => {
      const [reader, writer] = await openConnection({ port: peer.port });
      const outcome = (p: Promise<Uint8Array>) =>
        p.then((b) => `${b.length} bytes`, (e: Error) => e.name);
      try {
        return [
          // Waits past the data, which arrives, then the reset.
          await outcome(reader.readExactly(size + 1)),
          await outcome(reader.read(2 * size)),
          await outcome(reader.read(2 * size)),
        ];
      } finally {
        writer.abort();
        await writer.waitClosed().catch(() => {});
      }
    });
    assert.deepEqual(await peer.finished(), ["reset"]);
    assert.deepEqual(got, [
      "ConnectionReset",
      `${size} bytes`,
      "ConnectionReset",
    ]);
  },
});

/**
 * A TCP server that sends "hello", waits until the client has it (as in
 * `RESET_AFTER_DATA`), then for one byte from the client, then resets the
 * connection without reading more: the client's next write takes the reset.
 */
const RESET_ON_FIRST_BYTE = `
import fcntl, socket, struct, termios, time
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen(1)
print(l.getsockname()[1], flush=True)
c, _ = l.accept()
c.sendall(b"hello")
while struct.unpack("i", fcntl.ioctl(c, termios.TIOCOUTQ, b"\\0" * 4))[0]:
    time.sleep(0.001)
c.recv(1)
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
print("reset", flush=True)
`;

Deno.test({
  name:
    "a reset that a write found ends the reader with it after the bytes that came, not with EOF",
  ignore: python === null || Deno.build.os !== "linux",
  async fn() {
    await using peer = await startPeer(python!, ["-c", RESET_ON_FIRST_BYTE]);
    const got = await run(async () => {
      const [reader, writer] = await openConnection({ port: peer.port });
      writer.write("x");
      await writer.drain();
      assert.deepEqual(await peer.finished(), ["reset"]);
      // The kernel reports the reset once, to this write; the socket's
      // reads then end as at EOF, which must not pass for the stream's end.
      writer.write(new Uint8Array(1 << 20));
      const drained = await writer.drain().then(() => "ok", (e) => e.name);
      const outcome = (p: Promise<Uint8Array>) =>
        p.then((b) => dec.decode(b), (e: Error) => e.name);
      return [
        drained,
        await outcome(reader.read(100)),
        await outcome(reader.read(100)),
        await outcome(reader.read()),
      ];
    });
    assert.deepEqual(got, [
      "ConnectionReset",
      "hello",
      "ConnectionReset",
      "ConnectionReset",
    ]);
  },
});

Deno.test({
  name:
    "waitClosed() rejects with the reset that dropped the bytes written before close(), once",
  ignore: python === null || Deno.build.os !== "linux",
  async fn() {
    await using peer = await startPeer(python!, ["-c", RESET_ON_FIRST_BYTE]);
    const got = await run(async () => {
      const [, writer] = await openConnection({ port: peer.port });
      writer.write("x");
      await writer.drain();
      assert.deepEqual(await peer.finished(), ["reset"]);
      // asyncio's idiom for "the last answer, then hang up".
      writer.write(new Uint8Array(1 << 20));
      writer.close();
      const outcome = (p: Promise<void>) =>
        p.then(() => "closed", (e: Error) => e.name);
      return [
        await outcome(writer.waitClosed()),
        await outcome(writer.waitClosed()),
      ];
    });
    assert.deepEqual(got, ["ConnectionReset", "closed"]);
  },
});

Deno.test({
  name:
    "a reset that a read threw is not thrown again by the writer's await using",
  ignore: python === null || Deno.build.os !== "linux",
  async fn() {
    await using peer = await startPeer(python!, ["-c", RESET_ON_FIRST_BYTE]);
    const got = await run(async () => {
      const [reader, w] = await openConnection({ port: peer.port });
      try {
        await using writer = w;
        writer.write("x");
        await writer.drain();
        assert.deepEqual(await peer.finished(), ["reset"]);
        writer.write(new Uint8Array(1 << 20)); // fails in the background
        assert.equal(dec.decode(await reader.read(100)), "hello");
        await reader.read(100); // the reset
        return "read ended";
      } catch (e) {
        return e;
      }
    });
    // Not a SuppressedError of the same reset twice.
    assert.ok(got instanceof Deno.errors.ConnectionReset, String(got));
  },
});
