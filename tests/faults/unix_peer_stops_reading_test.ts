/**
 * A Unix-socket peer that shuts its reading side down and stays connected.
 *
 * On a Unix stream socket, a peer's `shutdown(SHUT_RD)` makes our writes
 * fail at once with `EPIPE` (BrokenPipe), while the peer is still there and
 * may keep its connection open for as long as it likes. aio's transport
 * marks the connection "peer gone" on that error, and its close first
 * drains what the peer sent, reading the socket until EOF
 * (`io/_socket.ts` `#takeWhatArrived`, which assumes "the connection is
 * dead, so these reads end at once"). Here the peer is alive, so that read
 * never ends: `writer.abort()` (documented as "closes now, dropping what is
 * buffered", asyncio's `transport.abort()`) does not close the socket, and
 * `writer.waitClosed()` waits until the peer hangs up. On the server side,
 * `server.abortClients()` then `server.waitClosed()` hangs the same way, the
 * handler's connection is never released, and the descriptor stays open.
 * Measured: `waitClosed()` returned only when the peer process was killed
 * (5.1 s later, the length of the measuring script's patience).
 *
 * Expected (README: `abort()` closes now; asyncio, measured with CPython
 * 3.11 against the same peer: the failed `send()` ends in `_fatal_error()`
 * then `_force_close()`, the socket is closed at once and
 * `writer.wait_closed()` returns in under a millisecond): `waitClosed()`
 * returns promptly after `abort()` whatever the peer does, and the server's
 * `waitClosed()` after `abortClients()` too. The bound below (10 s) only
 * detects the hang.
 */

import assert from "node:assert/strict";
import { findPython } from "../../io/_test_util.ts";
import { spawn } from "./_util.ts";

const python = await findPython();

/** The peer: serves (`listen`) or connects (`connect`), shuts down reading, waits. */
const PEER = `
import socket, sys, time, os
mode, path = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
if mode == "listen":
    s.bind(path); s.listen()
    print("ready", flush=True)
    c, _ = s.accept()
    c.sendall(b"hello\\n")
else:
    while True:
        try:
            s.connect(path); break
        except (FileNotFoundError, ConnectionRefusedError):
            time.sleep(0.01)
    c = s
    c.sendall(b"hi\\n")
c.shutdown(socket.SHUT_RD)
print("shut", flush=True)
if mode == "listen":
    sys.stdin.read()
    c.sendall(b"D" * 100)
time.sleep(120)
`;

/** The next line of `child`, or `"(none within N ms)"`. */
async function lineWithin(
  child: { line(): Promise<string> },
  ms: number,
): Promise<string> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      child.line(),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`(none within ${ms} ms)`), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A test (on Unix, with Python) with a fresh directory for the socket at
 * `dir/<name>.sock`, removed after.
 */
function unixTest(
  name: string,
  socket: string,
  fn: (dir: string, path: string) => Promise<void>,
): void {
  Deno.test(
    name,
    { ignore: python === null || Deno.build.os === "windows" },
    async () => {
      const dir = await Deno.makeTempDir();
      try {
        await fn(dir, `${dir}/${socket}.sock`);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  );
}

/** The Python peer, listening at `path`. */
async function listeningPeer(path: string) {
  const peer = spawn(python!, ["-c", PEER, "listen", path]);
  assert.equal(await peer.line(), "ready");
  return peer;
}

function child(mode: string, dir: string, path: string) {
  return spawn(Deno.execPath(), [
    "run",
    "--quiet",
    `--allow-net=unix:${path}`,
    `--allow-read=${dir}`,
    `--allow-write=${dir}`,
    new URL("./_unix_shutrd.ts", import.meta.url).pathname,
    mode,
    path,
  ]);
}

unixTest(
  "writer.abort() after a write failed because the Unix peer shut down reading closes at once",
  "peer",
  async (dir, path) => {
    await using _peer = await listeningPeer(path);
    await using client = child("client", dir, path);
    assert.equal(await client.line(), "write: BrokenPipe");
    assert.equal(await client.line(), "aborted");
    assert.equal(await lineWithin(client, 10_000), "closed");
  },
);

/**
 * The same peer, and a graceful `close()` instead of `abort()`: the writer
 * closed itself after the failed write and reads what the peer sends until
 * its end; its owner's `close()` says it is done, so the reading stops and
 * the socket closes (the reader then sees EOF). Before the fix, as with
 * `abort()`, `waitClosed()` waited for the peer to hang up.
 */
unixTest(
  "writer.close() after a write failed because the Unix peer shut down reading closes without waiting for the peer",
  "peer",
  async (dir, path) => {
    await using _peer = await listeningPeer(path);
    await using client = child("close", dir, path);
    assert.equal(await client.line(), "write: BrokenPipe");
    assert.equal(await client.line(), "closing");
    assert.equal(await lineWithin(client, 10_000), "closed");
    assert.equal(await lineWithin(client, 10_000), "next: ");
  },
);

unixTest(
  "server.abortClients() then waitClosed() returns when a Unix client shut down reading and stays",
  "server",
  async (dir, path) => {
    await using server = child("server", dir, path);
    assert.equal(await server.line(), "listening");
    await using peer = spawn(python!, ["-c", PEER, "connect", path]);
    assert.equal(await peer.line(), "shut");
    assert.equal(await server.line(), "write: BrokenPipe");
    assert.equal(await server.line(), "aborted");
    assert.equal(await lineWithin(server, 10_000), "closed");
  },
);

/**
 * The same peer, while a `readInto()` waits: the failed write makes the
 * writer close, whose drain of the socket (`#takeWhatArrived`) first waits
 * for the read lent to `readInto()`, then starts one of its own into the
 * reader's storage. The peer's 100 bytes land in the `readInto()` buffer,
 * and that `readInto()` is cancelled before it resumed: `#giveBack()`
 * finds the reader's storage lent to the drain and throws its "unreachable"
 * error, `Cannot give bytes back to StreamReader: a pump is reading into
 * it`, instead of `CancelledError`, and the 100 bytes are lost: the next
 * read waits (and returns EOF once the peer hangs up). Measured exactly so.
 *
 * Expected (`readInto()`'s doc: cancelled after its bytes landed, they "go
 * back to the front of the reader", "no byte is lost"; the reader's
 * cancellation contract): the `readInto()` ends with `CancelledError` (or
 * returns the 100 bytes) and the next read gets them.
 */
unixTest(
  "readInto() cancelled after its bytes landed, while the closing writer drains the socket, loses nothing",
  "peer",
  async (dir, path) => {
    await using peer = await listeningPeer(path);
    await using client = child("readinto", dir, path);
    assert.equal(await lineWithin(client, 10_000), "write failed");
    await peer.closeStdin(); // the peer sends its 100 bytes
    const ended = await lineWithin(client, 10_000);
    const next = await lineWithin(client, 10_000);
    const D = "D".repeat(100);
    assert.ok(
      (ended === "readInto: CancelledError" && next === `next: ${D}`) ||
        ended === "readInto: returned 100",
      `${ended}; ${next}`,
    );
  },
);
