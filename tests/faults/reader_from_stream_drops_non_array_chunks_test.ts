/**
 * Attack round 25: `readerFromStream()` silently drops chunks that are not
 * array-like (an ArrayBuffer, a DataView, a number): their bytes vanish and
 * the reader reports a clean EOF.
 *
 * What I did: a ReadableStream that enqueues "ab" as Uint8Array, then the
 * bytes "cd" as an ArrayBuffer (resp. a DataView), then "ef" as
 * Uint8Array, then closes; `readerFromStream(stream).read()` to EOF.
 *
 * What happened (measured): read() returns "abef" (4 bytes), no error: the
 * middle chunk is lost. A stream of nothing but ArrayBuffers reads as empty.
 * With a string or a Uint16Array chunk the same reader fails with
 * "TypeError: Cannot call feedData(): data must be a Uint8Array, got ...".
 *
 * Cause: io/_pump.ts:63 `if (value.length > 0) reader.feedData(value);` —
 * `length` is undefined for an ArrayBuffer, a DataView or a number, so the
 * chunk never reaches feedData()'s type check and is skipped as if empty.
 *
 * Expected: never a silent loss of bytes. Either the bytes are read (an
 * ArrayBuffer/DataView is unambiguous bytes), or the reader fails with the
 * library's TypeError as it does for a string chunk (StreamReader.feedData's
 * documented "@throws {TypeError} If data is not a Uint8Array").
 *
 * Fixed: a chunk that is not a Uint8Array fails the reader with
 * feedData()'s TypeError, and the stream is cancelled with it.
 */

import assert from "node:assert/strict";
import { run } from "../../task/mod.ts";
import { readerFromStream } from "../../io/mod.ts";

const enc = new TextEncoder();

for (
  const [label, middle] of [
    ["an ArrayBuffer", () => enc.encode("cd").buffer],
    ["a DataView", () => new DataView(enc.encode("cd").buffer)],
  ] as const
) {
  Deno.test(`readerFromStream: ${label} chunk is read or refused, never dropped`, async () => {
    const outcome = await run(async () => {
      const stream = new ReadableStream({
        start(c) {
          c.enqueue(enc.encode("ab"));
          c.enqueue(middle());
          c.enqueue(enc.encode("ef"));
          c.close();
        },
      });
      const reader = readerFromStream(
        stream as unknown as ReadableStream<Uint8Array>,
      );
      try {
        return new TextDecoder().decode(await reader.read());
      } catch (e) {
        return e instanceof TypeError ? "refused" : `other error ${e}`;
      }
    }, { handleSigint: false });
    assert.ok(
      outcome === "abcdef" || outcome === "refused",
      `got ${JSON.stringify(outcome)}`,
    );
  });
}
