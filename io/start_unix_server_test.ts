import assert from "node:assert/strict";
import { gather, run } from "../task/mod.ts";
import { handedOver } from "./_test_util.ts";
import { startUnixServer } from "./start_unix_server.ts";

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
