import assert from "node:assert/strict";
import { CancelledError, createTask, run, sleep } from "../task/mod.ts";
import { findPython, startPeer } from "./_test_util.ts";
import { createDatagramEndpoint } from "./create_datagram_endpoint.ts";
import { DatagramEndpoint } from "./datagram_endpoint.ts";

const dec = new TextDecoder();
const text = (b: Uint8Array) => dec.decode(b);
const python = await findPython();
const peerScript = new URL("./testdata/udp_peer.py", import.meta.url).pathname;

/** Whether a UDP socket can bind IPv6 here. */
function hasIpv6(): boolean {
  try {
    Deno.listenDatagram({ transport: "udp", hostname: "::", port: 0 }).close();
    return true;
  } catch {
    return false;
  }
}

Deno.test(
  "DatagramEndpoint sends to a CPython asyncio UDP server and receives its replies in order",
  {
    ignore: python === null,
  },
  async () => {
    await using peer = await startPeer(python!, [peerScript, "server"]);
    const got = await run(async () => {
      await using ep = await createDatagramEndpoint();
      const replies: [string, number][] = [];
      for (let i = 0; i < 5; i++) {
        await ep.send(`n${i}`, { hostname: "127.0.0.1", port: peer.port });
        const { data, addr } = await ep.recv();
        replies.push([text(data), addr.port]);
      }
      return replies;
    });
    assert.deepEqual(
      got,
      [0, 1, 2, 3, 4].map((i) => [`echo:n${i}`, peer.port]),
    );
  },
);

Deno.test(
  "DatagramEndpoint answers a CPython asyncio UDP client through async iteration",
  {
    ignore: python === null,
  },
  async () => {
    const n = 20;
    const got = await run(async () => {
      await using ep = await createDatagramEndpoint();
      const serving = createTask(async () => {
        let served = 0;
        for await (const { data, addr } of ep) {
          await ep.send(text(data).toUpperCase(), addr);
          if (++served === n) break;
        }
        return served;
      });
      await using peer = await startPeer(python!, [
        peerScript,
        "client",
        String(ep.localAddr.port),
        String(n),
      ]);
      const served = await serving;
      // The client exits after its last reply.
      return [served, await peer.finished()];
    });
    assert.deepEqual(got, [n, Array.from({ length: n }, (_, i) => `MSG ${i}`)]);
  },
);

Deno.test("a connected DatagramEndpoint sends to its peer and drops datagrams from anyone else", async () => {
  const got = await run(async () => {
    await using server = await createDatagramEndpoint();
    await using client = await createDatagramEndpoint({
      remoteAddr: server.localAddr,
    });
    await using stranger = await createDatagramEndpoint();
    await stranger.send("intruder", client.localAddr);
    await client.send("hello");
    const { data, addr } = await server.recv();
    await server.send(text(data).toUpperCase(), addr);
    // The stranger's datagram came first, and is dropped.
    const reply = await client.recv();
    return [text(reply.data), reply.addr.port === server.localAddr.port];
  });
  assert.deepEqual(got, ["HELLO", true]);
});

Deno.test(
  "a DatagramEndpoint bound to :: and connected to 127.0.0.1 takes the peer's replies, reported as ::ffff:127.0.0.1",
  { ignore: !hasIpv6() },
  async () => {
    const got = await run(async () => {
      await using server = await createDatagramEndpoint();
      await using client = await createDatagramEndpoint({
        localAddr: { hostname: "::" },
        remoteAddr: server.localAddr,
      });
      await client.send("hello");
      const { data, addr } = await server.recv();
      await server.send(data, addr);
      const reply = await client.recv();
      return [text(reply.data), reply.addr.hostname];
    });
    assert.deepEqual(got, ["hello", "::ffff:127.0.0.1"]);
  },
);

Deno.test("DatagramEndpoint.recv() cancelled while waiting loses no datagram", async () => {
  const got = await run(async () => {
    await using ep = await createDatagramEndpoint();
    const first = createTask(() => ep.recv());
    await sleep(0);
    first.cancel();
    await assert.rejects(first, CancelledError);
    const stop = new AbortController();
    const second = ep.recv({ signal: stop.signal });
    stop.abort(new Error("gave up"));
    await assert.rejects(second, /gave up/);
    // The read of the first recv() is still in flight: it takes this one.
    await ep.send("kept", ep.localAddr);
    await ep.send("and this", ep.localAddr);
    return [text((await ep.recv()).data), text((await ep.recv()).data)];
  });
  assert.deepEqual(got, ["kept", "and this"]);
});

Deno.test("DatagramEndpoint.recv() serves concurrent waiters first come first served", async () => {
  const got = await run(async () => {
    await using ep = await createDatagramEndpoint();
    const a = createTask(() => ep.recv());
    const b = createTask(() => ep.recv());
    await sleep(0);
    await ep.send("1", ep.localAddr);
    await ep.send("2", ep.localAddr);
    return [text((await a).data), text((await b).data)];
  });
  assert.deepEqual(got, ["1", "2"]);
});

Deno.test("DatagramEndpoint carries a 60,000-byte datagram whole", async () => {
  const big = new Uint8Array(60_000).map((_, i) => i % 251);
  const got = await run(async () => {
    await using ep = await createDatagramEndpoint();
    await ep.send(big, ep.localAddr);
    return (await ep.recv()).data;
  });
  assert.deepEqual(got, big);
});

Deno.test("DatagramEndpoint.close() rejects a waiting recv(), ends iteration, refuses send()", async () => {
  await run(async () => {
    const ep = await createDatagramEndpoint();
    const waiting = ep.recv();
    const iterating = createTask(async () => {
      let n = 0;
      for await (const _ of ep) n++;
      return n;
    });
    await sleep(0);
    ep.close();
    await assert.rejects(waiting, /DatagramEndpoint is closed/);
    assert.equal(await iterating, 0);
    await assert.rejects(ep.recv(), /DatagramEndpoint is closed/);
    await assert.rejects(ep.send("x", ep.localAddr), /closed/);
    await ep.waitClosed();
  });
});

Deno.test("DatagramEndpoint.send() needs an address unless connected, and no other one if it is", async () => {
  await run(async () => {
    await using ep = await createDatagramEndpoint();
    await assert.rejects(ep.send("x"), TypeError);
    await using connected = await createDatagramEndpoint({
      remoteAddr: ep.localAddr,
    });
    await assert.rejects(
      connected.send("x", { hostname: "127.0.0.1", port: 9 }),
      RangeError,
    );
  });
});

Deno.test("DatagramEndpoint.send() refuses a bad port, address or data, naming it, and sends nothing", async () => {
  await run(async () => {
    await using ep = await createDatagramEndpoint();
    const to = (port: unknown) => ({ hostname: "127.0.0.1", port }) as never;
    for (const port of [70000, -1, 1.5, NaN]) {
      await assert.rejects(
        ep.send("x", to(port)),
        new RangeError(
          `Cannot call send(): addr.port must be an integer from 0 to 65535, got ${port}`,
        ),
      );
    }
    await assert.rejects(
      ep.send("x", to("80")),
      /^TypeError: Cannot call send\(\): addr\.port must be a number, got "80"$/,
    );
    await assert.rejects(
      ep.send("x", "127.0.0.1:80" as never),
      /^TypeError: Cannot call send\(\): addr must be \{ hostname, port \}, got "127\.0\.0\.1:80"$/,
    );
    await assert.rejects(
      ep.send("x", { port: 80 } as never),
      /^TypeError: Cannot call send\(\): addr\.hostname must be a string, got undefined$/,
    );
    for (const data of [[1, 2], new ArrayBuffer(2), null]) {
      await assert.rejects(
        ep.send(data as never, ep.localAddr),
        /^TypeError: Cannot call send\(\): data must be a Uint8Array or a string, got /,
      );
    }
    await ep.send("good", ep.localAddr);
    assert.equal(text((await ep.recv()).data), "good");
  });
});

Deno.test("createDatagramEndpoint() refuses a bad port in localAddr or remoteAddr, naming it, and binds nothing", async () => {
  await run(async () => {
    await assert.rejects(
      createDatagramEndpoint({
        remoteAddr: { hostname: "127.0.0.1", port: 70000 },
      }),
      new RangeError(
        "Cannot call createDatagramEndpoint(): remoteAddr.port must be an integer from 0 to 65535, got 70000",
      ),
    );
    await assert.rejects(
      createDatagramEndpoint({ localAddr: { port: 2.5 } }),
      new RangeError(
        "Cannot call createDatagramEndpoint(): localAddr.port must be an integer from 0 to 65535, got 2.5",
      ),
    );
    const conn = Deno.listenDatagram({
      transport: "udp",
      hostname: "127.0.0.1",
      port: 0,
    });
    try {
      assert.throws(
        () =>
          new DatagramEndpoint(conn, {
            remoteAddr: { hostname: "127.0.0.1", port: -1 },
          }),
        new RangeError(
          "Cannot create DatagramEndpoint: remoteAddr.port must be an integer from 0 to 65535, got -1",
        ),
      );
    } finally {
      conn.close();
    }
  });
});

Deno.test("createDatagramEndpoint() without --unstable-net says which flag is missing", async () => {
  const script = `
    import { createDatagramEndpoint } from ${
    JSON.stringify(
      new URL("./create_datagram_endpoint.ts", import.meta.url).href,
    )
  };
    try {
      await createDatagramEndpoint();
    } catch (e) {
      console.log(e.constructor.name + ": " + e.message);
    }`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--no-config", script],
    stdout: "piped",
  }).output();
  assert.ok(out.success);
  const line = dec.decode(out.stdout).trim();
  assert.match(
    line,
    /^Error: Cannot call createDatagramEndpoint\(\).*--unstable-net/,
  );
});
