/**
 * Attack round 25: bytes given as a Node `Buffer` (node:buffer, what many
 * npm packages hand a Deno program) are not copied: the writer keeps a view
 * of the caller's memory, so what goes out is what the buffer holds later.
 *
 * What I did: on a TCP connection, `writer.write()` of 8 KiB (the sink is
 * then busy), then `writer.write(buf)` with a 1 MiB `Buffer` of "C" (queued
 * behind it), then `buf.fill("D")` (the caller reuses its buffer once
 * write() returned, as the doc allows); the same with
 * `DatagramEndpoint.send(buf, addr)` and `AsyncFile.write(buf)`, the buffer
 * refilled before awaiting the call; `proc.communicate(buf)` to `cat`.
 *
 * What happened (measured): the peer received 1,048,576 "D" bytes, not "C";
 * the datagram, the file and cat's stdin got the later contents too.
 *
 * Cause: the copy is `bytes.slice()` (io/stream_writer.ts:562,
 * io/datagram_endpoint.ts:231, io/async_file.ts:371); `Buffer.prototype.slice`
 * is Node's deprecated alias of `subarray()`: a view, not a copy (any
 * Uint8Array subclass may override slice()). `new Uint8Array(bytes)` or
 * `Uint8Array.prototype.slice.call(bytes)` copies whatever the subclass.
 *
 * Expected: StreamWriter.write() JSDoc: "Queues `data` (a string is encoded
 * as UTF-8; bytes are copied)"; the class doc: "`write()` does not wait: it
 * copies the bytes into the writer's buffer"; DatagramEndpoint.send(): "bytes
 * are copied". asyncio's transport.write() also copies (bytearray +=, or
 * keeps an immutable bytes). Data sent must be the data at the call.
 *
 * Fixed: the copies are made by the base class (`new Uint8Array(bytes)`),
 * and `communicate(input)` copies its input when called (its feeder task
 * writes it later).
 */

import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { run } from "../../task/mod.ts";
import {
  createDatagramEndpoint,
  openConnection,
  openFile,
  startServer,
} from "../../io/mod.ts";

function letters(bytes: Uint8Array): string {
  const seen = new Set<string>();
  for (const b of bytes) seen.add(String.fromCharCode(b));
  return [...seen].sort().join("");
}

Deno.test("StreamWriter.write(Buffer) sends the bytes it was given", async () => {
  const got = await run(async () => {
    let received = new Uint8Array();
    const done = Promise.withResolvers<void>();
    await using server = await startServer(async (reader) => {
      received = await reader.read();
      done.resolve();
    }, { hostname: "127.0.0.1", port: 0 });
    const [, writer] = await openConnection({
      hostname: "127.0.0.1",
      port: server.port,
    });
    writer.write(new Uint8Array(8192).fill(67)); // "C": the sink is now busy
    const buf = Buffer.alloc(1 << 20, "C");
    writer.write(buf); // queued behind the first
    buf.fill("D"); // reused once write() returned
    writer.close();
    await writer.waitClosed();
    await done.promise;
    return { length: received.length, letters: letters(received) };
  }, { handleSigint: false });
  assert.deepEqual(got, { length: 8192 + (1 << 20), letters: "C" });
});

Deno.test("DatagramEndpoint.send(Buffer) sends the bytes it was given", async () => {
  const got = await run(async () => {
    await using ep = await createDatagramEndpoint({
      localAddr: { hostname: "127.0.0.1", port: 0 },
    });
    const buf = Buffer.alloc(1000, "C");
    const sent = ep.send(buf, ep.localAddr);
    buf.fill("D");
    await sent;
    const { data } = await ep.recv();
    return letters(data);
  }, { handleSigint: false });
  assert.equal(got, "C");
});

Deno.test("AsyncFile.write(Buffer) writes the bytes it was given", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await run(async () => {
      await using f = await openFile(`${dir}/out`, {
        write: true,
        create: true,
      });
      const buf = Buffer.alloc(1 << 20, "C");
      const written = f.write(buf);
      buf.fill("D");
      await written;
    }, { handleSigint: false });
    assert.equal(letters(await Deno.readFile(`${dir}/out`)), "C");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

import { createSubprocessExec } from "../../io/mod.ts";

Deno.test("Process.communicate(Buffer) sends the bytes it was given", async () => {
  const got = await run(async () => {
    const proc = await createSubprocessExec("cat", [], {
      stdin: "piped",
      stdout: "piped",
    });
    const buf = Buffer.alloc(4 << 20, "C");
    const talking = proc.communicate(buf);
    buf.fill("D");
    const [stdout] = await talking;
    await proc.wait();
    return { length: stdout!.length, letters: letters(stdout!) };
  }, { handleSigint: false });
  assert.deepEqual(got, { length: 4 << 20, letters: "C" });
});
