import assert from "node:assert/strict";
import { CancelledError, run, TimeoutError, waitFor } from "../task/mod.ts";
import { openUnixConnection } from "./open_unix_connection.ts";

Deno.test(
  "waitFor(openUnixConnection(), 0) cancels the connect and closes the connection it makes afterwards",
  { ignore: Deno.build.os === "windows" },
  async () => {
    // Deno 2.9+ wants `--allow-net=unix:<exact path>`: a fixed path the
    // test task grants (see deno.json).
    const path = "/tmp/aio-test-io-6.sock";
    await Deno.remove(path).catch(() => {});
    try {
      const got = await run(async () => {
        using listener = Deno.listen({ transport: "unix", path });
        const opening = openUnixConnection(path);
        await assert.rejects(waitFor(opening, 0), TimeoutError);
        const outcome = await opening.then(
          ([, w]) => {
            w.abort();
            return "handed over";
          },
          (e) => e instanceof CancelledError ? "cancelled" : String(e),
        );
        // The kernel completed the connect; the late connection was closed.
        using accepted = await listener.accept();
        const peer = await accepted.read(new Uint8Array(1)) === null
          ? "EOF"
          : "data";
        return [outcome, peer];
      });
      assert.deepEqual(got, ["cancelled", "EOF"]);
    } finally {
      await Deno.remove(path).catch(() => {});
    }
  },
);
