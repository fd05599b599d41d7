import assert from "node:assert/strict";
import { run } from "../task/mod.ts";
import { readerFromStream } from "./reader_from_stream.ts";
import { writerFromStream } from "./writer_from_stream.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("readerFromStream() stops pulling while its buffer is above the limit", async () => {
  const got = await run(async () => {
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        if (pulls > 100) controller.close();
        else controller.enqueue(new Uint8Array(10));
      },
    }, { highWaterMark: 0 });
    const reader = readerFromStream(stream, { limit: 25 });
    // Let the pump run until it pauses.
    for (let i = 0; i < 50; i++) await new Promise((r) => setTimeout(r, 0));
    const pausedAt = pulls;
    const all = await reader.read();
    return [pausedAt, all.length];
  });
  assert.ok(got[0]! <= 4, `pulled ${got[0]} chunks past a limit of 25 bytes`);
  assert.equal(got[1], 1000);
});

Deno.test("readerFromStream() turns a stream error into a read error", async () => {
  await run(async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(enc.encode("partial"));
        controller.error(new Error("source failed"));
      },
    });
    const reader = readerFromStream(stream);
    await assert.rejects(reader.read(), /source failed/);
  });
});

Deno.test("readerFromStream() keeps the bytes read before a stream error: read(n) returns them, then the error", async () => {
  const got = await run(async () => {
    let pulls = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ === 0) controller.enqueue(enc.encode("partial"));
        else controller.error(new Error("source failed"));
      },
    });
    const reader = readerFromStream(stream);
    const outcome = (p: Promise<Uint8Array>) =>
      p.then((b) => dec.decode(b), (e: Error) => e.message);
    // read() to EOF cannot end well: it throws, and leaves the bytes.
    return [
      await outcome(reader.read()),
      await outcome(reader.read(100)),
      await outcome(reader.read(100)),
    ];
  });
  assert.deepEqual(got, ["source failed", "partial", "source failed"]);
});

Deno.test("readerFromStream() with an aborted signal cancels the stream", async () => {
  const reasons: unknown[] = [];
  await run(async () => {
    const stream = new ReadableStream<Uint8Array>({
      cancel(reason) {
        reasons.push(reason);
      },
    });
    const controller = new AbortController();
    const reader = readerFromStream(stream, { signal: controller.signal });
    controller.abort("stop");
    await assert.rejects(reader.read(), (e) => e === "stop");
  });
  assert.deepEqual(reasons, ["stop"]);
});

// User port 8: a fetch body aborted mid-way read as a complete one (EOF).
Deno.test("readerFromStream() aborted mid-stream gives what it buffered, then fails with the reason", async () => {
  const got = await run(async () => {
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(enc.encode("first "));
      },
    });
    const controller = new AbortController();
    const reader = readerFromStream(stream, { signal: controller.signal });
    const first = dec.decode(await reader.read(100));
    controller.abort(new RangeError("deadline"));
    return [
      first,
      await reader.read(100).then(
        (b) => `read ${b.length} bytes`,
        (e) => `${e.name}: ${e.message}`,
      ),
      reader.exception()?.constructor.name,
    ];
  });
  assert.deepEqual(got, ["first ", "RangeError: deadline", "RangeError"]);
});

Deno.test("readerFromStream() aborted after its stream ended reads to a clean EOF", async () => {
  const got = await run(async () => {
    const controller = new AbortController();
    const reader = readerFromStream(new Response("whole").body!, {
      signal: controller.signal,
    });
    const body = dec.decode(await reader.read());
    controller.abort();
    return [body, (await reader.read()).length, reader.exception()];
  });
  assert.deepEqual(got, ["whole", 0, undefined]);
});

Deno.test("writerFromStream() writes, then closes the stream", async () => {
  const chunks: string[] = [];
  let closed = false;
  await run(async () => {
    const writer = writerFromStream(
      new WritableStream<Uint8Array>({
        write(chunk) {
          chunks.push(dec.decode(chunk));
        },
        close() {
          closed = true;
        },
      }),
    );
    writer.write("a");
    writer.write("b");
    await writer.drain();
    writer.close();
    await writer.waitClosed();
  });
  assert.equal(chunks.join(""), "ab");
  assert.ok(closed);
});
