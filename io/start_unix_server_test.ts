import assert from "node:assert/strict";
import { run } from "../task/mod.ts";
import { startUnixServer } from "./start_unix_server.ts";

// The stale socket file a killed server leaves is replaced: see
// tests/faults/unix_stale_socket_test.ts (a child process, for its own
// `--allow-net=unix:<path>`).

Deno.test(
  "startUnixServer() leaves a regular file at its path alone and says so",
  { ignore: Deno.build.os === "windows" },
  async () => {
    const path = await Deno.makeTempFile();
    try {
      await Deno.writeTextFile(path, "keep me");
      // It throws at once, as a failed bind does (`Deno.listen` is sync).
      await run(() => {
        assert.throws(
          () => startUnixServer(() => {}, { path }),
          (error: unknown) =>
            error instanceof Deno.errors.AddrInUse &&
            error.message.includes("exists and is not a socket"),
        );
      });
      assert.equal(await Deno.readTextFile(path), "keep me");
    } finally {
      await Deno.remove(path);
    }
  },
);

Deno.test(
  "startUnixServer() leaves a directory at its path alone",
  { ignore: Deno.build.os === "windows" },
  async () => {
    const path = await Deno.makeTempDir();
    try {
      await run(() => {
        assert.throws(
          () => startUnixServer(() => {}, { path }),
          Deno.errors.AddrInUse,
        );
      });
      assert.ok((await Deno.stat(path)).isDirectory);
    } finally {
      await Deno.remove(path);
    }
  },
);
