/**
 * One suite over every way to get a connected (writer, reader) pair: what a
 * writer writes, the reader reads, in order, then EOF; a cancelled read
 * (`readExactly()`, `readInto()`) loses nothing; a large payload survives
 * backpressure, read with `read()` and with `readInto()` into one buffer.
 */

import assert from "node:assert/strict";
import { getRunningLoop } from "../loop/mod.ts";
import { CancelledError, createTask, Future, run, sleep } from "../task/mod.ts";
import { createSubprocessExec } from "./create_subprocess_exec.ts";
import { openConnection } from "./open_connection.ts";
import { openUnixConnection } from "./open_unix_connection.ts";
import { readerFromStream } from "./reader_from_stream.ts";
import { startServer } from "./start_server.ts";
import { startUnixServer } from "./start_unix_server.ts";
import type { StreamReader } from "./stream_reader.ts";
import type { StreamWriter } from "./stream_writer.ts";
import { writerFromStream } from "./writer_from_stream.ts";
import { waiting } from "./_source.ts";

interface Pipe {
  writer: StreamWriter;
  reader: StreamReader;
  cleanup(): Promise<void>;
}

const dec = new TextDecoder();

/** A server whose accepted connection's reader receives the client's bytes. */
async function serverPipe(
  start: (
    h: (r: StreamReader, w: StreamWriter) => Promise<void>,
  ) => Promise<{ close(): void; waitClosed(): Promise<void> }>,
  connect: () => Promise<[StreamReader, StreamWriter]>,
): Promise<Pipe> {
  const accepted = new Future<[StreamReader, StreamWriter]>(getRunningLoop());
  const done = new Future<void>(getRunningLoop());
  const server = await start(async (r, w) => {
    accepted.setResult([r, w]);
    await done; // keep the connection until cleanup
  });
  const [, writer] = await connect();
  const [reader] = await accepted;
  return {
    writer,
    reader,
    async cleanup() {
      done.setResult();
      writer.close();
      await writer.waitClosed();
      server.close();
      await server.waitClosed();
    },
  };
}

const cert = await Deno.readTextFile(
  new URL("./testdata/cert.pem", import.meta.url),
);
const key = await Deno.readTextFile(
  new URL("./testdata/key.pem", import.meta.url),
);

const pipes: Record<string, () => Promise<Pipe>> = {
  "TCP socket": async () => {
    let port = 0;
    return await serverPipe(async (h) => {
      const s = await startServer(h, { port: 0 });
      port = s.port;
      return s;
    }, () => openConnection({ port }));
  },
  "TLS socket": async () => {
    let port = 0;
    return await serverPipe(async (h) => {
      const s = await startServer(h, { port: 0, tls: { cert, key } });
      port = s.port;
      return s;
    }, () => openConnection({ port, tls: { caCerts: [cert] } }));
  },
  "Unix socket": async () => {
    // Deno 2.9+ wants `--allow-net=unix:<exact path>`: a fixed path the
    // test task grants (see deno.json).
    const path = "/tmp/aio-test-io-2.sock";
    await Deno.remove(path).catch(() => {});
    return await serverPipe(
      (h) => startUnixServer(h, { path }),
      () => openUnixConnection(path),
    );
  },
  "Web streams (TransformStream)": () => {
    const t = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writerFromStream(t.writable);
    const reader = readerFromStream(t.readable);
    return Promise.resolve({
      writer,
      reader,
      async cleanup() {
        writer.close();
        await writer.waitClosed();
        await reader.read();
      },
    });
  },
  "subprocess pipes (cat)": async () => {
    const proc = await createSubprocessExec("cat", [], {
      stdin: "piped",
      stdout: "piped",
    });
    return {
      writer: proc.stdin!,
      reader: proc.stdout!,
      async cleanup() {
        await proc[Symbol.asyncDispose]();
      },
    };
  },
};

for (const [name, open] of Object.entries(pipes)) {
  Deno.test(`${name}: lines written in pieces are read back in order`, async () => {
    const got = await run(async () => {
      const p = await open();
      try {
        p.writer.write("al");
        p.writer.write("pha\nbe");
        await p.writer.drain();
        p.writer.writeLines(["ta\n", "gamma\n"]);
        const lines = [];
        for (let i = 0; i < 3; i++) {
          lines.push(dec.decode(await p.reader.readLine()));
        }
        return lines;
      } finally {
        await p.cleanup();
      }
    });
    assert.deepEqual(got, ["alpha\n", "beta\n", "gamma\n"]);
  });

  Deno.test(`${name}: closing the writer gives EOF after the last byte`, async () => {
    const got = await run(async () => {
      const p = await open();
      try {
        p.writer.write("last words");
        p.writer.close();
        await p.writer.waitClosed();
        const data = dec.decode(await p.reader.read());
        return [data, p.reader.atEof()];
      } finally {
        await p.cleanup();
      }
    });
    assert.deepEqual(got, ["last words", true]);
  });

  Deno.test(`${name}: a cancelled readExactly() loses no byte`, async () => {
    const got = await run(async () => {
      const p = await open();
      try {
        const waiting = createTask(() => p.reader.readExactly(8));
        p.writer.write("1234");
        for (let i = 0; i < 2000 && p.reader.bufferSize < 4; i++) {
          await sleep(1);
        }
        waiting.cancel();
        const first = await waiting.then<string, string>(
          (b) => dec.decode(b),
          (e) => {
            if (e instanceof CancelledError) return "";
            throw e;
          },
        );
        p.writer.write("5678");
        return first + dec.decode(await p.reader.readExactly(8 - first.length));
      } finally {
        await p.cleanup();
      }
    });
    assert.equal(got, "12345678");
  });

  Deno.test(`${name}: 1 MiB written with drain() arrives intact`, async () => {
    const size = 1 << 20;
    const got = await run(async () => {
      const p = await open();
      try {
        const consumer = createTask(async () => {
          let total = 0;
          let sum = 0;
          while (total < size) {
            const data = await p.reader.read(size - total);
            for (const b of data) sum = (sum + b) % 65521;
            total += data.length;
          }
          return [total, sum];
        });
        const chunk = new Uint8Array(4096);
        let sum = 0;
        for (let i = 0; i < size / chunk.length; i++) {
          chunk.fill(i % 251);
          sum = (sum + (i % 251) * chunk.length) % 65521;
          p.writer.write(chunk);
          await p.writer.drain();
        }
        const [total, received] = await consumer;
        return [total, received === sum];
      } finally {
        await p.cleanup();
      }
    });
    assert.deepEqual(got, [size, true]);
  });

  Deno.test(`${name}: 1 MiB read with readInto() into one buffer arrives intact`, async () => {
    const size = 1 << 20;
    const got = await run(async () => {
      const p = await open();
      try {
        const consumer = createTask(async () => {
          const buf = new Uint8Array(16 * 1024);
          let total = 0;
          let sum = 0;
          let reads = 0;
          while (total < size) {
            const n = await p.reader.readInto(buf);
            assert.ok(n > 0, `EOF after ${total} bytes`);
            for (let i = 0; i < n; i++) sum = (sum + buf[i]!) % 65521;
            total += n;
            reads++;
          }
          return [total, sum, reads];
        });
        const chunk = new Uint8Array(4096);
        let sum = 0;
        for (let i = 0; i < size / chunk.length; i++) {
          chunk.fill(i % 251);
          sum = (sum + (i % 251) * chunk.length) % 65521;
          p.writer.write(chunk);
          await p.writer.drain();
        }
        const [total, received, reads] = await consumer;
        return [total, received === sum, reads! >= size / (16 * 1024)];
      } finally {
        await p.cleanup();
      }
    });
    assert.deepEqual(got, [size, true, true]);
  });

  Deno.test(`${name}: a readInto() cancelled while it waits loses no byte`, async () => {
    const socket = name.endsWith("socket");
    const got = await run(async () => {
      const p = await open();
      try {
        const buf = new Uint8Array(64);
        const cancelledRead = async (): Promise<void> => {
          // On a socket, the socket is reading into `buf` when the wait is
          // cancelled (a socket read cannot be): what it brings must not be
          // lost.
          const reading = createTask(() => p.reader.readInto(buf));
          for (let i = 0; i < 1000 && !p.reader[waiting]; i++) await sleep(0);
          assert.ok(p.reader[waiting]);
          reading.cancel();
          await assert.rejects(reading, CancelledError);
        };
        await cancelledRead();
        p.writer.write("1234");
        await p.writer.drain();
        // The same buffer at once: a socket read in flight is taken over.
        const first = await readAllInto(p.reader, buf, 4);
        await cancelledRead();
        p.writer.write("5678");
        await p.writer.drain();
        // Nobody reads: the bytes are kept in the reader, and on a socket
        // they were also written into `buf`, as documented.
        for (let i = 0; i < 2000 && p.reader.bufferSize < 4; i++) {
          await sleep(1);
        }
        const late = dec.decode(buf.subarray(0, 4));
        const second = dec.decode(await p.reader.readExactly(4));
        return [first, second, late === "5678"];
      } finally {
        await p.cleanup();
      }
    });
    assert.deepEqual(got, ["1234", "5678", socket]);
  });

  Deno.test(`${name}: a readInto() cancelled as bytes arrive loses no byte`, async () => {
    const got = await run(async () => {
      const p = await open();
      try {
        const buf = new Uint8Array(64);
        const reading = createTask(() => p.reader.readInto(buf));
        for (let i = 0; i < 1000 && !p.reader[waiting]; i++) await sleep(0);
        p.writer.write("1234");
        await p.writer.drain();
        // Wait until the bytes reach the reader (they wake the read), then
        // cancel: either it had resumed (it returns them) or not (it
        // throws and they stay in the reader).
        for (
          let i = 0;
          i < 2000 && !reading.done() && p.reader.bufferSize === 0 &&
          p.reader[waiting];
          i++
        ) {
          await sleep(1);
        }
        reading.cancel();
        const first = await reading.then<string, string>(
          (n) => dec.decode(buf.subarray(0, n)),
          (e) => {
            if (e instanceof CancelledError) return "";
            throw e;
          },
        );
        p.writer.write("5678");
        await p.writer.drain();
        return first +
          await readAllInto(p.reader, new Uint8Array(3), 8 - first.length);
      } finally {
        await p.cleanup();
      }
    });
    assert.equal(got, "12345678");
  });
}

/**
 * Reads `n` bytes with `readInto(buf)` calls (no more may be on their way);
 * returns them as text.
 */
async function readAllInto(
  reader: StreamReader,
  buf: Uint8Array,
  n: number,
): Promise<string> {
  let text = "";
  let total = 0;
  while (total < n) {
    // Always `buf` itself: a socket read in flight into it is taken over.
    const got = await reader.readInto(buf);
    if (got === 0) throw new Error(`EOF after ${total} of ${n} bytes`);
    text += dec.decode(buf.subarray(0, got));
    total += got;
  }
  assert.equal(total, n);
  return text;
}
