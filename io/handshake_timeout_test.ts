/**
 * The TLS handshake time limit (asyncio's `ssl_handshake_timeout`) of a
 * server (`tls.handshakeTimeoutMs`), of `openConnection({ tls })` and of
 * `writer.startTls()`.
 *
 * The expiries run on the virtual clock: host work (a handshake in flight)
 * does not hold it back, so an idle loop jumps straight to the deadline.
 * While a real handshake must finish first, `holdClock()` keeps the loop
 * busy so that virtual time stands still.
 */

import assert from "node:assert/strict";
import {
  type ExceptionContext,
  getRunningLoop,
  VirtualClock,
} from "../loop/mod.ts";
import { createTask, run, sleep, TimeoutError } from "../task/mod.ts";
import { openConnection } from "./open_connection.ts";
import { Server } from "./server.ts";
import { startServer } from "./start_server.ts";

const testdata = new URL("./testdata/", import.meta.url);
const cert = await Deno.readTextFile(new URL("cert.pem", testdata));
const key = await Deno.readTextFile(new URL("key.pem", testdata));
const client = { hostname: "localhost", caCerts: [cert] };
const junk = new TextEncoder().encode("not a TLS record\n");
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** Runs `fn` while virtual time stands still (the loop is never idle). */
async function holdClock<T>(fn: () => Promise<T>): Promise<T> {
  let holding = true;
  const hold = createTask(async () => {
    while (holding) await sleep(0);
  });
  try {
    return await fn();
  } finally {
    holding = false;
    await hold;
  }
}

/** Waits, on the loop's clock, until `cond()` holds. */
async function until(cond: () => boolean, step = 0): Promise<void> {
  while (!cond()) await sleep(step);
}

/**
 * Deno 2.9 keeps the socket of a handshake it cannot stop until the peer
 * acts (tests/faults/tls_close_mid_handshake_test.ts): the peer sends
 * junk, then its reads see the end.
 */
async function endsOnceItActs(conn: Deno.Conn): Promise<void> {
  await conn.write(junk);
  const buf = new Uint8Array(4_096);
  try {
    while (await conn.read(buf) !== null) {
      // A TLS alert: read on to the end.
    }
  } catch (error) {
    assert.ok(error instanceof Deno.errors.ConnectionReset, String(error));
  }
}

for (const debug of [false, true]) {
  Deno.test(
    `a TLS server closes a client that never sends a ClientHello at tls.handshakeTimeoutMs and serves the next one${
      debug ? " (reported in debug mode)" : " (not reported)"
    }`,
    async () => {
      const limit = 5_000;
      const reports: [number, ExceptionContext][] = [];
      await run(async () => {
        const loop = getRunningLoop();
        loop.setExceptionHandler((_l, ctx) => reports.push([loop.time(), ctx]));
        let handled = 0;
        await using server = await startServer(async (r, w) => {
          handled++;
          for await (const line of r) w.write(line);
        }, { port: 0, tls: { cert, key, handshakeTimeoutMs: limit } });
        const silent = await Deno.connect({ port: server.port });
        try {
          await until(() => server.connectionCount === 1);
          const accepted = loop.time();
          // The clock jumps to the deadline: the client is let go.
          await until(() => server.connectionCount === 0, 100);
          assert.equal(handled, 0);
          if (debug) {
            assert.equal(reports.length, 1);
            const [at, ctx] = reports[0]!;
            assert.equal(at, accepted + limit);
            assert.equal(ctx.message, "TLS handshake timed out");
            assert.ok(ctx.exception instanceof TimeoutError);
            assert.match(
              (ctx.exception as Error).message,
              /took longer than 5000 ms/,
            );
          }
          // The server goes on: a client whose handshake finishes is served,
          // and its connection outlives the limit (its timer was stopped).
          const [r, w] = await holdClock(async () => {
            const [r, w] = await openConnection({
              port: server.port,
              tls: client,
            });
            w.write("one\n");
            assert.equal(text(await r.readLine()), "one\n");
            return [r, w] as const;
          });
          await sleep(3 * limit);
          w.write("two\n");
          assert.equal(text(await holdClock(() => r.readLine())), "two\n");
          await w[Symbol.asyncDispose]();
          assert.equal(handled, 1);
        } finally {
          await endsOnceItActs(silent);
          silent.close();
        }
      }, { clock: new VirtualClock(), debug });
      assert.equal(reports.length, debug ? 1 : 0);
    },
  );
}

Deno.test("a TLS server gives a handshake 60 s by default", async () => {
  const reports: [number, ExceptionContext][] = [];
  await run(async () => {
    const loop = getRunningLoop();
    loop.setExceptionHandler((_l, ctx) => reports.push([loop.time(), ctx]));
    await using server = await startServer(() => {}, {
      port: 0,
      tls: { cert, key },
    });
    const silent = await Deno.connect({ port: server.port });
    try {
      await until(() => server.connectionCount === 1);
      const accepted = loop.time();
      await until(() => server.connectionCount === 0, 1_000);
      assert.equal(reports[0]?.[0], accepted + 60_000);
    } finally {
      await endsOnceItActs(silent);
      silent.close();
    }
  }, { clock: new VirtualClock(), debug: true });
  assert.equal(reports.length, 1);
});

for (const none of [null, Infinity]) {
  Deno.test(`a TLS server with tls.handshakeTimeoutMs ${none} keeps a silent client until closeClients()`, async () => {
    await run(async () => {
      const loop = getRunningLoop();
      await using server = await startServer(() => {}, {
        port: 0,
        tls: { cert, key, handshakeTimeoutMs: none },
      });
      const silent = await Deno.connect({ port: server.port });
      try {
        await until(() => server.connectionCount === 1);
        await sleep(24 * 3_600_000);
        assert.equal(loop.time() >= 24 * 3_600_000, true);
        assert.equal(server.connectionCount, 1);
        server.closeClients();
        await until(() => server.connectionCount === 0);
      } finally {
        await endsOnceItActs(silent);
        silent.close();
      }
    }, { clock: new VirtualClock() });
  });
}

Deno.test("a TLS handshake that finishes within tls.handshakeTimeoutMs is served (real clock)", async () => {
  const got = await run(async () => {
    await using server = await startServer(async (_r, w) => {
      w.write("hello\n");
    }, { port: 0, tls: { cert, key, handshakeTimeoutMs: 10_000 } });
    const [r, w] = await openConnection({
      port: server.port,
      tls: { ...client, handshakeTimeoutMs: 10_000 },
    });
    const line = text(await r.readLine());
    await w[Symbol.asyncDispose]();
    return line;
  });
  assert.equal(got, "hello\n");
});

const bad: [unknown, ErrorConstructor | RangeErrorConstructor, RegExp][] = [
  [0, RangeError, /handshakeTimeoutMs must be > 0.*got 0$/],
  [-1, RangeError, /got -1$/],
  [NaN, RangeError, /got NaN$/],
  [-Infinity, RangeError, /got -Infinity$/],
  ["10", TypeError, /handshakeTimeoutMs must be a number.*got "10"/],
  [10n, TypeError, /got 10n/],
];

for (const [value, type, message] of bad) {
  Deno.test(
    `startServer() refuses tls.handshakeTimeoutMs ${
      String(value)
    } before it listens`,
    async () => {
      // A port in use: had it listened first, the error would be AddrInUse.
      using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      await run(async () => {
        const starting = startServer(() => {}, {
          port: taken.addr.port,
          tls: { cert, key, handshakeTimeoutMs: value as number },
        });
        await assert.rejects(starting, (error: Error) => {
          assert.ok(error instanceof type, String(error));
          assert.match(error.message, /^Cannot call startServer\(\): /);
          assert.match(error.message, message);
          return true;
        });
      });
    },
  );
}

Deno.test("new Server() refuses a handshakeTimeoutMs that is not > 0", async () => {
  await run(async () => {
    using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    assert.throws(
      () => new Server(listener, () => {}, { handshakeTimeoutMs: -5 }),
      /^RangeError: Cannot create Server: handshakeTimeoutMs must be > 0 \(null or Infinity for no limit\), got -5$/,
    );
  });
});

Deno.test("openConnection() and startTls() refuse a bad tls.handshakeTimeoutMs before connecting", async () => {
  await run(async () => {
    // Port 1 is closed: had it connected first, the error would be
    // ConnectionRefused.
    await assert.rejects(
      openConnection({ port: 1, tls: { handshakeTimeoutMs: 0 } }),
      /^RangeError: Cannot call openConnection\(\): handshakeTimeoutMs must be > 0/,
    );
    await assert.rejects(
      openConnection({
        port: 1,
        tls: { handshakeTimeoutMs: "1" as unknown as number },
      }),
      /^TypeError: Cannot call openConnection\(\): handshakeTimeoutMs must be a number/,
    );
    await using server = await startServer(() => {}, { port: 0 });
    const [, w] = await openConnection({ port: server.port });
    await assert.rejects(
      w.startTls({ handshakeTimeoutMs: -1 }),
      /^RangeError: Cannot call startTls\(\): handshakeTimeoutMs must be > 0/,
    );
    // Nothing was started: the connection is as it was.
    assert.equal(w.isClosing(), false);
    await w[Symbol.asyncDispose]();
  });
});

/** A TLS peer that takes the ClientHello and never answers. */
async function stallingPeer(
  body: (port: number, accepted: Promise<Deno.Conn>) => Promise<void>,
): Promise<void> {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  let peer: Deno.Conn | undefined;
  try {
    await body(listener.addr.port, accepted.then((c) => peer = c));
  } finally {
    peer ??= await accepted;
    // The ClientHello arrived; Deno ends the socket once the peer acts.
    await endsOnceItActs(peer);
    peer.close();
  }
}

Deno.test("openConnection({ tls }) fails with TimeoutError at tls.handshakeTimeoutMs", async () => {
  await stallingPeer(async (port) => {
    await run(async () => {
      const loop = getRunningLoop();
      await assert.rejects(
        openConnection({ port, tls: { ...client, handshakeTimeoutMs: 2_000 } }),
        (error: Error) => {
          assert.ok(error instanceof TimeoutError, String(error));
          assert.equal(error.message, "TLS handshake took longer than 2000 ms");
          return true;
        },
      );
      assert.equal(loop.time(), 2_000);
    }, { clock: new VirtualClock() });
  });
});

Deno.test("writer.startTls() fails with TimeoutError at handshakeTimeoutMs and closes the writer", async () => {
  await stallingPeer(async (port, accepted) => {
    await run(async () => {
      const loop = getRunningLoop();
      const [, w] = await openConnection({ port });
      await accepted;
      const start = loop.time();
      await assert.rejects(
        w.startTls({ ...client, handshakeTimeoutMs: 3_000 }),
        TimeoutError,
      );
      assert.equal(loop.time(), start + 3_000);
      assert.equal(w.isClosing(), true);
      await w.waitClosed();
    }, { clock: new VirtualClock() });
  });
});
