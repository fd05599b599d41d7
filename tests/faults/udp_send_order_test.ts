/**
 * Datagrams sent by concurrent (not individually awaited) `send()` calls on
 * one endpoint leave in reverse order the first time. asyncio's
 * `transport.sendto()` queues in call order; aio's `send()` hands each call
 * to Deno at once, and Deno 2.9 reorders the first batch (user port 17:
 * 4,3,2,1,0). Now each send waits for the one before it to leave.
 */
import assert from "node:assert/strict";
import {
  createDatagramEndpoint,
  DatagramEndpoint,
  run,
  sleep,
  waitFor,
} from "../../mod.ts";

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

// Third review: a socket read in flight across the deferred close gave its
// datagram to the first recv() and nothing to the second, which hung.
Deno.test("every recv() waiting across a close() deferred for sends settles", async () => {
  const out = await run(async () => {
    const { ep, release } = slowSender();
    await using peer = await createDatagramEndpoint();
    const settle = (p: Promise<{ data: Uint8Array }>) =>
      p.then((d) => "got " + new TextDecoder().decode(d.data), () => "closed");
    const r1 = settle(ep.recv());
    const r2 = settle(ep.recv());
    await sleep(0);
    const sent = ep.send("m", peer.localAddr);
    ep.close(); // deferred: a send is in flight
    await peer.send("p", ep.localAddr); // may arrive before the socket closes
    const first = await waitFor(r1, 1000).catch((e) => String(e));
    release();
    await sent;
    await ep.waitClosed();
    const second = await waitFor(r2, 1000).catch((e) => String(e));
    return [first, second];
  });
  assert.ok(["got p", "closed"].includes(String(out[0])), String(out[0]));
  assert.equal(out[1], "closed");
});

// Fourth review: with no datagram coming, a recv() waited for the slow send
// to leave and the socket to close.
Deno.test("a recv() waiting across a close() deferred for a slow send rejects at once", async () => {
  const out = await run(async () => {
    const { ep, release } = slowSender();
    const r1 = ep.recv().then(() => "got", (e) => `rejected: ${e.message}`);
    const sent = ep.send("m", { hostname: "127.0.0.1", port: 9 });
    ep.close(); // deferred: a send is in flight
    // Bounded: it only waits the 500 ms if the recv() is left pending.
    const first = await waitFor(r1, 500).catch((e) =>
      `still pending (${(e as Error).name})`
    );
    release();
    await sent.catch(() => {});
    await ep.waitClosed();
    await r1;
    return first;
  });
  assert.equal(out, "rejected: Cannot receive: DatagramEndpoint is closed");
});

/**
 * An endpoint on a real loopback socket whose sends leave once `release()`
 * is called (a slow name lookup, say).
 */
function slowSender(): { ep: DatagramEndpoint; release: () => void } {
  const real = Deno.listenDatagram({
    transport: "udp",
    hostname: "127.0.0.1",
    port: 0,
  });
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const conn = new Proxy(real, {
    get(target, key) {
      if (key === "send") {
        return (p: Uint8Array, a: Deno.NetAddr) =>
          gate.then(() => target.send(p, a));
      }
      const v = Reflect.get(target, key, target);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return { ep: new DatagramEndpoint(conn), release };
}
