/**
 * Text writes to a socket are never gathered: each `write(string)` is its
 * own socket write.
 *
 * What happens: `StreamWriter.write()` copies bytes written while the sink
 * is busy into one staging buffer, sent as one write; a string takes the
 * other branch (`n = -1`, "Text, or a mid-sized write to an idle sink"):
 * it is encoded and queued as a chunk of its own, and sinks that consume
 * chunks (the sockets, `consumesChunks`) get no gathering of queued chunks
 * either (`#nextChunk` gathers only for the others). So 200,000 lines
 * written as text over TCP (`w.write("hello world, line of text\n")`,
 * `drain()` every 1,000) take 200,000 `conn.write()` calls: 320-340 ms,
 * against 7-12 ms for the same lines written as bytes (26-45 times
 * slower), and here 1,000 text writes made while the sink is busy reach
 * it as 1,000 writes where 1,000 byte writes reach it as 2. Writing text
 * lines is the common way to use a writer (`writeLines()` of strings,
 * line protocols, HTTP heads); asyncio has no strings but gathers every
 * small write into its buffer.
 *
 * Expected: text is gathered as bytes are: a text write made while the
 * sink is busy goes into the same staging buffer (or the queue's chunks
 * are gathered), so the sink sees about as many writes either way.
 *
 * f5296cc: the same (306-347 ms against 11-12 ms).
 */

import assert from "node:assert/strict";
import { StreamWriter } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";

async function sinkWrites(text: boolean): Promise<number> {
  return await run(async () => {
    let writes = 0;
    const w = new StreamWriter({
      consumesChunks: true,
      write: () => {
        writes++;
        return Promise.resolve();
      },
      close: () => {},
    });
    const line = "hello world, line of text\n";
    const bytes = new TextEncoder().encode(line);
    for (let i = 0; i < 1_000; i++) w.write(text ? line : bytes);
    await w.drain();
    w.close();
    await w.waitClosed();
    return writes;
  });
}

Deno.test("text written while the sink is busy is gathered as bytes are", async () => {
  const bytes = await sinkWrites(false);
  const text = await sinkWrites(true);
  assert.ok(
    text <= 2 * bytes + 2,
    `1,000 text writes reach the sink as ${text} writes; as bytes, ${bytes}`,
  );
});
