/**
 * A Unix server started where a crashed one left its socket file.
 *
 * A server killed (SIGKILL, OOM, a power cut) leaves its socket file
 * behind; nothing listens on it any more. `startUnixServer()` then fails
 * with `AddrInUse` ("Address already in use"), so the service cannot come
 * back up until someone deletes the file by hand.
 *
 * Expected (asyncio's `create_unix_server()`, which this function follows):
 * a stale socket file at the path is removed before binding (CPython
 * checks that the path is a socket, `stat.S_ISSOCK`, and unlinks it), so
 * the server starts. Measured with CPython 3.13 on the same kind of file:
 * it starts.
 */

import assert from "node:assert/strict";
import { denoScript, spawn } from "./_util.ts";

Deno.test(
  "startUnixServer() starts on a path where a killed server left its socket file",
  { ignore: Deno.build.os === "windows" },
  async () => {
    const dir = await Deno.makeTempDir();
    const path = `${dir}/stale.sock`;
    try {
      const flags = [
        `--allow-net=unix:${path}`,
        `--allow-read=${dir}`,
        `--allow-write=${dir}`,
      ];
      {
        const raw = denoScript(flags, "_unix_server.ts", ["raw", path]);
        await using crashed = spawn(raw.cmd, raw.args);
        assert.equal(await crashed.line(), "ready");
        // Disposing kills it with SIGKILL: the socket file stays.
      }
      assert.ok((await Deno.stat(path)).isSocket, "the stale socket file");
      const aio = denoScript(flags, "_unix_server.ts", ["aio", path]);
      await using server = spawn(aio.cmd, aio.args);
      assert.equal(await server.line(), "started");
      const { code, stderr } = await server.exit();
      assert.equal(code, 0, stderr);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);
