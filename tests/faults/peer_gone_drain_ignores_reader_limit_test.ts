/**
 * After a write fails because the peer went away, the transport reads what
 * the peer sends into the reader with no regard for the reader's limit.
 *
 * What happens: a Unix-socket peer shuts down its reading side
 * (`shutdown(SHUT_RD)`: our writes fail with `EPIPE`) and keeps sending.
 * The failed write closes the writer, and the transport's close "takes
 * what arrived" (`io/_socket.ts` `#takeWhatArrived`): it reads the socket
 * in a loop and `feedData()`s every chunk into the reader until the peer
 * ends, whether anybody reads or not. The task that owns the connection
 * reads nothing for a second; meanwhile its reader buffers megabytes
 * (measured: 8.3 MB after 0.5 s, 17.7 MB after 3 s, with the limit at
 * 64 KiB, growing for as long as the peer sends). A local peer can so
 * exhaust the process's memory through a connection its owner does not
 * even read.
 *
 * Expected (StreamReader: "while more than `limit` bytes are buffered,
 * the pump that feeds the reader pauses"; asyncio, on the failed send,
 * closes the transport at once and reads nothing more): the reader never
 * holds much more than its limit; here at most 1 MiB.
 *
 * f5296cc: the same (8,388,608 bytes after 2 s).
 */

import assert from "node:assert/strict";
import { findPython } from "../../io/_test_util.ts";
import { spawn } from "./_util.ts";

const python = await findPython();

/** The peer: listens at `path`, shuts down reading, sends 64 MiB. */
const PEER = `
import socket, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path); s.listen()
print("ready", flush=True)
c, _ = s.accept()
c.shutdown(socket.SHUT_RD)
chunk = b"D" * 65536
try:
    for i in range(1024):
        c.sendall(chunk)
except OSError:
    pass
sys.stdin.read()
`;

Deno.test({
  name:
    "a reader fed after its peer shut down reading holds no more than about its limit",
  ignore: python === null || Deno.build.os === "windows",
  fn: async () => {
    const dir = await Deno.makeTempDir();
    try {
      const path = `${dir}/peer.sock`;
      await using peer = spawn(python!, ["-c", PEER, path]);
      assert.equal(await peer.line(), "ready");
      await using client = spawn(Deno.execPath(), [
        "run",
        "--quiet",
        `--allow-net=unix:${path}`,
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
        new URL("./_unix_drain_unbounded.ts", import.meta.url).pathname,
        path,
      ]);
      const result = JSON.parse(await client.line());
      assert.equal(result.err, "BrokenPipe");
      assert.ok(
        result.buffered <= 1024 * 1024,
        `${result.buffered} bytes buffered, limit ${result.limit}`,
      );
      await peer.closeStdin();
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
