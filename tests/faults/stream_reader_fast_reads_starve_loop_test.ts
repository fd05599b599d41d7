/**
 * A task reading from a `StreamReader` whose data keeps coming without a
 * host wait (a `ReadableStream` made from a generator, a reader fed in
 * memory) never let the loop run (attack round 26): each read found its
 * bytes buffered, or the pump refilled the buffer in microtasks before the
 * read parked, so the tick never ended. 300,000 lines took 1.1 s, and a
 * `sleep(20)` in another task, a `callLater(20)` and a `setTimeout(20)`
 * all ran after the end; a `timeout(20)` around the loop never fired. A
 * source that gave empty chunks for ever made the pump itself spin in
 * microtasks, so not even the host ran.
 *
 * Reads now count as waits that need not wait (the loop's busy tick), and
 * the pump lets the host run after 256 empty chunks in a row.
 */
import assert from "node:assert/strict";
import { createTask, run, sleep } from "../../task/mod.ts";
import { readerFromStream, StreamReader } from "../../io/mod.ts";

/** Ticks another task saw while `read` ran, up to 3 (then it stops). */
async function ticksDuring(
  read: (stop: () => boolean) => Promise<void>,
): Promise<number> {
  return await run(async () => {
    let ticks = 0;
    const ticker = createTask(async () => {
      while (ticks < 3) {
        await sleep(0);
        ticks++;
      }
    });
    await read(() => ticks >= 3);
    ticker.cancel();
    await ticker.catch(() => {});
    return ticks;
  }, { handleSigint: false });
}

const LINE = new TextEncoder().encode("some line of text\n");

Deno.test("reading lines of a stream made from a generator lets other tasks run", async () => {
  let lines = 0;
  const ticks = await ticksDuring(async (stop) => {
    const reader = readerFromStream(
      ReadableStream.from((function* () {
        for (let i = 0; i < 2_000_000; i++) yield LINE;
      })()),
    );
    for await (const _ of reader) {
      lines++;
      if (stop()) break;
    }
  });
  assert.equal(ticks, 3, `the ticker ran ${ticks} times in ${lines} lines`);
});

const reads: Record<string, (r: StreamReader) => Promise<unknown>> = {
  "read(n)": (r) => r.read(8),
  "readExactly(n)": (r) => r.readExactly(8),
  "readLine()": (r) => r.readLine(),
  "readUntil()": (r) => r.readUntil("\n"),
  "readInto()": (r) => r.readInto(new Uint8Array(8)),
};

for (const [name, read] of Object.entries(reads)) {
  Deno.test(`a loop of ${name} on buffered bytes lets other tasks run`, async () => {
    const r = new StreamReader({ limit: 64 << 20 });
    for (let i = 0; i < 50; i++) {
      r.feedData(new Uint8Array(LINE.length * 20_000).fill(10));
    }
    r.feedEof();
    let n = 0;
    const ticks = await ticksDuring(async (stop) => {
      while (!stop() && r.bufferSize > 0) {
        await read(r);
        n++;
      }
    });
    assert.equal(ticks, 3, `the ticker ran ${ticks} times in ${n} reads`);
  });
}

Deno.test("a source of empty chunks lets the host run", async () => {
  let hostRan = false;
  let pulls = 0;
  const out = await run(async () => {
    setTimeout(() => (hostRan = true), 0);
    const reader = readerFromStream(
      new ReadableStream<Uint8Array>({
        pull(controller) {
          // Bounded: ends by itself if the host never gets its turn.
          if (hostRan || ++pulls > 2_000_000) controller.close();
          else controller.enqueue(new Uint8Array(0));
        },
      }),
    );
    return (await reader.read()).length;
  }, { handleSigint: false });
  assert.equal(out, 0);
  assert.ok(pulls <= 2_000_000, "the host never ran while the pump spun");
});
