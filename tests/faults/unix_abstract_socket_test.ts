/**
 * A Unix server on a Linux abstract socket name (a path that starts with
 * a NUL byte: no file, gone when the last socket closes; used by systemd,
 * D-Bus, X11, and by tests that must not litter the filesystem).
 *
 * `Deno.listen({ transport: "unix", path: "\0name" })` and `Deno.connect()`
 * take such names, and `Server` is written for them (it skips its socket
 * file bookkeeping for a path that starts with "\0"). But
 * `startUnixServer()` first looked for a stale socket file at the path with
 * `Deno.lstatSync(path)`, which refuses the NUL byte: it threw
 * `TypeError: file name contained an unexpected NUL byte: lstat ...`, so no
 * server could be started on an abstract name.
 *
 * Fixed, as asyncio's `start_unix_server()` (which skips the stale-file
 * check for a path starting with a NUL, `if path[0] not in (0, '\x00')`):
 * for an abstract name `startUnixServer()` neither looks for a stale file
 * nor removes one at close (`cleanup` has nothing to do). The server
 * starts, a client connects by the same name, and closing removes no file.
 * Deno grants an abstract name only with `--allow-net` for every host (a
 * NUL cannot be written in `--allow-net=unix:...`), which `deno task test`
 * does not give: there, the test runs this file again in a child `deno
 * test` with `--allow-net` (and no other permission), rather than being
 * skipped.
 */

import assert from "node:assert/strict";
import { openUnixConnection, startUnixServer } from "@aio/asyncio/io";
import { run } from "@aio/asyncio/task";

const allNet = Deno.permissions.querySync({ name: "net" }).state === "granted";

Deno.test(
  "startUnixServer() serves on a Linux abstract socket name",
  // Abstract names are Linux's.
  { ignore: Deno.build.os !== "linux" },
  async () => {
    if (!allNet) {
      // Deno grants an abstract name only with net access to every host.
      const { code, stdout, stderr } = await new Deno.Command(
        Deno.execPath(),
        {
          args: [
            "test",
            "--quiet",
            "--no-prompt",
            "--allow-net",
            new URL(import.meta.url).pathname,
          ],
          cwd: new URL("../../", import.meta.url).pathname,
          stdout: "piped",
          stderr: "piped",
        },
      ).output();
      const out = new TextDecoder().decode(stdout) +
        new TextDecoder().decode(stderr);
      assert.equal(code, 0, out);
      assert.match(out, /1 passed/, out);
      return;
    }
    const path = `\0aio-abstract-${Deno.pid}`;
    const line = await run(async () => {
      const server = await startUnixServer(async (_reader, writer) => {
        writer.write("hello\n");
        await writer.drain();
      }, { path });
      try {
        const [reader, writer] = await openUnixConnection(path);
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
