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
 * Reads now count as waits that need not wait (the loop's busy tick): on
 * a busy tick, one that would not park waits a tick first, before it takes
 * anything; and the pump lets the host run after 256 empty chunks in a
 * row. (The first version took the bytes and resolved a tick later, so a
 * combinator that gave up on the read lost them; its review also found a
 * loop of over-long lines, each an error, still held the loop.)
 */
import assert from "node:assert/strict";
import { createTask, currentTask, gather, run, sleep } from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";
import {
  LimitOverrunError,
  readerFromStream,
  StreamReader,
} from "../../io/mod.ts";
import { primeBusyTick } from "./_busy_tick.ts";

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

Deno.test("a loop dropping over-long buffered lines lets other tasks run", async () => {
  const r = new StreamReader({ limit: 16 });
  const lines = 100_000;
  const all = new Uint8Array(40 * lines).fill(65);
  for (let i = 1; i <= lines; i++) all[i * 40 - 1] = 10;
  r.feedData(all);
  r.feedEof();
  let dropped = 0;
  const ticks = await ticksDuring(async (stop) => {
    while (!stop() && r.bufferSize > 0) {
      try {
        await r.readLine();
      } catch (error) {
        if (!(error instanceof LimitOverrunError)) throw error;
        dropped++;
      }
    }
  });
  assert.equal(ticks, 3, `the ticker ran ${ticks} times in ${dropped} lines`);
});

for (const busy of [false, true]) {
  Deno.test(`gather(read(4)) cancelled keeps the bytes, given or left (busy tick: ${busy})`, async () => {
    const out = await run(async () => {
      const r = new StreamReader();
      r.feedData(new TextEncoder().encode("abcdefgh"));
      let reading = false;
      const t = createTask(async () => {
        if (busy) primeBusyTick();
        reading = true;
        const [data] = await gather(r.read(4));
        return new TextDecoder().decode(data);
      });
      while (!reading) await sleep(0);
      t.cancel();
      const got = await t.then((v) => v, () => "");
      return got + new TextDecoder().decode(await r.read(100));
    }, { clock: new VirtualClock(), handleSigint: false });
    assert.equal(out, "abcdefgh");
  });
}

// Second review: the first read of `gather(r.read(4), r.read(4))` took the
// pending cancellation, and the second read, made before the code awaited,
// took bytes the cancelled gather dropped.
for (const busy of [false, true]) {
  Deno.test(`gather(read(4), read(4)) with a cancel pending loses no byte (busy tick: ${busy})`, async () => {
    const out = await run(async () => {
      const r = new StreamReader();
      r.feedData(new TextEncoder().encode("abcdefgh"));
      r.feedEof();
      const t = createTask(async () => {
        currentTask()!.cancel();
        if (busy) primeBusyTick();
        const got = await gather(r.read(4), r.read(4));
        return got.map((b) => new TextDecoder().decode(b)).join("");
      });
      const got = await t.then((v) => v, () => "");
      await sleep(0);
      return got + new TextDecoder().decode(await r.read());
    }, { clock: new VirtualClock(), handleSigint: false });
    assert.equal(out, "abcdefgh");
  });
}
