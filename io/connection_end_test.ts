/**
 * How the end of a connection reaches both sides of it: a write that finds
 * the peer gone loses nothing the peer sent before, and a writer that can
 * no longer send says so.
 */

import assert from "node:assert/strict";
import { run, sleep } from "../task/mod.ts";
import { openConnection } from "./open_connection.ts";
import { StreamWriter } from "./stream_writer.ts";

const dec = new TextDecoder();

Deno.test("after a write fails because the peer closed, the reader still returns what the peer sent", async () => {
  // A server that answers and closes while the client is still writing its
  // request: the client's next write makes the server's kernel reset the
  // connection, and a later one fails with BrokenPipe or ConnectionReset.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    await conn.write(new TextEncoder().encode("response\n"));
    conn.close();
    listener.close();
  })();
  const got = await run(async () => {
    const [reader, writer] = await openConnection({
      port: listener.addr.port,
    });
    await served;
    let writeError = "";
    // Bounded: loopback delivers the reset within a few round trips.
    for (let i = 0; i < 2000 && writeError === ""; i++) {
      try {
        writer.write("more request\n");
        await writer.drain();
      } catch (e) {
        writeError = (e as Error).name;
      }
      await sleep(1);
    }
    const line = dec.decode(await reader.readLine());
    const after = await reader.read().then(
      (b) => `${b.length} bytes`,
      (e: Error) => e.name,
    );
    await writer.waitClosed();
    return { writeError, line, after };
  });
  assert.match(got.writeError, /^(BrokenPipe|ConnectionReset)$/);
  assert.equal(got.line, "response\n");
  // Then the end the socket reported: EOF, or the reset.
  assert.match(got.after, /^(0 bytes|ConnectionReset)$/);
});

Deno.test("drain() on an aborted or closed writer rejects with ConnectionReset, as asyncio's", async () => {
  await run(async () => {
    const aborted = new StreamWriter({
      write: async () => {},
      close: () => {},
    });
    aborted.abort();
    await assert.rejects(aborted.drain(), Deno.errors.ConnectionReset);
    const closed = new StreamWriter({ write: async () => {}, close: () => {} });
    closed.write("last words");
    closed.close();
    // While it still sends what was buffered, drain() waits as usual.
    await closed.drain();
    await closed.waitClosed();
    await assert.rejects(closed.drain(), Deno.errors.ConnectionReset);
  });
});
