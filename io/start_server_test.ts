import assert from "node:assert/strict";
import { gather, run } from "../task/mod.ts";
import { handedOver } from "./_test_util.ts";
import { startServer } from "./start_server.ts";

Deno.test("a gather() of startServer() cancelled at once still hands over the server it started", async () => {
  const got = await run(async () => {
    // Listening does not wait: the server is there before the cancel.
    const all = gather(startServer(() => {}, { port: 0 }));
    all.cancel();
    return await handedOver(all);
  });
  assert.equal(got, "handed over");
});

Deno.test("startServer() on a port in use rejects with AddrInUse", async () => {
  using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  await run(async () => {
    const starting = startServer(() => {}, { port: taken.addr.port });
    await assert.rejects(starting, Deno.errors.AddrInUse);
  });
});
