/**
 * Datagrams sent by concurrent (not individually awaited) `send()` calls on
 * one endpoint leave in reverse order the first time. asyncio's
 * `transport.sendto()` queues in call order; aio's `send()` hands each call
 * to Deno at once, and Deno 2.9 reorders the first batch (user port 17:
 * 4,3,2,1,0). Now each send waits for the one before it to leave.
 */
import assert from "node:assert/strict";
import { createDatagramEndpoint, run, waitFor } from "../../mod.ts";

Deno.test("concurrent send() calls on one endpoint keep call order", async () => {
  await run(async () => {
    await using ep = await createDatagramEndpoint();
    const order = Array.from({ length: 20 }, (_, i) => String(i));
    await Promise.all(order.map((i) => ep.send(i, ep.localAddr)));
    const got: string[] = [];
    for (let i = 0; i < order.length; i++) {
      got.push(new TextDecoder().decode((await waitFor(ep.recv(), 2000)).data));
    }
    assert.deepEqual(got, order);
  });
});

// Review of the fix: the chained sends started after close() had closed
// the socket, so all but the first failed with BadResource.
Deno.test("send() calls made before close() all go out, in order", async () => {
  await run(async () => {
    await using rx = await createDatagramEndpoint();
    const tx = await createDatagramEndpoint();
    const order = ["0", "1", "2", "3", "4"];
    const sends = order.map((s) =>
      tx.send(s, rx.localAddr).then(() => "ok", (e) => String(e))
    );
    tx.close();
    await tx.waitClosed();
    assert.deepEqual(await Promise.all(sends), order.map(() => "ok"));
    const got: string[] = [];
    for (let i = 0; i < order.length; i++) {
      got.push(new TextDecoder().decode((await waitFor(rx.recv(), 2000)).data));
    }
    assert.deepEqual(got, order);
  });
});
