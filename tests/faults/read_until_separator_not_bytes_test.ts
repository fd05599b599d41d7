/**
 * `StreamReader.readUntil()` given an array whose separators are not bytes
 * or text (a number, an `ArrayBuffer`) never finds them: it waits for
 * data forever, or ends with an `IncompleteReadError` at EOF, instead of
 * refusing the argument.
 *
 * Measured: with `"a\n"` buffered, `readUntil([10])` (the byte meant as a
 * number, a slip from `Uint8Array.of(10)`) stays pending; after
 * `feedEof()` it rejects with `IncompleteReadError` and the buffered line
 * is consumed as its `partial`. `readUntil([buffer.buffer])` (an
 * `ArrayBuffer`) does the same. `readUntil(10)`, not in an array, throws
 * `TypeError: separator.map is not a function`, by accident.
 *
 * Why (io/stream_reader.ts, `separators()`): an array item that is not a
 * string is taken as bytes unchecked; its `length` is `undefined`, so the
 * empty-separator check (`length === 0`) passes and every comparison with
 * it is false.
 *
 * Expected (STYLE.md: "Misuse fails loudly, never as a silent no-op";
 * CPython: `readuntil((10,))` raises `TypeError` from `len()` before it
 * reads): a `TypeError` naming the value, and the buffered bytes stay.
 */
import assert from "node:assert/strict";
import { StreamReader } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";

for (
  const [what, separator] of [
    ["[10]", [10]],
    ["[ArrayBuffer]", [new Uint8Array([10]).buffer]],
    ['["\\r\\n", null]', ["\r\n", null]],
    ["10", 10],
    ["an ArrayBuffer", new Uint8Array([10]).buffer],
  ] as const
) {
  Deno.test(`readUntil(${what}) throws TypeError and keeps the buffered bytes`, async () => {
    await run(async () => {
      const r = new StreamReader();
      r.feedData(new TextEncoder().encode("a\n"));
      r.feedEof();
      await assert.rejects(
        r.readUntil(separator as unknown as string),
        (e: unknown) => {
          assert.ok(e instanceof TypeError, String(e));
          assert.match(e.message, /^Cannot call readUntil\(\): /);
          return true;
        },
      );
      assert.equal(new TextDecoder().decode(await r.read()), "a\n");
    });
  });
}
