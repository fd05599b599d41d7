import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  run,
  sleep,
  waitFor,
} from "../task/mod.ts";
import { VirtualClock } from "../loop/mod.ts";
import { StreamWriter, type WriteSink } from "./stream_writer.ts";
import { writeSome } from "./_source.ts";

const dec = new TextDecoder();
const virtual = () => ({ clock: new VirtualClock() });

/** A sink whose writes complete only when the test says so. */
function gatedSink() {
  const written: string[] = [];
  const events: string[] = [];
  const gates: (() => void)[] = [];
  const sink: WriteSink & { fail?: (e: unknown) => void } = {
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        events.push(`write ${chunk.length}`);
        gates.push(() => {
          written.push(dec.decode(chunk));
          resolve();
        });
        sink.fail = reject;
      }),
    closeWrite: () => void events.push("eof"),
    close: () => void events.push("close"),
  };
  return {
    sink,
    written,
    events,
    /** Completes the oldest pending write. */
    release(): void {
      gates.shift()?.();
    },
    pending: () => gates.length,
  };
}

Deno.test("StreamWriter.write() copies the bytes and does not wait", async () => {
  await run(async () => {
    const s = gatedSink();
    const w = new StreamWriter(s.sink);
    const data = new TextEncoder().encode("abc");
    const result = w.write(data);
    assert.equal(result, undefined);
    data[0] = 0x7a; // the writer copied "abc"
    assert.equal(w.bufferSize, 3);
    s.release();
    w.close();
    await sleep(1);
    while (s.pending() > 0) {
      s.release();
      await sleep(1);
    }
    await w.waitClosed();
    assert.deepEqual(s.written, ["abc"]);
  }, virtual());
});

Deno.test("StreamWriter gathers small writes queued behind a pending one", async () => {
  await run(async () => {
    const s = gatedSink();
    const w = new StreamWriter(s.sink);
    w.write("a");
    w.write("b");
    w.write("c");
    assert.deepEqual(s.events, ["write 1"]);
    s.release();
    await sleep(1);
    assert.deepEqual(s.events, ["write 1", "write 2"]);
    s.release();
    w.close();
    await w.waitClosed();
    assert.deepEqual(s.written, ["a", "bc"]);
    assert.deepEqual(s.events, ["write 1", "write 2", "close"]);
  }, virtual());
});

Deno.test("StreamWriter.drain() waits above the high-water mark until the low mark", async () => {
  const log = await run(async () => {
    const s = gatedSink();
    const w = new StreamWriter(s.sink, { highWaterMark: 10, lowWaterMark: 4 });
    const log: string[] = [];
    w.write("0123456789"); // 10: not above the mark
    await w.drain();
    log.push(`drained at ${w.bufferSize}`);
    w.write("abc"); // 13 > 10
    const drainer = createTask(async () => {
      await w.drain();
      log.push(`drained at ${w.bufferSize}`);
    });
    await sleep(1);
    log.push("first write done");
    s.release(); // 10 bytes written: 3 left <= 4
    await drainer;
    s.release();
    w.close();
    await w.waitClosed();
    return log;
  }, virtual());
  assert.deepEqual(log, ["drained at 10", "first write done", "drained at 3"]);
});

Deno.test("a cancelled StreamWriter.drain() loses nothing buffered", async () => {
  await run(async () => {
    const s = gatedSink();
    const w = new StreamWriter(s.sink, { highWaterMark: 2 });
    w.write("hello");
    const drainer = createTask(() => w.drain());
    await sleep(1);
    drainer.cancel();
    await assert.rejects(drainer, CancelledError);
    assert.equal(w.bufferSize, 5);
    s.release();
    await w.drain();
    assert.deepEqual(s.written, ["hello"]);
    await assert.rejects(
      (w.write("more"),
        w.drain({ signal: AbortSignal.abort(new Error("pre")) })),
      /pre/,
    );
    s.release();
    w.close();
    await w.waitClosed();
    assert.deepEqual(s.written, ["hello", "more"]);
  }, virtual());
});

Deno.test("StreamWriter.writeEof() half-closes after the buffered bytes", async () => {
  await run(async () => {
    const s = gatedSink();
    const w = new StreamWriter(s.sink);
    assert.ok(w.canWriteEof());
    w.write("last");
    w.writeEof();
    assert.throws(() => w.write("more"), /writeEof/);
    s.release();
    w.close();
    await w.waitClosed();
    assert.deepEqual(s.events, ["write 4", "eof", "close"]);
  }, virtual());
});

Deno.test("StreamWriter.writeEof() throws on a sink that cannot half-close", () => {
  const w = new StreamWriter({ write: async () => {}, close: () => {} });
  assert.equal(w.canWriteEof(), false);
  assert.throws(() => w.writeEof(), /cannot half-close/);
  w.close();
});

Deno.test("StreamWriter.close() is idempotent and refuses later writes", async () => {
  await run(async () => {
    const s = gatedSink();
    const w = new StreamWriter(s.sink);
    w.close();
    w.close();
    assert.ok(w.isClosing());
    assert.throws(() => w.write("x"), /closing/);
    await w.waitClosed();
    await w.waitClosed();
    assert.deepEqual(s.events, ["close"]);
  }, virtual());
});

Deno.test("StreamWriter.abort() drops the buffer and closes at once", async () => {
  await run(async () => {
    const s = gatedSink();
    const w = new StreamWriter(s.sink, { highWaterMark: 1 });
    w.write("stuck");
    w.write("queued");
    const drainer = createTask(() => w.drain());
    await sleep(1);
    w.abort();
    await drainer;
    await w.waitClosed();
    assert.equal(w.bufferSize, 0);
    assert.deepEqual(s.events, ["write 5", "close"]);
  }, virtual());
});

Deno.test("a failed sink write fails drain() and later writes, and closes the writer", async () => {
  await run(async () => {
    const s = gatedSink();
    const w = new StreamWriter(s.sink, { highWaterMark: 1 });
    w.write("doomed");
    const drainer = createTask(() => w.drain().catch((e) => e));
    await sleep(1);
    s.sink.fail!(new Deno.errors.BrokenPipe("peer gone"));
    assert.ok((await drainer) instanceof Deno.errors.BrokenPipe);
    assert.throws(() => w.write("x"), Deno.errors.BrokenPipe);
    await w.waitClosed();
    assert.ok(w.isClosing());
    assert.deepEqual(s.events, ["write 6", "close"]);
  }, virtual());
});

Deno.test("StreamWriter.writeLines() writes each item in order", async () => {
  await run(async () => {
    const out: string[] = [];
    const w = new StreamWriter({
      write: async (c) => void out.push(dec.decode(c)),
      close: () => {},
    });
    w.writeLines(["a\n", new TextEncoder().encode("b\n"), "c\n"]);
    await using _ = w;
    await sleep(1);
    assert.equal(out.join(""), "a\nb\nc\n");
  }, virtual());
});

Deno.test("StreamWriter rejects water marks out of order", () => {
  assert.throws(
    () =>
      new StreamWriter({ write: async () => {}, close: () => {} }, {
        highWaterMark: 1,
        lowWaterMark: 2,
      }),
    RangeError,
  );
});

Deno.test("StreamWriter over a chunk-consuming sink coalesces writes and reuses its buffers safely", async () => {
  await run(async () => {
    const received: number[] = [];
    const gates: (() => void)[] = [];
    const writes: number[] = [];
    const sink: WriteSink = {
      consumesChunks: true,
      write: (chunk) =>
        new Promise<void>((resolve) => {
          writes.push(chunk.length);
          gates.push(() => {
            received.push(...chunk); // read the bytes when the write ends
            resolve();
          });
        }),
      close: () => {},
    };
    const w = new StreamWriter(sink, { highWaterMark: 1 << 20 });
    const sent: number[] = [];
    const data = new Uint8Array(1000);
    for (let round = 0; round < 300; round++) {
      data.fill(round & 0xff); // the caller reuses its buffer
      w.write(data);
      sent.push(...data);
      if (round % 50 === 49) {
        while (gates.length > 0) {
          gates.shift()!();
          await sleep(0);
        }
      }
    }
    w.close();
    while (gates.length > 0) {
      gates.shift()!();
      await sleep(0);
    }
    await w.waitClosed();
    assert.equal(received.length, sent.length);
    assert.ok(received.every((b, i) => b === sent[i]), "bytes differ");
    // Writes made while the sink was busy went out together.
    assert.ok(writes.length < 300, `${writes.length} sink writes`);
    assert.ok(Math.max(...writes) <= 64 * 1024);
  }, virtual());
});

Deno.test("a socket's short write: the writer writes the rest, in order", async () => {
  const calls: number[] = [];
  const out: number[] = [];
  const sink = {
    write: () => Promise.reject(new Error("write() is not used")),
    // Takes at most 3 bytes per call, as a socket with a full buffer does.
    [writeSome]: (chunk: Uint8Array) => {
      calls.push(chunk.length);
      const n = Math.min(3, chunk.length);
      out.push(...chunk.subarray(0, n));
      return Promise.resolve(n);
    },
    close: () => {},
  };
  await run(async () => {
    const w = new StreamWriter(sink, { highWaterMark: 4, lowWaterMark: 0 });
    w.write(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    await w.drain();
    assert.equal(w.bufferSize, 0);
    w.write(new Uint8Array([9, 10]));
    w.close();
    await w.waitClosed();
  }, virtual());
  assert.deepEqual(out, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(calls, [8, 5, 2, 2]);
});

Deno.test("a short write's impossible count fails the writer with a RangeError that names it", async () => {
  for (const bad of [0, 9, 1.5, NaN, -1, 1n, "1", undefined]) {
    await run(async () => {
      const w = new StreamWriter({
        write: () => Promise.resolve(),
        [writeSome]: () => Promise.resolve(bad),
        close: () => {},
      } as never, { highWaterMark: 0 });
      w.write(new Uint8Array(8));
      await assert.rejects(
        w.drain(),
        (e: unknown) =>
          e instanceof RangeError &&
          e.message.includes(`of 8 bytes resolved with ${String(bad)}`),
      );
      assert.equal(w.isClosing(), true);
      assert.throws(() => w.write("x"), RangeError);
      await w.waitClosed();
    }, virtual());
  }
});

Deno.test("what a sink's write() resolves with is ignored: a chunk is written once, whole", async () => {
  const chunks: Uint8Array[] = [];
  await run(async () => {
    // push() resolves with the array's length, which is no count of bytes.
    const w = new StreamWriter({
      write: async (chunk) => void chunks.push(chunk.slice()),
      close: () => {},
    });
    const counting = new StreamWriter({
      write: (async (chunk: Uint8Array) => chunks.push(chunk.slice())) as never,
      close: () => {},
    });
    w.write("abc");
    await w.drain();
    counting.write("defg");
    counting.close();
    w.close();
    await Promise.all([w.waitClosed(), counting.waitClosed()]);
  }, virtual());
  assert.deepEqual(chunks.map((c) => dec.decode(c)), ["abc", "defg"]);
});

Deno.test("a sink written in plain JS may return nothing, or a thenable, from write()", async () => {
  const got: string[] = [];
  await run(async () => {
    const plain = new StreamWriter({
      write: ((chunk: Uint8Array) => void got.push(dec.decode(chunk))) as never,
      close: () => {},
    });
    plain.write("a");
    await plain.drain();
    plain.close();
    await plain.waitClosed();
    const thenable = new StreamWriter({
      write: ((chunk: Uint8Array) => ({
        then(ok: (n: number) => void) {
          got.push(dec.decode(chunk));
          ok(chunk.length);
        },
      })) as never,
      close: () => {},
    });
    thenable.write("bc");
    thenable.close();
    await thenable.waitClosed();
  }, virtual());
  assert.deepEqual(got, ["a", "bc"]);
});

Deno.test("setWriteBufferLimits() moves the marks: a waiting drain() returns once the buffer is at or below the new low mark", async () => {
  await run(async () => {
    const s = gatedSink();
    const w = new StreamWriter(s.sink, { highWaterMark: 4, lowWaterMark: 0 });
    w.write("0123456789");
    const events: string[] = [];
    const draining = createTask(async () => {
      await w.drain();
      events.push("drained");
    });
    await sleep(1);
    assert.deepEqual(events, []);
    w.setWriteBufferLimits({ highWaterMark: 100, lowWaterMark: 20 });
    await sleep(1);
    assert.deepEqual(events, ["drained"]);
    await draining;
    assert.throws(
      () => w.setWriteBufferLimits({ highWaterMark: 1, lowWaterMark: 2 }),
      /setWriteBufferLimits\(\): need 0 <= lowWaterMark <= highWaterMark, got 2 and 1/,
    );
    assert.throws(
      () => w.setWriteBufferLimits({ highWaterMark: NaN }),
      RangeError,
    );
    assert.throws(
      () => w.setWriteBufferLimits({ highWaterMark: "5" as never }),
      RangeError,
    );
    // The marks are unchanged by a refused call: 10 bytes are within 100.
    await w.drain();
    w.abort();
  }, virtual());
});

Deno.test("abort() after writeEof() never half-closes the sink, even when the write in flight settles later", async () => {
  await run(async () => {
    const s = gatedSink();
    const w = new StreamWriter(s.sink);
    w.write("x");
    w.writeEof();
    w.abort();
    s.release(); // the write in flight settles after the abort
    await w.waitClosed();
    await sleep(1);
    assert.deepEqual(s.events, ["write 1", "close"]);
  }, virtual());
});

Deno.test("water marks default as asyncio's: a low mark alone makes the high one four times it", async () => {
  await run(async () => {
    const s = gatedSink();
    const w = new StreamWriter(s.sink, { lowWaterMark: 4 });
    w.write("0123456789abcdef"); // 16 bytes: at the high mark, not over it
    await w.drain();
    w.write("g");
    let drained = false;
    const draining = createTask(async () => {
      await w.drain();
      drained = true;
    });
    await sleep(1);
    assert.equal(drained, false);
    w.setWriteBufferLimits({ lowWaterMark: 1 << 20 }); // high: 4 MiB
    await draining;
    assert.equal(drained, true);
    w.abort();
  }, virtual());
});

Deno.test("during a socket's short writes, bytes stop counting as buffered as it takes them", async () => {
  const sizes: number[] = [];
  const gates: (() => void)[] = [];
  await run(async () => {
    const sink = {
      write: () => Promise.reject(new Error("write() is not used")),
      [writeSome]: (chunk: Uint8Array) =>
        new Promise<number>((resolve) => {
          gates.push(() => {
            resolve(Math.min(4, chunk.length));
            sizes.push(w.bufferSize);
          });
        }),
      close: () => {},
    };
    const w: StreamWriter = new StreamWriter(sink);
    w.write(new Uint8Array(10));
    for (let i = 0; i < 3; i++) {
      while (gates.length === 0) await sleep(1);
      gates.shift()!();
      await sleep(1);
      sizes.push(w.bufferSize);
    }
    w.close();
    await w.waitClosed();
  }, virtual());
  // Before and after each of the three writes (4, 4, then 2 bytes).
  assert.deepEqual(sizes, [10, 6, 6, 2, 2, 0]);
});

Deno.test("write() refuses what is neither bytes nor text, naming it, and the writer goes on", async () => {
  const got: string[] = [];
  await run(async () => {
    const w = new StreamWriter({
      write: async (chunk) => void got.push(dec.decode(chunk)),
      close: () => {},
    });
    for (
      const bad of [
        42,
        null,
        {},
        [1, 2],
        new Uint16Array([1]),
        new ArrayBuffer(2),
      ]
    ) {
      assert.throws(
        () => w.write(bad as never),
        (e: unknown) =>
          e instanceof TypeError &&
          e.message.startsWith(
            "Cannot write: data must be a Uint8Array or a string, got ",
          ),
      );
    }
    assert.equal(w.bufferSize, 0);
    w.write("ok");
    w.close();
    await w.waitClosed();
  }, virtual());
  assert.deepEqual(got, ["ok"]);
});

Deno.test("a write-and-drain loop to a sink that keeps up lets the loop's other tasks run, once per MiB", async () => {
  const got = await run(async () => {
    const w = new StreamWriter({ write: () => Promise.resolve(), close() {} });
    const chunk = new Uint8Array(100);
    let done = false;
    const ticks: number[] = [];
    let written = 0;
    const ticker = createTask(async () => {
      while (!done) {
        await sleep(0);
        ticks.push(written);
      }
    });
    await sleep(0); // the ticker is parked
    for (let i = 0; i < 32_000; i++) {
      w.write(chunk);
      written += chunk.length;
      await w.drain();
    }
    done = true;
    await ticker;
    w.close();
    await w.waitClosed();
    return ticks;
  }, virtual());
  // 3.2 MB written: the ticker ran between each MiB of them.
  assert.ok(got.length >= 3, `the other task ran ${got.length} times`);
  assert.ok(got[0]! <= 1024 * 1024 + 100, `first ran after ${got[0]} bytes`);
});

Deno.test("a drain() failed by the sink as the caller awaiting it through waitFor() is cancelled: the cancellation is not swallowed", async () => {
  // The sink's write fails, waking drain() with its error; the caller (a
  // task in waitFor()) is cancelled a few microtasks later, before or after
  // it resumed. Either the drain or the caller's next wait must see the
  // cancellation: it was swallowed when the drain rejected with the error.
  for (let hops = 0; hops < 4; hops++) {
    const got = await run(async () => {
      const s = gatedSink();
      const w = new StreamWriter(s.sink, { highWaterMark: 1 });
      w.write("abc");
      const name = (e: unknown) => (e as Error).name;
      const t = createTask(async () => {
        const first = await waitFor(w.drain(), 1000).then(
          () => "drained",
          name,
        );
        const second = await sleep(10).then(() => "slept", name);
        return [first, second];
      });
      await sleep(1); // t waits in drain()
      s.sink.fail!(new SyntaxError("boom"));
      let p = Promise.resolve();
      for (let i = 0; i < hops; i++) p = p.then(() => {});
      p.then(() => t.cancel());
      return await t;
    }, virtual());
    assert.deepEqual(got, ["SyntaxError", "CancelledError"], `hops ${hops}`);
  }
});

Deno.test("startTls() cancelled once the flush woke it, before it resumed, starts no handshake and leaves the connection as it was", async () => {
  // The write before the upgrade completes (waking startTls()'s wait for
  // the flush), then the caller is cancelled (or its signal aborts) before
  // startTls() resumed. Nothing has gone to TLS yet: startTls() must throw
  // without calling the sink's startTls(), as when the cancellation comes
  // while the writer is still sending. It called it, then closed the
  // connection as for a handshake cut short.
  for (const via of ["task", "waitFor", "signal"]) {
    const events: string[] = [];
    const got = await run(async () => {
      let writing = Promise.resolve();
      let release = () => {};
      const sink: WriteSink = {
        write: () =>
          writing = new Promise<void>((resolve) => {
            release = resolve;
          }),
        close: () => void events.push("close"),
        startTls: () => {
          events.push("startTls");
          return new Promise<void>(() => {});
        },
      };
      const w = new StreamWriter(sink);
      w.write("STARTTLS\r\n");
      const c = new AbortController();
      const name = (e: unknown) => (e as Error).name;
      const t = createTask(() => {
        const upgrading = via === "waitFor"
          ? waitFor(w.startTls({}), 1000)
          : w.startTls({ signal: via === "signal" ? c.signal : undefined });
        return upgrading.then(() => "upgraded", name);
      });
      await sleep(1); // t waits for the flush
      // Runs right after the writer's own reaction to the write, which
      // wakes t: t has not resumed yet.
      const cancelled = writing.then(() => {
        if (via === "signal") c.abort(new RangeError("stop"));
        else t.cancel();
      });
      release();
      await cancelled;
      const outcome = await t;
      const closing = w.isClosing();
      w.close();
      await w.waitClosed();
      return [outcome, closing];
    }, virtual());
    assert.deepEqual(
      [got, events],
      [[via === "signal" ? "RangeError" : "CancelledError", false], ["close"]],
      via,
    );
  }
});

/** A sink whose every write fails with `error`. */
function failingSink(error: Error): WriteSink {
  return {
    write: () => Promise.reject(error),
    close: () => {},
  };
}

Deno.test("waitClosed() rejects with a write failure no write() or drain() reported, once", async () => {
  const lost = new Deno.errors.ConnectionReset("reset by peer");
  const got = await run(async () => {
    const w = new StreamWriter(failingSink(lost));
    w.write("last words");
    w.close();
    const first = await w.waitClosed().then(() => null, (e) => e);
    const second = await w.waitClosed().then(() => null, (e) => e);
    return { first, second };
  }, virtual());
  assert.equal(got.first, lost);
  assert.equal(got.second, null);
});

Deno.test("waitClosed() resolves after drain() reported the write failure", async () => {
  const lost = new Deno.errors.ConnectionReset("reset by peer");
  const got = await run(async () => {
    const w = new StreamWriter(failingSink(lost), { highWaterMark: 1 });
    w.write("answer");
    const drained = await w.drain().then(() => null, (e) => e);
    w.close();
    await w.waitClosed();
    return drained;
  }, virtual());
  assert.equal(got, lost);
});

Deno.test("await using a writer whose last bytes were dropped throws the failure", async () => {
  const lost = new Deno.errors.BrokenPipe("gone");
  const got = await run(async () => {
    try {
      await using w = new StreamWriter(failingSink(lost));
      w.write("unsent");
    } catch (e) {
      return e;
    }
    return null;
  }, virtual());
  assert.equal(got, lost);
});
