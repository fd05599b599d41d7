/**
 * A Unix server closing after another server took over its path removes
 * the newcomer's socket file.
 *
 * `startUnixServer()` removes a socket file already at its path (as
 * CPython's `create_unix_server()`), so a new server can take the path over
 * from one still running (a restart, a reload). The old server's
 * `cleanup` (on by default) then removes the path when it closes
 * (`io/server.ts`, the accept loop's `finally`: `Deno.removeSync(path)`),
 * whatever file is there now: the new server's. The new server keeps
 * listening on a socket nobody can reach any more. Measured, in both
 * orders below: after the first server closed, the file is gone and a
 * client gets `NotFound`. The reload order (`close()`, then start the new
 * one at once, as a config reload does) is the common one: the old accept
 * loop ends, and cleans up, only after the new server has bound.
 *
 * Expected (the option's doc: "Remove the socket file once the server is
 * closed (as Python 3.13's `cleanup_socket`)"; CPython 3.13's
 * `_UnixSelectorEventLoop._stop_serving()` unlinks the path only if its
 * inode is still the one it bound, `os.stat(path).st_ino == prev_ino`;
 * measured with CPython 3.13.0 in both orders: the file stays and a client
 * reaches the second server): the second server's file stays and a client
 * reaches it.
 */

import assert from "node:assert/strict";
import { spawn } from "./_util.ts";

/** Runs `_unix_replace.ts mode` on a fresh path: the two lines it prints. */
async function replay(mode: string): Promise<string[]> {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/s.sock`;
  try {
    await using child = spawn(Deno.execPath(), [
      "run",
      "--quiet",
      `--allow-net=unix:${path}`,
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      new URL("./_unix_replace.ts", import.meta.url).pathname,
      mode,
      path,
    ]);
    const file = await child.line();
    const client = await child.line();
    const { code, stderr } = await child.exit();
    assert.equal(code, 0, stderr);
    return [file, client];
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

for (const mode of ["while-serving", "reload"]) {
  Deno.test(
    `a Unix server closing after another took over its path (${mode}) leaves the newcomer's socket file`,
    { ignore: Deno.build.os === "windows" },
    async () => {
      assert.deepEqual(await replay(mode), ["file: exists", "client: second"]);
    },
  );
}

/**
 * Deno (since denoland/deno#31947) removes a Unix listener's path when it
 * drops the listener, whatever the server's `cleanup` says: a server with
 * `cleanup: false` lost its socket file on close. It is kept now.
 */
Deno.test(
  "a Unix server with cleanup: false leaves its socket file when it closes",
  { ignore: Deno.build.os === "windows" },
  async () => {
    assert.deepEqual(await replay("keep"), ["file: exists", "client: none"]);
  },
);
