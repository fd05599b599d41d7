import assert from "node:assert/strict";
import { gather, run } from "../task/mod.ts";
import { handedOver } from "./_test_util.ts";
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
      await run(async () => {
        await assert.rejects(
          startUnixServer(() => {}, { path }),
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
      await run(async () => {
        await assert.rejects(
          startUnixServer(() => {}, { path }),
          Deno.errors.AddrInUse,
        );
      });
      assert.ok((await Deno.stat(path)).isDirectory);
    } finally {
      await Deno.remove(path);
    }
  },
);

Deno.test(
  "a gather() of startUnixServer() cancelled at once still hands over the server it started",
  { ignore: Deno.build.os === "windows" },
  async () => {
    // Deno 2.9+ wants `--allow-net=unix:<exact path>`: a fixed path the
    // test task grants (see deno.json).
    const path = "/tmp/aio-test-io-7.sock";
    await Deno.remove(path).catch(() => {});
    try {
      const got = await run(async () => {
        const all = gather(startUnixServer(() => {}, { path }));
        all.cancel();
        return await handedOver(all);
      });
      assert.equal(got, "handed over");
    } finally {
      await Deno.remove(path).catch(() => {});
    }
  },
);
