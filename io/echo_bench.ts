/**
 * Echo round trips and bulk throughput on loopback: our streams on both
 * ends against raw `Deno.listen`/`Deno.connect` with plain `read`/`write`
 * (the baseline).
 *
 * - echo: 50 concurrent clients x 2,000 round trips of 100 bytes.
 * - bulk: 32 MiB through one connection, in 64 KiB writes, read with
 *   `read(n)` and with `readInto()` into one reused buffer. (The issue's
 *   figure is 256 MiB; `Deno.bench` repeats each case, so a smaller size
 *   keeps the run short. The ratio is what matters.)
 *
 * Run: `deno bench --allow-net=127.0.0.1 io/echo_bench.ts`
 *
 * @module
 */

import { createTask, run } from "../task/mod.ts";
import { openConnection, startServer } from "./mod.ts";

const CLIENTS = 50;
const ROUNDS = 2_000;
const SIZE = 100;
const BULK = 32 * 1024 * 1024;
const CHUNK = 64 * 1024;

async function readFull(conn: Deno.Conn, buf: Uint8Array): Promise<boolean> {
  let at = 0;
  while (at < buf.length) {
    const n = await conn.read(buf.subarray(at));
    if (n === null) return false;
    at += n;
  }
  return true;
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let at = 0;
  while (at < data.length) at += await conn.write(data.subarray(at));
}

Deno.bench({
  name: "raw Deno.listen/Deno.connect echo",
  group: "echo: 50 clients x 2,000 round trips of 100 bytes",
  baseline: true,
  n: 5,
  warmup: 1,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const serving: Promise<void>[] = [];
    const accepting = (async () => {
      for (let i = 0; i < CLIENTS; i++) {
        const conn = await listener.accept();
        serving.push((async () => {
          const buf = new Uint8Array(SIZE);
          while (await readFull(conn, buf)) await writeAll(conn, buf);
          conn.close();
        })());
      }
    })();
    const clients = Array.from({ length: CLIENTS }, async () => {
      const conn = await Deno.connect({
        hostname: "127.0.0.1",
        port: listener.addr.port,
      });
      conn.setNoDelay(true);
      const msg = new Uint8Array(SIZE).fill(1);
      const buf = new Uint8Array(SIZE);
      for (let k = 0; k < ROUNDS; k++) {
        await writeAll(conn, msg);
        if (!(await readFull(conn, buf))) throw new Error("early EOF");
      }
      conn.close();
    });
    await Promise.all(clients);
    await accepting;
    await Promise.all(serving);
    listener.close();
  },
});

Deno.bench({
  name: "aio streams echo (startServer/openConnection)",
  group: "echo: 50 clients x 2,000 round trips of 100 bytes",
  n: 5,
  warmup: 1,
  async fn() {
    await run(async () => {
      await using server = await startServer(async (r, w) => {
        for (;;) {
          const data = await r.read(4096);
          if (data.length === 0) break;
          w.write(data);
          await w.drain();
        }
      }, { port: 0 });
      const clients = Array.from(
        { length: CLIENTS },
        () =>
          createTask(async () => {
            const [r, w] = await openConnection({ port: server.port });
            const msg = new Uint8Array(SIZE).fill(1);
            for (let k = 0; k < ROUNDS; k++) {
              w.write(msg);
              await w.drain();
              await r.readExactly(SIZE);
            }
            w.close();
            await w.waitClosed();
          }),
      );
      for (const c of clients) await c;
    });
  },
});

Deno.bench({
  name: "raw Deno.listen/Deno.connect bulk",
  group: "bulk: 32 MiB through one connection",
  baseline: true,
  n: 10,
  warmup: 2,
  async fn() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const receiving = (async () => {
      const conn = await listener.accept();
      const buf = new Uint8Array(CHUNK);
      let total = 0;
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        total += n;
      }
      conn.close();
      if (total !== BULK) throw new Error(`got ${total} bytes`);
    })();
    const conn = await Deno.connect({
      hostname: "127.0.0.1",
      port: listener.addr.port,
    });
    const chunk = new Uint8Array(CHUNK).fill(2);
    for (let sent = 0; sent < BULK; sent += CHUNK) await writeAll(conn, chunk);
    await conn.closeWrite();
    await receiving;
    conn.close();
    listener.close();
  },
});

Deno.bench({
  name: "aio streams bulk (write/drain, read)",
  group: "bulk: 32 MiB through one connection",
  n: 10,
  warmup: 2,
  async fn() {
    await run(async () => {
      let total = 0;
      await using server = await startServer(async (r) => {
        for (;;) {
          const data = await r.read(CHUNK);
          if (data.length === 0) break;
          total += data.length;
        }
      }, { port: 0 });
      const [r, w] = await openConnection({ port: server.port });
      const chunk = new Uint8Array(CHUNK).fill(2);
      for (let sent = 0; sent < BULK; sent += CHUNK) {
        w.write(chunk);
        await w.drain();
      }
      w.writeEof();
      await r.read(); // EOF once the server's handler is done
      w.close();
      await w.waitClosed();
      if (total !== BULK) throw new Error(`got ${total} bytes`);
    });
  },
});

Deno.bench({
  name: "aio streams bulk (write/drain, readInto one buffer)",
  group: "bulk: 32 MiB through one connection",
  n: 10,
  warmup: 2,
  async fn() {
    await run(async () => {
      let total = 0;
      await using server = await startServer(async (r) => {
        const buf = new Uint8Array(CHUNK);
        for (let n; (n = await r.readInto(buf)) > 0;) total += n;
      }, { port: 0 });
      const [r, w] = await openConnection({ port: server.port });
      const chunk = new Uint8Array(CHUNK).fill(2);
      for (let sent = 0; sent < BULK; sent += CHUNK) {
        w.write(chunk);
        await w.drain();
      }
      w.writeEof();
      await r.read(); // EOF once the server's handler is done
      w.close();
      await w.waitClosed();
      if (total !== BULK) throw new Error(`got ${total} bytes`);
    });
  },
});
