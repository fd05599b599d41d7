/**
 * `StreamWriter.writeLines()` given an item that is not bytes or text, or
 * an iterable that throws, writes the items before it and then throws: the
 * peer gets half a batch the caller was told failed.
 *
 * Measured: `w.writeLines(["HEAD\r\n", 5, "BODY"])` throws `TypeError:
 * Cannot write: data must be a Uint8Array or a string, got 5`, and the sink
 * still receives `HEAD\r\n`; a generator that yields `"a\n"` and then
 * throws sends `a\n`. A caller that catches the error and writes something
 * else corrupts the peer's framing, and has no way to know how much left.
 *
 * Why (io/stream_writer.ts): `writeLines()` is
 * `for (const line of lines) this.write(line)`, so each item goes out
 * before the next one is read or checked.
 *
 * Expected (CPython 3.12: `StreamWriter.writelines()` hands the list to the
 * transport, whose `writelines()` builds `[memoryview(d) for d in data]`
 * before it buffers anything, so a bad item or a failing iterator raises
 * `TypeError` with nothing written; `writelines()` of older versions
 * `b"".join()`s first, the same): nothing is written, the error is thrown.
 */
import assert from "node:assert/strict";
import { StreamWriter } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";

async function sent(
  fill: (w: StreamWriter) => void,
): Promise<{ text: string; error: unknown }> {
  return await run(async () => {
    const chunks: Uint8Array[] = [];
    const w = new StreamWriter({
      write: (chunk) => {
        chunks.push(chunk.slice());
        return Promise.resolve();
      },
      close: () => {},
    });
    let error: unknown = null;
    try {
      fill(w);
    } catch (e) {
      error = e;
    }
    w.write("END");
    await w.drain();
    w.close();
    await w.waitClosed();
    const text = chunks.map((c) => new TextDecoder().decode(c)).join("");
    return { text, error };
  });
}

Deno.test("writeLines() with an item that is not bytes writes none of them", async () => {
  const { text, error } = await sent((w) =>
    w.writeLines(["HEAD\r\n", 5 as unknown as string, "BODY"])
  );
  assert.ok(error instanceof TypeError, String(error));
  assert.equal(text, "END");
});

Deno.test("writeLines() of an iterable that throws writes none of its items", async () => {
  function* lines(): Generator<string> {
    yield "a\n";
    throw new Error("source failed");
  }
  const { text, error } = await sent((w) => w.writeLines(lines()));
  assert.match(String(error), /source failed/);
  assert.equal(text, "END");
});

Deno.test("writeLines() still writes every item in order", async () => {
  const { text, error } = await sent((w) =>
    w.writeLines(["a", new TextEncoder().encode("b"), "", "c"])
  );
  assert.equal(error, null);
  assert.equal(text, "abcEND");
});
