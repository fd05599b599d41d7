/**
 * `bulk`: `mib` MiB through one TCP connection on 127.0.0.1, written in
 * 64 KiB chunks with backpressure and read into 64 KiB at a time. The
 * figure is MB/s (10^6 bytes) from the first write until the reader holds
 * the last byte.
 *
 * The byte at offset `p` of the stream is `p % 251` (a period that does not
 * divide the chunk size, so a lost, repeated or reordered chunk shows): each
 * read checks its first, middle and last byte against its offset, and the
 * reader must count every byte, then see EOF.
 *
 * - `aio`: `startServer()` and `openConnection()`; the sender
 *   `write()`s and `drain()`s, the server's handler reads with
 *   `reader.read(65536)` (new bytes per read: a full one takes the
 *   reader's storage, no copy).
 * - `aio-readinto`: the same, the handler reading with
 *   `reader.readInto(buf)` into one reused 64 KiB buffer (the socket reads
 *   straight into it while the reader's buffer is empty).
 * - `aio-download`: the other way round: once the client asks (one byte),
 *   the server's handler `write()`s and `drain()`s and the client
 *   (`openConnection()`, the side that can `startTls()`) reads with
 *   `reader.read(65536)`.
 * - `raw`: the floor, `Deno.listen()`/`Deno.connect()`, the sockets' own
 *   `write()` and `read(buf)` into one reused 64 KiB buffer.
 * - `floor`: the floor of the streams' contract: the same sockets, reading
 *   into a new 64 KiB array per read (each `read(n)` result is new bytes the
 *   caller keeps), the sender copying each chunk before it writes it (a
 *   `write()` copies what it is given, so the caller may reuse it).
 *
 * Warm-up: four full-size passes (at least 2,048 reads at 32 MiB) for every
 * implementation, not the usual tenth (some 64 reads, before V8 has optimised
 * anything: `main()` in `_util.ts`).
 *
 * Run: `deno run --allow-net=127.0.0.1 bench/bulk.ts aio mib=32`
 *
 * @module
 */

import { getRunningLoop, run } from "@aio/asyncio";
import { openConnection, startServer } from "@aio/asyncio/io";
import { check, main, param, unknownImpl } from "./_util.ts";

const CHUNK = 64 * 1024;
const PERIOD = 251;
/** Byte `j` is `j % PERIOD`: chunk `k` is the view at `(k * CHUNK) % PERIOD`. */
const PATTERN = Uint8Array.from(
  { length: CHUNK + PERIOD },
  (_, j) => j % PERIOD,
);

/** The `k`th chunk of the stream (a view: nothing is allocated per write). */
function chunkAt(k: number): Uint8Array {
  const at = (k * CHUNK) % PERIOD;
  return PATTERN.subarray(at, at + CHUNK);
}

/** Checks `n` bytes read at stream offset `p`. */
function verify(buf: Uint8Array, n: number, p: number): void {
  const mid = n >> 1;
  if (
    buf[0] !== p % PERIOD || buf[mid] !== (p + mid) % PERIOD ||
    buf[n - 1] !== (p + n - 1) % PERIOD
  ) {
    check(false, `wrong bytes in the ${n} read at offset ${p}`);
  }
}

async function measure(
  impl: string,
  params: Record<string, number>,
): Promise<Record<string, number>> {
  const size = param(params, "mib") * 1024 * 1024;
  const chunks = size / CHUNK;
  let t0 = 0;
  let t1 = 0;
  let total = 0;
  let reads = 0;
  if (impl === "aio-download") {
    await run(async () => {
      const server = await startServer(async (reader, writer) => {
        // The clock starts as the client asks.
        await reader.readExactly(1);
        for (let k = 0; k < chunks; k++) {
          writer.write(chunkAt(k));
          await writer.drain();
        }
        writer.close();
        await writer.waitClosed();
      }, { hostname: "127.0.0.1", port: 0 });
      const [reader, writer] = await openConnection({
        hostname: "127.0.0.1",
        port: server.port,
      });
      t0 = performance.now();
      writer.write("G");
      for (;;) {
        const data = await reader.read(CHUNK);
        const n = data.length;
        if (n === 0) break;
        verify(data, n, total);
        total += n;
        reads++;
        if (total === size) t1 = performance.now();
      }
      writer.close();
      await writer.waitClosed();
      server.close();
      await server.waitClosed();
    }, { handleSigint: false });
  } else if (impl === "aio" || impl === "aio-readinto") {
    const into = impl === "aio-readinto";
    await run(async () => {
      const received = getRunningLoop().createFuture<void>();
      const server = await startServer(async (reader) => {
        try {
          if (into) {
            const buf = new Uint8Array(CHUNK);
            for (;;) {
              const n = await reader.readInto(buf);
              if (n === 0) break;
              verify(buf, n, total);
              total += n;
              reads++;
              if (total === size) t1 = performance.now();
            }
          } else {
            for (;;) {
              const data = await reader.read(CHUNK);
              const n = data.length;
              if (n === 0) break;
              verify(data, n, total);
              total += n;
              reads++;
              if (total === size) t1 = performance.now();
            }
          }
          received.setResult();
        } catch (error) {
          received.setException(error);
        }
      }, { hostname: "127.0.0.1", port: 0 });
      const [, writer] = await openConnection({
        hostname: "127.0.0.1",
        port: server.port,
      });
      t0 = performance.now();
      for (let k = 0; k < chunks; k++) {
        writer.write(chunkAt(k));
        await writer.drain();
      }
      writer.writeEof();
      await received;
      writer.close();
      await writer.waitClosed();
      server.close();
      await server.waitClosed();
    }, { handleSigint: false });
  } else if (impl === "raw" || impl === "floor") {
    const fresh = impl === "floor";
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const receiving = (async () => {
      const conn = await listener.accept();
      conn.setNoDelay(true);
      let buf = new Uint8Array(CHUNK);
      try {
        for (;;) {
          if (fresh) buf = new Uint8Array(CHUNK);
          const n = await conn.read(buf);
          if (n === null) break;
          verify(buf, n, total);
          total += n;
          reads++;
          if (total === size) t1 = performance.now();
        }
      } finally {
        conn.close();
      }
    })();
    const conn = await Deno.connect({
      hostname: "127.0.0.1",
      port: (listener.addr as Deno.NetAddr).port,
    });
    conn.setNoDelay(true);
    const stage = new Uint8Array(CHUNK);
    t0 = performance.now();
    for (let k = 0; k < chunks; k++) {
      let chunk = chunkAt(k);
      if (fresh) {
        // write() copies what it is given, as StreamWriter's does.
        stage.set(chunk);
        chunk = stage;
      }
      let off = 0;
      while (off < CHUNK) {
        off += await conn.write(off === 0 ? chunk : chunk.subarray(off));
      }
    }
    await conn.closeWrite();
    await receiving;
    conn.close();
    listener.close();
  } else {
    unknownImpl(impl);
  }
  check(total === size, `${total} of ${size} bytes arrived`);
  const ms = t1 - t0;
  return { ms, bytes: size, reads };
}

await main(measure, ["mib"], 4);
