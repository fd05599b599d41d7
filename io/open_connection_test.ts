import assert from "node:assert/strict";
import { Future } from "../loop/future.ts";
import {
  CancelledError,
  gather,
  run,
  TimeoutError,
  waitFor,
} from "../task/mod.ts";
import { openConnection } from "./open_connection.ts";
import type { StreamWriter } from "./stream_writer.ts";

/**
 * How an `openConnection()` the caller gave up on ended: `"cancelled"`, or
 * else (a connection handed over anyway is closed here).
 */
function fate(opening: Promise<[unknown, StreamWriter]>): Promise<string> {
  return opening.then(
    ([, w]) => {
      w.abort();
      return "handed over";
    },
    (e) => e instanceof CancelledError ? "cancelled" : String(e),
  );
}

Deno.test("waitFor(openConnection(), 0) cancels the connect and closes the connection it makes afterwards", async () => {
  const got = await run(async () => {
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const opening = openConnection({ port: listener.addr.port });
    await assert.rejects(waitFor(opening, 0), TimeoutError);
    const outcome = await fate(opening);
    // The kernel completed the connect; the late connection was closed.
    using accepted = await listener.accept();
    const peer = await accepted.read(new Uint8Array(1)) === null
      ? "EOF"
      : "data";
    return [outcome, peer];
  });
  assert.deepEqual(got, ["cancelled", "EOF"]);
});

Deno.test("openConnection({ tls }) stuck in its handshake ends at once when gather() holding it is cancelled", async () => {
  // A plain TCP server that never answers the ClientHello.
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const got = await run(async () => {
    const opening = openConnection({ port: listener.addr.port, tls: true });
    const all = gather(opening);
    const accepted = await listener.accept();
    // The ClientHello arrived: the client waits in its handshake.
    assert.ok((await accepted.read(new Uint8Array(4096)) ?? 0) > 0);
    all.cancel();
    await assert.rejects(all, CancelledError);
    // Ended with the gather, not abandoned to the handshake.
    const ended = opening instanceof Future && opening.cancelled();
    accepted.close(); // (so that an abandoned handshake would end too)
    return [ended, await fate(opening)];
  });
  assert.deepEqual(got, [true, "cancelled"]);
});
