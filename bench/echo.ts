/**
 * `echo`: `clients` clients each make `rounds` round trips of a 100-byte
 * message to an echo server on 127.0.0.1; every reply is compared with what
 * was sent. The figure is round trips per second.
 *
 * - `aio`: `startServer()` and `openConnection()`, streams on both ends
 *   (`read()`/`write()`/`drain()` in the server, `write()`/`drain()`/
 *   `readExactly()` in the clients).
 * - `aio-readinto`: the same, every end reading with `readInto()` into one
 *   buffer of its own (the server echoes the bytes it read; a client reads
 *   until its reply buffer is full): no array allocated per read.
 * - `raw`: the floor, `Deno.listen()`/`Deno.connect()` and the sockets'
 *   own `read()`/`write()`, `TCP_NODELAY` on both ends as the library sets it.
 * - `floor`: the contract's floor (`_floor.ts`): the raw sockets, each read
 *   resuming its task in the loop's next pass and making a new array of the
 *   bytes it read (a `read()` result is new bytes the caller keeps), writes
 *   not waited for (as a `StreamWriter`'s below its high-water mark), copied
 *   as `write()` copies.
 *
 * Run: `deno run --allow-net=127.0.0.1 bench/echo.ts aio clients=50 rounds=2000`
 *
 * @module
 */

import { run } from "@aio/asyncio";
import { openConnection, startServer } from "@aio/asyncio/io";
import { FloorLoop, Wait } from "./_floor.ts";
import { check, main, param, unknownImpl } from "./_util.ts";

const SIZE = 100;

/** Client `c`'s message in round `k`: its own pattern, `k` in front. */
function message(template: Uint8Array, k: number): Uint8Array {
  const out = template.slice();
  new DataView(out.buffer).setUint32(0, k, true);
  return out;
}

/** Client `c`'s pattern of bytes. */
function template(c: number): Uint8Array {
  const out = new Uint8Array(SIZE);
  for (let i = 0; i < SIZE; i++) out[i] = (c * 31 + i) & 0xff;
  return out;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One end of a socket, as the `raw` and `floor` columns read and write. */
interface Endpoint {
  read(buf: Uint8Array): PromiseLike<number | null>;
  /** Sends `data`, whose bytes the caller may reuse once this returns or resolves. */
  write(data: Uint8Array): Promise<void> | void;
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  // A view only for the rare partial write.
  while (off < data.length) {
    off += await conn.write(off === 0 ? data : data.subarray(off));
  }
}

/** The platform's floor: the socket's own `read()`/`write()`. */
function rawEnd(conn: Deno.Conn): Endpoint {
  return {
    read: (buf) => conn.read(buf),
    write: (data) => writeAll(conn, data),
  };
}

/**
 * The echo workload on bare sockets (`Deno.listen()`/`Deno.connect()`,
 * `TCP_NODELAY` on both ends as the library sets it), each end read and
 * written through `end`, each server and client started through `spawn`.
 *
 * @returns The time the round trips took, and how many echoes matched.
 */
async function socketEcho(
  clients: number,
  rounds: number,
  end: (conn: Deno.Conn) => Endpoint,
  spawn: (fn: () => Promise<void>) => Promise<void>,
): Promise<[number, number]> {
  let matched = 0;
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const serve = async (conn: Deno.TcpConn): Promise<void> => {
    conn.setNoDelay(true);
    const io = end(conn);
    const buf = new Uint8Array(4096);
    try {
      for (;;) {
        const got = await io.read(buf);
        if (got === null) break;
        await io.write(buf.subarray(0, got));
      }
    } finally {
      conn.close();
    }
  };
  const accepting = (async () => {
    const served: Promise<void>[] = [];
    for await (const conn of listener) served.push(spawn(() => serve(conn)));
    await Promise.all(served);
  })();
  const t0 = performance.now();
  const client = async (c: number): Promise<void> => {
    const conn = await Deno.connect({
      hostname: "127.0.0.1",
      port: (listener.addr as Deno.NetAddr).port,
    });
    conn.setNoDelay(true);
    const io = end(conn);
    const back = new Uint8Array(SIZE);
    const pattern = template(c);
    try {
      for (let k = 0; k < rounds; k++) {
        const sent = message(pattern, k);
        await io.write(sent);
        let got = 0;
        while (got < SIZE) {
          const r = await io.read(got === 0 ? back : back.subarray(got));
          if (r === null) check(false, `client ${c}: EOF in round ${k}`);
          got += r;
        }
        if (!same(sent, back)) check(false, `client ${c} round ${k}`);
        matched++;
      }
    } finally {
      conn.close();
    }
  };
  await Promise.all(
    Array.from({ length: clients }, (_, c) => spawn(() => client(c))),
  );
  const ms = performance.now() - t0;
  listener.close();
  await accepting;
  return [ms, matched];
}

async function measure(
  impl: string,
  params: Record<string, number>,
): Promise<Record<string, number>> {
  const clients = param(params, "clients");
  const rounds = param(params, "rounds");
  let matched = 0;
  let ms: number;
  if (impl === "aio" || impl === "aio-readinto") {
    const into = impl === "aio-readinto";
    ms = await run(async () => {
      const server = await startServer(async (reader, writer) => {
        try {
          const buf = new Uint8Array(4096);
          for (;;) {
            if (into) {
              const n = await reader.readInto(buf);
              if (n === 0) break;
              writer.write(buf.subarray(0, n));
            } else {
              const data = await reader.read(4096);
              if (data.length === 0) break;
              writer.write(data);
            }
            await writer.drain();
          }
        } finally {
          writer.close();
          await writer.waitClosed();
        }
      }, { hostname: "127.0.0.1", port: 0 });
      const t0 = performance.now();
      const client = async (c: number): Promise<void> => {
        const [reader, writer] = await openConnection({
          hostname: "127.0.0.1",
          port: server.port,
        });
        const pattern = template(c);
        const reply = new Uint8Array(SIZE);
        try {
          for (let k = 0; k < rounds; k++) {
            const sent = message(pattern, k);
            writer.write(sent);
            await writer.drain();
            let back = reply;
            if (into) {
              for (let got = 0; got < SIZE;) {
                const n = await reader.readInto(reply.subarray(got));
                if (n === 0) check(false, `client ${c}: EOF in round ${k}`);
                got += n;
              }
            } else {
              back = await reader.readExactly(SIZE);
            }
            if (!same(sent, back)) check(false, `client ${c} round ${k}`);
            matched++;
          }
        } finally {
          writer.close();
          await writer.waitClosed();
        }
      };
      await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
      const elapsed = performance.now() - t0;
      server.close();
      await server.waitClosed();
      return elapsed;
    }, { handleSigint: false });
  } else if (impl === "raw") {
    let sent = 0;
    [ms, sent] = await socketEcho(clients, rounds, rawEnd, (fn) => fn());
    matched += sent;
  } else if (impl === "floor") {
    const loop = new FloorLoop({ io: true });
    // A socket read whose completion resumes the task in the loop's next
    // pass, as a wait on a StreamReader does, with the new array a read()
    // returns; a write the task does not wait for, copied, as a
    // StreamWriter's below its high-water mark (one is in flight at a time
    // in this protocol).
    let result: Uint8Array | null = null;
    const floorEnd = (conn: Deno.Conn): Endpoint => {
      const out = new Uint8Array(4096);
      return {
        read: (buf) => {
          const wait = new Wait(loop);
          conn.read(buf).then((n) => {
            if (n !== null) result = buf.slice(0, n);
            wait.wake(n);
          }, () => wait.wake(null));
          return wait as unknown as PromiseLike<number | null>;
        },
        write: (data) => {
          out.set(data);
          void writeAll(conn, out.subarray(0, data.length));
        },
      };
    };
    let sent = 0;
    [ms, sent] = await loop.run(
      socketEcho(clients, rounds, floorEnd, (fn) => loop.spawn(fn)),
    );
    matched += sent;
    check(result !== null, "no read made an array");
  } else {
    unknownImpl(impl);
  }
  check(
    matched === clients * rounds,
    `${matched} of ${clients * rounds} echoes matched`,
  );
  return { ms, n: clients * rounds };
}

await main(measure, ["rounds"]);
