import assert from "node:assert/strict";
import { gather, run } from "../task/mod.ts";
import { handedOver } from "./_test_util.ts";
import { createDatagramEndpoint } from "./create_datagram_endpoint.ts";

Deno.test("a gather() of createDatagramEndpoint() cancelled at once still hands over the endpoint it bound", async () => {
  const got = await run(async () => {
    const all = gather(createDatagramEndpoint());
    all.cancel();
    return await handedOver(all);
  });
  assert.equal(got, "handed over");
});

Deno.test("createDatagramEndpoint() with a pre-aborted signal rejects, without throwing", async () => {
  await run(async () => {
    let binding: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      binding = createDatagramEndpoint({
        signal: AbortSignal.abort(new Error("pre")),
      });
    });
    await assert.rejects(binding!, /pre/);
  });
});
