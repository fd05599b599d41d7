/**
 * `DatagramEndpoint.send()` to a port outside 0-65535.
 *
 * Deno 2.9's `DatagramConn.send()` does not check the port: it saturates
 * it to 16 bits (measured with strace: port 70000 goes out as
 * `sin_port=htons(65535)`; port 1.5 as port 1). `send()` passed the port
 * through, so a datagram meant for a bad address was delivered to another
 * service, and the call resolved as if all went well. The rest of the
 * library refuses such ports: `openConnection({ port: 70000 })` and
 * `createDatagramEndpoint({ localAddr: { port: 70000 } })` throw
 * `RangeError: Invalid port (out of range)`; CPython's `sendto()` raises
 * `OverflowError: port must be 0-65535` (and `TypeError` for a float).
 *
 * Expected: `send()` (and a connected endpoint's `remoteAddr`) with a port
 * that is not an integer in 0-65535 rejects with a `RangeError` (or
 * `TypeError`) and sends nothing.
 *
 * Fixed: `send()`, `createDatagramEndpoint()` (`remoteAddr` and
 * `localAddr`) and `new DatagramEndpoint()` (`remoteAddr`) check the
 * address first (`checkAddress()`, `checkPort()` in `io/_net.ts`): a port
 * that is not an integer from 0 to 65535 is a `RangeError` naming it
 * (`TypeError` if it is no number), before anything is sent or bound.
 * `send()` of data that is neither a `Uint8Array` nor a string is a
 * `TypeError` naming it too (it was `data.slice is not a function`).
 *
 * Run with --unstable-net.
 */

import assert from "node:assert/strict";
import { createDatagramEndpoint } from "../../io/mod.ts";
import { run, waitFor } from "../../task/mod.ts";

Deno.test("DatagramEndpoint.send() to port 70000 is refused, not sent to port 65535", async () => {
  await run(async () => {
    await using ep = await createDatagramEndpoint();
    // Listen where the datagram really goes, if that port is free.
    let sink: Deno.DatagramConn | null = null;
    try {
      sink = Deno.listenDatagram({
        transport: "udp",
        hostname: "127.0.0.1",
        port: 65535,
      });
    } catch {
      // Taken: the check below is enough.
    }
    try {
      const outcome = await ep.send("meant for port 70000", {
        hostname: "127.0.0.1",
        port: 70000,
      }).then(() => "sent", (e) => e);
      let misdelivered = "";
      if (sink !== null && outcome === "sent") {
        const got = await waitFor(sink.receive(), 500).catch(() => null);
        if (got !== null) misdelivered = new TextDecoder().decode(got[0]);
      }
      assert.ok(
        outcome instanceof RangeError || outcome instanceof TypeError,
        `send() to port 70000 ${
          outcome === "sent" ? "resolved" : `rejected with ${outcome}`
        }${misdelivered ? `; port 65535 received "${misdelivered}"` : ""}`,
      );
    } finally {
      sink?.close();
    }
  });
});

Deno.test("DatagramEndpoint.send() to port 1.5 is refused, not sent to port 1", async () => {
  await run(async () => {
    await using ep = await createDatagramEndpoint();
    const outcome = await ep.send("x", { hostname: "127.0.0.1", port: 1.5 })
      .then(() => "sent", (e) => e);
    assert.ok(
      outcome instanceof RangeError || outcome instanceof TypeError,
      `send() to port 1.5 ${
        outcome === "sent" ? "resolved (it went to port 1)" : outcome
      }`,
    );
  });
});

Deno.test("a connected endpoint's remoteAddr port 70000 is refused", async () => {
  await run(async () => {
    const outcome = await createDatagramEndpoint({
      remoteAddr: { hostname: "127.0.0.1", port: 70000 },
    }).then(async (ep) => {
      try {
        await ep.send("x");
        return "sent";
      } finally {
        await ep[Symbol.asyncDispose]();
      }
    }).catch((e) => e);
    assert.ok(
      outcome instanceof RangeError || outcome instanceof TypeError,
      `remoteAddr port 70000: ${
        outcome === "sent" ? "send() resolved (it went to port 65535)" : outcome
      }`,
    );
  });
});
