/**
 * An `AsyncFile` that met the end of its file reads on when the file grows
 * (user port 15: a log shipper tailing a file).
 *
 * Found: the first read that met the end fed EOF to the file's internal
 * `StreamReader`, where it is final: every later `read()` and `readLine()`
 * returned an empty array, whatever was appended; only a `seek()` (or a
 * write) started over. A Python file's `read()`/`readline()` return what
 * was appended since, and the class doc says reads "can be mixed as with a
 * Python file".
 *
 * Fixed: a read that finds the reader at EOF (no error, no other read in
 * progress) starts a new one at the file's position.
 */
import assert from "node:assert/strict";
import { openFile } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";

Deno.test("readLine() after EOF sees lines appended later (as Python's readline)", async () => {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(path, "one\n");
    const got = await run(async () => {
      await using f = await openFile(path);
      const out: string[] = [];
      const dec = new TextDecoder();
      out.push(dec.decode(await f.readLine()));
      out.push(dec.decode(await f.readLine())); // "" at EOF
      await Deno.writeTextFile(path, "two\n", { append: true });
      out.push(dec.decode(await f.readLine())); // expected "two\n"
      return out;
    });
    assert.deepEqual(got, ["one\n", "", "two\n"]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("read() after EOF sees bytes appended later (as Python's read)", async () => {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(path, "ab");
    const got = await run(async () => {
      await using f = await openFile(path);
      const dec = new TextDecoder();
      const a = dec.decode(await f.read());
      await Deno.writeTextFile(path, "cd", { append: true });
      const b = dec.decode(await f.read());
      return [a, b];
    });
    assert.deepEqual(got, ["ab", "cd"]);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("a tail loop over an AsyncFile gets each appended line once, a partial line completed later in two parts", async () => {
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(path, "a\n");
    const got = await run(async () => {
      await using f = await openFile(path);
      const dec = new TextDecoder();
      const out: string[] = [];
      const drain = async (): Promise<void> => {
        for await (const line of f) out.push(dec.decode(line));
        out.push("<eof>");
      };
      await drain();
      await Deno.writeTextFile(path, "b\nc", { append: true });
      await drain();
      await Deno.writeTextFile(path, "d\n", { append: true });
      await drain();
      await drain();
      return out;
    });
    assert.deepEqual(got, [
      "a\n",
      "<eof>",
      "b\n",
      "c",
      "<eof>",
      "d\n",
      "<eof>",
      "<eof>",
    ]);
  } finally {
    await Deno.remove(path);
  }
});
