import assert from "node:assert/strict";
import fc from "fast-check";
import {
  CancelledError,
  createTask,
  run,
  sleep,
  TimeoutError,
  waitFor,
} from "../task/mod.ts";
import { VirtualClock } from "../loop/mod.ts";
import { IncompleteReadError, LimitOverrunError } from "./mod.ts";
import { StreamReader } from "./stream_reader.ts";
import { attachSource, commit, lend, reserve } from "./_source.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const virtual = () => ({ clock: new VirtualClock() });

Deno.test("StreamReader.readLine() waits for the newline across chunks", async () => {
  const events = await run(async () => {
    const r = new StreamReader();
    const events: string[] = [];
    const reader = createTask(async () => {
      events.push(`line ${JSON.stringify(dec.decode(await r.readLine()))}`);
    });
    await sleep(1);
    r.feedData(enc.encode("hel"));
    events.push("fed hel");
    await sleep(1);
    r.feedData(enc.encode("lo\nrest"));
    events.push("fed lo");
    await reader;
    events.push(`left ${r.bufferSize}`);
    return events;
  }, virtual());
  assert.deepEqual(events, [
    "fed hel",
    "fed lo",
    'line "hello\\n"',
    "left 4",
  ]);
});

Deno.test("StreamReader.read() returns what is buffered, then empty at EOF", async () => {
  await run(async () => {
    const r = new StreamReader();
    r.feedData(enc.encode("abc"));
    assert.equal(dec.decode(await r.read(10)), "abc");
    const pending = createTask(() => r.read(10));
    await sleep(1);
    r.feedEof();
    assert.equal((await pending).length, 0);
    assert.ok(r.atEof());
  }, virtual());
});

Deno.test("StreamReader.read(-1) reads every chunk up to EOF", async () => {
  await run(async () => {
    const r = new StreamReader({ limit: 4 });
    const all = createTask(() => r.read());
    for (const part of ["ab", "cdefgh", "ij"]) {
      await sleep(1);
      r.feedData(enc.encode(part));
    }
    r.feedEof();
    assert.equal(dec.decode(await all), "abcdefghij");
  }, virtual());
});

Deno.test("StreamReader.readExactly() throws IncompleteReadError with the partial bytes", async () => {
  await run(async () => {
    const r = new StreamReader();
    r.feedData(enc.encode("12345"));
    r.feedEof();
    assert.equal(dec.decode(await r.readExactly(3)), "123");
    const error = await r.readExactly(5).catch((e) => e);
    assert.ok(error instanceof IncompleteReadError);
    assert.equal(dec.decode(error.partial), "45");
    assert.equal(error.expected, 5);
    assert.ok(r.atEof());
  });
});

Deno.test("StreamReader.readUntil() finds a multi-byte separator split across chunks", async () => {
  await run(async () => {
    const r = new StreamReader();
    const got = createTask(() => r.readUntil("\r\n\r\n"));
    for (const part of ["GET / HTTP/1.1\r", "\nHost: x\r\n\r", "\nbody"]) {
      await sleep(1);
      r.feedData(enc.encode(part));
    }
    assert.equal(dec.decode(await got), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert.equal(dec.decode(await r.read(100)), "body");
  }, virtual());
});

Deno.test("StreamReader.readUntil() past the limit throws LimitOverrunError and keeps the data", async () => {
  await run(async () => {
    const r = new StreamReader({ limit: 8 });
    r.feedData(enc.encode("0123456789\nshort\n"));
    const error = await r.readUntil("\n").catch((e) => e);
    assert.ok(error instanceof LimitOverrunError);
    assert.equal(error.consumed, 10);
    assert.equal(r.bufferSize, 17);
    assert.equal(dec.decode(await r.readExactly(11)), "0123456789\n");
    assert.equal(dec.decode(await r.readUntil("\n")), "short\n");
  });
});

Deno.test("StreamReader.readUntil() without a separator past the limit throws LimitOverrunError", async () => {
  await run(async () => {
    const r = new StreamReader({ limit: 4 });
    const got = createTask(() => r.readUntil("\n").catch((e) => e));
    await sleep(1);
    r.feedData(enc.encode("abcdefgh"));
    const error = await got;
    assert.ok(error instanceof LimitOverrunError);
    assert.equal(error.consumed, 8);
    assert.equal(r.bufferSize, 8);
  }, virtual());
});

Deno.test("StreamReader.readLine() drops a line longer than the limit and goes on", async () => {
  await run(async () => {
    const r = new StreamReader({ limit: 4 });
    r.feedData(enc.encode("toolongline\nok\n"));
    await assert.rejects(r.readLine(), LimitOverrunError);
    assert.equal(dec.decode(await r.readLine()), "ok\n");
  });
});

Deno.test("StreamReader.readUntil() at EOF throws IncompleteReadError with expected null", async () => {
  await run(async () => {
    const r = new StreamReader();
    r.feedData(enc.encode("no separator"));
    r.feedEof();
    const error = await r.readUntil(";").catch((e) => e);
    assert.ok(error instanceof IncompleteReadError);
    assert.equal(error.expected, null);
    assert.equal(dec.decode(error.partial), "no separator");
  });
});

Deno.test("StreamReader rejects an empty separator and a negative readExactly()", async () => {
  const r = new StreamReader();
  await assert.rejects(r.readUntil(""), RangeError);
  await assert.rejects(r.readExactly(-1), RangeError);
  assert.throws(() => new StreamReader({ limit: 0 }), RangeError);
});

Deno.test("StreamReader.setException() wakes the waiting read and fails later reads", async () => {
  await run(async () => {
    const r = new StreamReader();
    const pending = createTask(() => r.readLine());
    await sleep(1);
    r.setException(new Deno.errors.ConnectionReset("peer reset"));
    await assert.rejects(pending, Deno.errors.ConnectionReset);
    await assert.rejects(r.read(), Deno.errors.ConnectionReset);
    assert.ok(r.exception() instanceof Deno.errors.ConnectionReset);
  }, virtual());
});

Deno.test("StreamReader allows one waiting reader at a time", async () => {
  await run(async () => {
    const r = new StreamReader();
    const first = createTask(() => r.readLine());
    await sleep(1);
    await assert.rejects(r.readLine(), /another task is already waiting/);
    r.feedData(enc.encode("x\n"));
    assert.equal(dec.decode(await first), "x\n");
  }, virtual());
});

Deno.test("StreamReader.feedData() after feedEof() throws", () => {
  const r = new StreamReader();
  r.feedEof();
  assert.throws(() => r.feedData(new Uint8Array(1)), /feedEof/);
});

Deno.test("a cancelled StreamReader.readExactly() loses no byte", async () => {
  const result = await run(async () => {
    const r = new StreamReader();
    const waiting = createTask(() => r.readExactly(6));
    await sleep(1);
    r.feedData(enc.encode("abc"));
    await sleep(1);
    waiting.cancel();
    await assert.rejects(waiting, CancelledError);
    r.feedData(enc.encode("def"));
    return dec.decode(await r.readExactly(6));
  }, virtual());
  assert.equal(result, "abcdef");
});

Deno.test("an aborted StreamReader.readLine() rejects with the reason and loses no byte", async () => {
  await run(async () => {
    const r = new StreamReader();
    const controller = new AbortController();
    const waiting = createTask(() =>
      r.readLine({ signal: controller.signal }).catch((e) => e)
    );
    await sleep(1);
    r.feedData(enc.encode("par"));
    controller.abort(new Error("stop"));
    assert.equal((await waiting).message, "stop");
    r.feedData(enc.encode("tial\n"));
    assert.equal(dec.decode(await r.readLine()), "partial\n");
    // A pre-aborted signal rejects even though a line is ready.
    r.feedData(enc.encode("ready\n"));
    await assert.rejects(
      r.readLine({ signal: AbortSignal.abort(new Error("pre")) }),
      /pre/,
    );
    assert.equal(dec.decode(await r.readLine()), "ready\n");
  }, virtual());
});

Deno.test("StreamReader pauses its source above the limit and resumes at or below it", async () => {
  await run(async () => {
    const r = new StreamReader({ limit: 10 });
    const flow: string[] = [];
    r[attachSource]({
      pause: () => flow.push("pause"),
      resume: () => flow.push("resume"),
    });
    r.feedData(new Uint8Array(10));
    assert.deepEqual(flow, []);
    r.feedData(new Uint8Array(5));
    assert.deepEqual(flow, ["pause"]);
    await r.read(4);
    assert.deepEqual(flow, ["pause"]);
    await r.read(1);
    assert.deepEqual(flow, ["pause", "resume"]);
  });
});

Deno.test("StreamReader resumes a paused source when a read needs more than the limit", async () => {
  await run(async () => {
    const r = new StreamReader({ limit: 4 });
    const flow: string[] = [];
    r[attachSource]({
      pause: () => flow.push("pause"),
      resume: () => flow.push("resume"),
    });
    r.feedData(new Uint8Array(6));
    const big = createTask(() => r.readExactly(8));
    await sleep(1);
    assert.deepEqual(flow, ["pause", "resume"]);
    r.feedData(new Uint8Array(2));
    assert.equal((await big).length, 8);
  }, virtual());
});

Deno.test("StreamReader gives the same results for any chunking of the same bytes", async () => {
  // Each op is [kind, arg]; lines and records stay within the limit.
  const word = fc.stringMatching(/^[a-z;]{0,12}$/);
  const payload = fc.array(word, { minLength: 1, maxLength: 12 }).map((ws) =>
    enc.encode(ws.join("\n") + "\n")
  );
  const op = fc.oneof(
    fc.constant<["line", number]>(["line", 0]),
    fc.constant<["until", number]>(["until", 0]),
    fc.integer({ min: 0, max: 9 }).map((n): ["exactly", number] => [
      "exactly",
      n,
    ]),
  );
  async function replay(
    data: Uint8Array,
    cuts: number[],
    ops: ["line" | "until" | "exactly", number][],
  ): Promise<string[]> {
    return await run(async () => {
      const r = new StreamReader({ limit: 64 });
      const feeder = createTask(async () => {
        let at = 0;
        for (
          const cut of [...cuts.map((c) => c % (data.length + 1))].sort((
            a,
            b,
          ) => a - b)
        ) {
          r.feedData(data.subarray(at, cut));
          at = Math.max(at, cut);
          await sleep(1);
        }
        r.feedData(data.subarray(at));
        r.feedEof();
      });
      const out: string[] = [];
      for (const [kind, n] of ops) {
        try {
          const got = kind === "line"
            ? await r.readLine()
            : kind === "until"
            ? await r.readUntil(";")
            : await r.readExactly(n);
          out.push(`${kind}:${dec.decode(got)}`);
        } catch (e) {
          const partial = e instanceof IncompleteReadError
            ? dec.decode(e.partial)
            : "";
          out.push(`${kind}!${(e as Error).name}:${partial}`);
        }
      }
      out.push(`rest:${dec.decode(await r.read())}`);
      await feeder;
      return out;
    }, virtual());
  }
  await fc.assert(
    fc.asyncProperty(
      payload,
      fc.array(fc.nat(), { maxLength: 20 }),
      fc.array(op, { maxLength: 10 }),
      async (data, cuts, ops) => {
        const whole = await replay(data, [], ops);
        const chunked = await replay(data, cuts, ops);
        const bytewise = await replay(
          data,
          Array.from({ length: data.length }, (_, i) => i),
          ops,
        );
        assert.deepEqual(chunked, whole);
        assert.deepEqual(bytewise, whole);
      },
    ),
    { seed: 20261125, numRuns: 60 },
  );
});

Deno.test("a read cancelled after data woke it but before it resumed loses no byte", async () => {
  const got = await run(async () => {
    const r = new StreamReader();
    const reading = createTask(() => r.read(10));
    await sleep(1); // the task waits for data
    r.feedData(enc.encode("abc")); // wakes it (it resumes next tick)
    reading.cancel(); // before it resumed
    const outcome = await reading.then<string, string>(
      (b) => dec.decode(b),
      (e) => (e as Error).name,
    );
    return [outcome, r.bufferSize, dec.decode(await r.read(10))];
  }, virtual());
  assert.deepEqual(got, ["CancelledError", 3, "abc"]);
});

Deno.test("StreamReader.readInto() copies what is buffered and returns how many", async () => {
  await run(async () => {
    const r = new StreamReader();
    r.feedData(enc.encode("abcdef"));
    const buf = new Uint8Array(4);
    assert.equal(await r.readInto(buf), 4);
    assert.equal(dec.decode(buf), "abcd");
    assert.equal(r.bufferSize, 2);
    assert.equal(await r.readInto(buf), 2);
    assert.equal(dec.decode(buf.subarray(0, 2)), "ef");
    assert.equal(r.bufferSize, 0);
    // Into a view: only its bytes change.
    const big = new Uint8Array(6).fill(46);
    r.feedData(enc.encode("xyz"));
    assert.equal(await r.readInto(big.subarray(2, 4)), 2);
    assert.equal(dec.decode(big), "..xy..");
    assert.equal(dec.decode(await r.read(10)), "z");
  });
});

Deno.test("StreamReader.readInto() waits for data, reads what arrived, then 0 at EOF", async () => {
  const got = await run(async () => {
    const r = new StreamReader();
    const buf = new Uint8Array(16);
    const events: string[] = [];
    const reader = createTask(async () => {
      for (let n; (n = await r.readInto(buf)) > 0;) {
        events.push(`read ${dec.decode(buf.subarray(0, n))}`);
      }
      events.push("eof");
    });
    for (const part of ["one", "two", "three"]) {
      await sleep(1);
      events.push(`fed ${part}`);
      r.feedData(enc.encode(part));
    }
    await sleep(1);
    r.feedEof();
    await reader;
    return events;
  }, virtual());
  assert.deepEqual(got, [
    "fed one",
    "read one",
    "fed two",
    "read two",
    "fed three",
    "read three",
    "eof",
  ]);
});

Deno.test("StreamReader.readInto() checks its buffer and the signal on entry, and returns the bytes buffered before an error", async () => {
  await run(async () => {
    const r = new StreamReader();
    await assert.rejects(
      r.readInto([1, 2] as unknown as Uint8Array),
      (e: TypeError) => {
        assert.ok(e instanceof TypeError);
        assert.match(e.message, /buffer must be a Uint8Array, got \[ 1, 2 \]/);
        return true;
      },
    );
    r.feedData(enc.encode("ready"));
    // A pre-aborted signal rejects though the data is there.
    await assert.rejects(
      r.readInto(new Uint8Array(8), {
        signal: AbortSignal.abort(new Error("pre")),
      }),
      /pre/,
    );
    // An empty buffer reads nothing and does not wait.
    assert.equal(await r.readInto(new Uint8Array(0)), 0);
    assert.equal(r.bufferSize, 5);
    r.setException(new Deno.errors.ConnectionReset("reset"));
    // The bytes that came before the error first, then the error.
    const buf = new Uint8Array(8);
    assert.equal(await r.readInto(buf), 5);
    assert.equal(dec.decode(buf.subarray(0, 5)), "ready");
    await assert.rejects(
      r.readInto(new Uint8Array(8)),
      Deno.errors.ConnectionReset,
    );
  });
});

Deno.test("StreamReader.setException() keeps the bytes buffered before it: read(n) and readInto() return them, then throw", async () => {
  const got = await run(() => {
    const r = new StreamReader();
    r.feedData(enc.encode("abcdefgh"));
    r.setException(new Deno.errors.ConnectionReset("reset"));
    const out: string[] = [];
    const step = async (p: Promise<Uint8Array | number>, buf?: Uint8Array) =>
      out.push(
        await p.then(
          (v) =>
            typeof v === "number"
              ? `into ${dec.decode(buf!.subarray(0, v))}`
              : dec.decode(v),
          (e: Error) => e.name,
        ),
      );
    return (async () => {
      await step(r.readExactly(2)); // satisfied by the buffer
      await step(r.readUntil("d")); // so is this
      await step(r.read(0));
      const buf = new Uint8Array(2);
      await step(r.readInto(buf), buf);
      await step(r.read(100)); // the rest
      await step(r.read(100)); // nothing left: the error
      await step(r.readInto(buf), buf);
      await step(r.read());
      return { out, left: r.bufferSize, atEof: r.atEof() };
    })();
  }, virtual());
  assert.deepEqual(got, {
    out: [
      "ab",
      "cd",
      "",
      "into ef",
      "gh",
      "ConnectionReset",
      "ConnectionReset",
      "ConnectionReset",
    ],
    left: 0,
    atEof: false,
  });
});

Deno.test("a read that needs more than is buffered throws the error and leaves the bytes for read(n)", async () => {
  const got = await run(async () => {
    const r = new StreamReader();
    r.feedData(enc.encode("no newline yet"));
    r.setException(new Deno.errors.ConnectionReset("reset"));
    const names = [];
    for (
      const read of [
        () => r.read(),
        () => r.readExactly(100),
        () => r.readUntil("\n"),
        () => r.readLine(),
      ]
    ) {
      names.push(await read().then(() => "returned", (e: Error) => e.name));
    }
    return { names, left: r.bufferSize, rest: dec.decode(await r.read(100)) };
  }, virtual());
  assert.deepEqual(got, {
    names: [
      "ConnectionReset",
      "ConnectionReset",
      "ConnectionReset",
      "ConnectionReset",
    ],
    left: 14,
    rest: "no newline yet",
  });
});

Deno.test("reads waiting when the stream fails throw the error, and the bytes that came before stay readable", async () => {
  for (
    const [name, read] of [
      ["read()", (r: StreamReader) => r.read()],
      ["readExactly()", (r: StreamReader) => r.readExactly(100)],
      ["readUntil()", (r: StreamReader) => r.readUntil("\n")],
      ["readLine()", (r: StreamReader) => r.readLine()],
    ] as const
  ) {
    const got = await run(async () => {
      const r = new StreamReader();
      const pending = createTask(() => read(r));
      await sleep(1);
      r.feedData(enc.encode("partial"));
      await sleep(1);
      r.setException(new Deno.errors.ConnectionReset("reset"));
      const error = await pending.then(
        () => "returned",
        (e) => (e as Error).name,
      );
      const rest = dec.decode(await r.read(100));
      const after = await r.read(100).then(() => "read", (e: Error) => e.name);
      return { error, rest, after };
    }, virtual());
    assert.deepEqual(
      got,
      { error: "ConnectionReset", rest: "partial", after: "ConnectionReset" },
      name,
    );
  }
});

Deno.test("a read woken with data and failed before it resumes returns the data", async () => {
  const got = await run(async () => {
    const r = new StreamReader();
    const pending = createTask(() => r.read(100));
    const into = new Uint8Array(8);
    await sleep(1);
    // Both before the read resumes: the data is its.
    r.feedData(enc.encode("last"));
    r.setException(new Deno.errors.ConnectionReset("reset"));
    const first = dec.decode(await pending);
    const second = await r.readInto(into).then(String, (e: Error) => e.name);
    return { first, second };
  }, virtual());
  assert.deepEqual(got, { first: "last", second: "ConnectionReset" });
});

Deno.test("StreamReader.setException() after feedEof(): the error wins over EOF once the buffer cannot satisfy a read", async () => {
  const got = await run(async () => {
    const r = new StreamReader();
    r.feedData(enc.encode("xy"));
    r.feedEof();
    r.setException(new Deno.errors.ConnectionReset("reset"));
    const names = [];
    for (
      const read of [
        () => r.read(),
        () => r.readExactly(3),
        () => r.readLine(),
        () => r.read(1),
        () => r.read(1),
        () => r.readInto(new Uint8Array(1)),
      ]
    ) {
      names.push(
        await read().then(
          (v) => typeof v === "number" ? String(v) : dec.decode(v),
          (e: Error) => e.name,
        ),
      );
    }
    return names;
  }, virtual());
  assert.deepEqual(got, [
    "ConnectionReset",
    "ConnectionReset",
    "ConnectionReset",
    "x",
    "y",
    "ConnectionReset",
  ]);
});

Deno.test("StreamReader.setException() wakes a waiting readInto() with the error", async () => {
  await run(async () => {
    const r = new StreamReader();
    const pending = createTask(() => r.readInto(new Uint8Array(8)));
    await sleep(1);
    r.setException(new Deno.errors.ConnectionReset("peer reset"));
    await assert.rejects(pending, Deno.errors.ConnectionReset);
  }, virtual());
});

Deno.test("a cancelled or aborted StreamReader.readInto() loses no byte", async () => {
  const got = await run(async () => {
    const r = new StreamReader();
    const buf = new Uint8Array(8);
    const out: string[] = [];
    // Cancelled while it waits.
    const waiting = createTask(() => r.readInto(buf));
    await sleep(1);
    waiting.cancel();
    out.push(await waiting.then(String, errorName));
    // Timed out by waitFor(), which cancels the operation.
    out.push(
      await waitFor(r.readInto(buf), 5).then(String, (e) => {
        assert.ok(e instanceof TimeoutError);
        return e.name;
      }),
    );
    // Aborted: rejects with exactly the reason.
    const controller = new AbortController();
    const aborted = createTask(() =>
      r.readInto(buf, { signal: controller.signal }).catch((e) => e.message)
    );
    await sleep(1);
    controller.abort(new Error("stop"));
    out.push(await aborted);
    // Woken with data, then cancelled before it resumed.
    const woken = createTask(() => r.readInto(buf));
    await sleep(1);
    r.feedData(enc.encode("abc"));
    woken.cancel();
    out.push(await woken.then(String, errorName));
    r.feedData(enc.encode("def"));
    out.push(dec.decode(await r.readExactly(6)));
    return out;
  }, virtual());
  assert.deepEqual(got, [
    "CancelledError",
    "TimeoutError",
    "stop",
    "CancelledError",
    "abcdef",
  ]);
});

/**
 * A reader fed by a fake pump that borrows a waiting `readInto()`'s buffer
 * the way the socket pump does; `land(text)` ends the borrowed read.
 */
function lendingReader(): {
  reader: StreamReader;
  lent: () => Uint8Array | null;
  land: (text: string) => void;
} {
  const reader = new StreamReader();
  let lent: Uint8Array | null = null;
  reader[attachSource]({
    pause: () => {},
    resume: () => {},
    pull: () => {
      lent ??= reader[lend]();
    },
  });
  return {
    reader,
    lent: () => lent,
    land: (text) => {
      const into = lent!;
      lent = null;
      const bytes = enc.encode(text);
      into.set(bytes);
      reader[commit](bytes.length);
    },
  };
}

Deno.test("StreamReader.readInto() on an empty reader lends its buffer to the pump: no copy", async () => {
  const got = await run(async () => {
    const { reader, lent, land } = lendingReader();
    const buf = new Uint8Array(8);
    const reading = createTask(() => reader.readInto(buf));
    await sleep(1);
    const borrowed = lent() === buf;
    land("hello");
    const n = await reading;
    const first = dec.decode(buf.subarray(0, n));
    // While data is buffered, nothing is lent: readInto() copies.
    reader.feedData(enc.encode("xy"));
    const copy = createTask(() => reader.readInto(buf));
    await sleep(1);
    return [borrowed, first, await copy, lent(), reader.bufferSize];
  }, virtual());
  assert.deepEqual(got, [true, "hello", 2, null, 0]);
});

Deno.test("a readInto() woken with bytes in its buffer, then cancelled, gives them back in order", async () => {
  const got = await run(async () => {
    const { reader, land } = lendingReader();
    const buf = new Uint8Array(8);
    const reading = createTask(() => reader.readInto(buf));
    await sleep(1);
    land("abc"); // in `buf`, handed to the waiting readInto()
    reading.cancel(); // before it resumed
    const outcome = await reading.then(String, errorName);
    const size = reader.bufferSize;
    reader.feedData(enc.encode("def"));
    return [outcome, size, dec.decode(await reader.readExactly(6))];
  }, virtual());
  assert.deepEqual(got, ["CancelledError", 3, "abcdef"]);
});

Deno.test("a pump read into a cancelled readInto()'s buffer is kept for the next read", async () => {
  const got = await run(async () => {
    const { reader, lent, land } = lendingReader();
    const out: unknown[] = [];
    const first = new Uint8Array(8);
    // Cancelled while the pump reads into `first`, which nobody reads again.
    const a = createTask(() => reader.readInto(first));
    await sleep(1);
    a.cancel();
    out.push(await a.then(String, errorName));
    land("12");
    out.push(reader.bufferSize);
    out.push(dec.decode(await reader.read(10)));
    // Cancelled, then readInto() again with the same buffer: it takes the
    // read in flight over (the bytes land in `first`, no copy).
    const b = createTask(() => reader.readInto(first));
    await sleep(1);
    b.cancel();
    out.push(await b.then(String, errorName));
    const c = createTask(() => reader.readInto(first));
    await sleep(1);
    out.push(lent() === first);
    land("345");
    out.push(await c, reader.bufferSize, dec.decode(first.subarray(0, 3)));
    // Cancelled, then readInto() with another buffer: copied over.
    const d = createTask(() => reader.readInto(first));
    await sleep(1);
    d.cancel();
    out.push(await d.then(String, errorName));
    const other = new Uint8Array(8);
    const e = createTask(() => reader.readInto(other));
    await sleep(1);
    land("6789");
    out.push(await e, dec.decode(other.subarray(0, 4)));
    return out;
  }, virtual());
  assert.deepEqual(got, [
    "CancelledError",
    2,
    "12",
    "CancelledError",
    true,
    3,
    0,
    "345",
    "CancelledError",
    4,
    "6789",
  ]);
});

Deno.test("a readInto() buffer detached or shrunk while the pump reads into it fails the stream, not the pump", async () => {
  // A readInto() is cancelled while a socket read fills its buffer, and the
  // caller then transfers the buffer (the docs say not to reuse it, but a
  // stream must not take the process down over it): the socket's bytes go
  // with the memory. The reader could not copy them and threw a TypeError
  // out of commit(), into the socket's pump (an uncaught rejection, which
  // ends a Deno program), and went on as if nothing was lost. A resizable
  // buffer shrunk meanwhile: it kept the bytes that still fit, silently.
  for (const how of ["transfer", "shrink"]) {
    const got = await run(async () => {
      const { reader, lent } = lendingReader();
      const memory = new ArrayBuffer(8, { maxByteLength: 8 });
      const a = createTask(() => reader.readInto(new Uint8Array(memory)));
      await sleep(1);
      a.cancel();
      const first = await a.then(String, errorName);
      const into = lent()!;
      into.set(enc.encode("abc")); // the socket read puts its bytes there
      if (how === "transfer") memory.transfer();
      else memory.resize(1);
      const committed = (() => {
        try {
          reader[commit](3);
          return "ok";
        } catch (e) {
          return errorName(e);
        }
      })();
      const next = await waitFor(reader.read(10), 1000).then(
        dec.decode,
        (e: Error) => /detached|shrunk/.test(e.message) ? "lost" : e.message,
      );
      return [first, committed, next];
    }, virtual());
    assert.deepEqual(got, ["CancelledError", "ok", "lost"], how);
  }
});

Deno.test("a readInto() woken with bytes in its buffer, whose buffer other code detaches before it resumes, still throws the cancellation", async () => {
  // The socket read landed in the buffer of a waiting readInto() (woken,
  // not resumed); other code transfers the buffer, and the task is
  // cancelled. Giving the bytes back threw a TypeError in place of the
  // CancelledError (a cancellation turned into another error), and the
  // stream went on without the bytes as if nothing was lost.
  const got = await run(async () => {
    const { reader, land } = lendingReader();
    const memory = new ArrayBuffer(8);
    const a = createTask(() => reader.readInto(new Uint8Array(memory)));
    await sleep(1);
    land("abc"); // wakes a with the 3 bytes in its buffer
    memory.transfer();
    a.cancel();
    const first = await a.then(String, errorName);
    const next = await waitFor(reader.read(10), 1000).then(
      dec.decode,
      (e: Error) => /detached/.test(e.message) ? "lost" : e.message,
    );
    return [first, next];
  }, virtual());
  assert.deepEqual(got, ["CancelledError", "lost"]);
});

Deno.test("StreamReader refuses feedData() while a pump reads into a lent buffer", async () => {
  await run(async () => {
    const { reader, land } = lendingReader();
    const reading = createTask(() => reader.readInto(new Uint8Array(4)));
    await sleep(1);
    assert.throws(
      () => reader.feedData(enc.encode("x")),
      /a pump is reading into this StreamReader/,
    );
    land("ok");
    assert.equal(await reading, 2);
  }, virtual());
});

function errorName(e: unknown): string {
  return (e as Error).name;
}

Deno.test("readInto() loses no byte under any chunking, lending and cancellation", async () => {
  type Op = { buffer: number; cancelAfter: number | null };
  async function replay(
    data: Uint8Array,
    cuts: number[],
    ops: Op[],
  ): Promise<number[]> {
    return await run(async () => {
      const reader = new StreamReader({ limit: 8 });
      let lent: Uint8Array | null = null;
      reader[attachSource]({
        pause: () => {},
        resume: () => {},
        pull: () => {
          lent ??= reader[lend]();
        },
      });
      // A pump like the socket's: into a lent buffer when there is one.
      const pump = createTask(async () => {
        let at = 0;
        const ends = [...cuts.map((c) => c % (data.length + 1)), data.length]
          .sort((a, b) => a - b);
        for (const end of ends) {
          while (at < end) {
            await sleep(1);
            const loan: Uint8Array | null = lent;
            if (loan !== null) {
              const n = Math.min(loan.length, end - at);
              loan.set(data.subarray(at, at + n));
              lent = null;
              reader[commit](n);
              at += n;
            } else {
              reader.feedData(data.subarray(at, end));
              at = end;
            }
          }
        }
        await sleep(1);
        if (lent !== null) {
          lent = null;
          reader[commit](0);
        }
        reader.feedEof();
      });
      const buffers = [new Uint8Array(3), new Uint8Array(7)];
      const got: number[] = [];
      const keep = (buf: Uint8Array, n: number) =>
        got.push(...buf.subarray(0, n));
      let eof = false;
      for (const op of ops) {
        const buf = buffers[op.buffer]!;
        let n: number;
        if (op.cancelAfter === null) n = await reader.readInto(buf);
        else {
          const t = createTask(() => reader.readInto(buf));
          await sleep(op.cancelAfter);
          t.cancel();
          n = await t.then((v) => v, (e) => {
            if (e instanceof CancelledError) return -1;
            throw e;
          });
        }
        if (n === 0) {
          eof = true;
          break;
        }
        if (n > 0) keep(buf, n);
      }
      await pump;
      while (!eof) {
        const n = await reader.readInto(buffers[1]!);
        if (n === 0) eof = true;
        else keep(buffers[1]!, n);
      }
      return got;
    }, virtual());
  }
  await fc.assert(
    fc.asyncProperty(
      fc.uint8Array({ minLength: 1, maxLength: 40 }),
      fc.array(fc.nat(), { maxLength: 8 }),
      fc.array(
        fc.record({
          buffer: fc.integer({ min: 0, max: 1 }),
          cancelAfter: fc.option(fc.integer({ min: 0, max: 2 })),
        }),
        { maxLength: 16 },
      ),
      async (data, cuts, ops) => {
        assert.deepEqual(await replay(data, cuts, ops), [...data]);
      },
    ),
    { seed: 20261213, numRuns: 150 },
  );
});

Deno.test("StreamReader hands its storage over with a large result, and an empty reader reserves storage of the read's size", async () => {
  // A bulk transfer's last read takes the storage with it (no copy). A
  // read waiting on a quiet connection then holds the reservation only,
  // not that storage.
  const r = new StreamReader({ limit: 1 << 20 });
  const fill = (n: number) => {
    r[reserve](n).fill(7);
    r[commit](n);
  };
  fill(65536);
  fill(65536);
  assert.equal((await r.read(65536)).length, 65536);
  fill(65536);
  const burst = await r.read(131072);
  assert.equal(burst.byteLength, 131072);
  assert.equal(r.bufferSize, 0);
  const region = r[reserve](65536);
  r[commit](0);
  assert.notEqual(region.buffer, burst.buffer);
  assert.equal(region.buffer.byteLength, 65536);
  assert.ok(burst.every((b) => b === 7), "the views keep their bytes");
});

Deno.test("reads are typed Uint8Array<ArrayBuffer>, as Deno's own, so Response, Blob and crypto take them", async () => {
  await run(async () => {
    const r = new StreamReader();
    r.feedData(new TextEncoder().encode("abc\ndef"));
    r.feedEof();
    // Each line type-checks only with an ArrayBuffer-backed result.
    const line: Uint8Array<ArrayBuffer> = await r.readLine();
    const rest: Uint8Array<ArrayBuffer> = await r.read();
    assert.equal(await new Response(line).text(), "abc\n");
    assert.equal(await new Blob([rest]).text(), "def");
    assert.equal((await crypto.subtle.digest("SHA-256", rest)).byteLength, 32);
  });
});

Deno.test("a caller may transfer a result's buffer: the reader and the other results lose nothing", async () => {
  // A byte stream's enqueue() transfers (detaches) the chunk's buffer.
  const transfer = (chunk: Uint8Array) =>
    new ReadableStream({
      type: "bytes",
      start(c) {
        c.enqueue(chunk as Uint8Array<ArrayBuffer>);
        c.close();
      },
    });
  const cases: [number, number][] = [
    [40000, 30000],
    [40000, 20000],
    [100000, 17000],
    [70000, 70000],
  ];
  for (const [total, size] of cases) {
    const r = new StreamReader({ limit: 1 << 20 });
    r.feedData(Uint8Array.from({ length: total }, (_, i) => i % 251));
    r.feedEof();
    const kept: [Uint8Array, number][] = [];
    let at = 0;
    for (let i = 0;; i++) {
      const got = await r.read(size);
      if (got.length === 0) break;
      assert.ok(got.every((b, j) => b === (at + j) % 251), `read at ${at}`);
      if (i % 2 === 0) {
        transfer(got);
        assert.equal(got.length, 0, "the transfer detached the result");
      } else {
        kept.push([got, at]);
      }
      at += size > total - at ? total - at : size;
    }
    assert.equal(at, total);
    for (const [got, from] of kept) {
      assert.ok(got.every((b, j) => b === (from + j) % 251), `kept at ${from}`);
    }
  }
});

Deno.test("every kind of read woken with data, then cancelled before it resumed, takes no byte", async () => {
  const kinds: [string, (r: StreamReader) => Promise<unknown>][] = [
    ["read", (r) => r.read(100)],
    ["read to EOF", (r) => r.read()],
    ["readExactly", (r) => r.readExactly(3)],
    ["readUntil", (r) => r.readUntil("c")],
    ["readLine", (r) => r.readLine()],
    ["readInto", (r) => r.readInto(new Uint8Array(8))],
  ];
  for (const [kind, read] of kinds) {
    const got = await run(async () => {
      const r = new StreamReader();
      const woken = createTask(() => read(r));
      await sleep(1);
      r.feedData(enc.encode("abc\n"));
      if (kind === "read to EOF") r.feedEof();
      woken.cancel();
      const outcome = await woken.then(() => "finished", errorName);
      r.feedEof();
      return [outcome, dec.decode(await r.read())];
    }, virtual());
    assert.deepEqual(got, ["CancelledError", "abc\n"], kind);
  }
});

Deno.test("feedData() and read(n) refuse bad input with an error that names it, and the reader's state stays whole", async () => {
  await run(async () => {
    const r = new StreamReader();
    r.feedData(enc.encode("abcd"));
    for (const bad of [42, null, "abc", [1, 2], new Uint16Array([1])]) {
      assert.throws(
        () => r.feedData(bad as never),
        (e: unknown) =>
          e instanceof TypeError &&
          e.message.startsWith(
            "Cannot call feedData(): data must be a Uint8Array, got ",
          ),
      );
    }
    for (const bad of [1.5, NaN, Infinity, "3"]) {
      await assert.rejects(
        r.read(bad as never),
        (e: unknown) =>
          e instanceof RangeError &&
          e.message.startsWith(
            "Cannot call read(): n must be an integer (negative for all), got ",
          ),
      );
    }
    assert.equal(r.bufferSize, 4);
    r.feedEof();
    assert.equal(dec.decode(await r.read(-2)), "abcd");
  }, virtual());
});

Deno.test("a read failed by the stream as the caller awaiting it through waitFor() is cancelled: the cancellation is not swallowed", async () => {
  // The stream fails, waking the read with its error; the caller (a task
  // in waitFor()) is cancelled before the read resumed. The read rejects
  // with the stream's error, and the cancellation goes on to the caller's
  // next wait, as it does without waitFor(): it was swallowed.
  const kinds: [string, (r: StreamReader) => Promise<unknown>][] = [
    ["read", (r) => r.read(100)],
    ["readExactly", (r) => r.readExactly(3)],
    ["readUntil", (r) => r.readUntil("c")],
    ["readLine", (r) => r.readLine()],
    ["readInto", (r) => r.readInto(new Uint8Array(8))],
  ];
  for (const [kind, read] of kinds) {
    for (const via of ["waitFor", "task"]) {
      const got = await run(async () => {
        const r = new StreamReader();
        const t = createTask(async () => {
          const first =
            await (via === "waitFor" ? waitFor(read(r), 1000) : read(r)).then(
              () => "read",
              errorName,
            );
          const second = await sleep(10).then(() => "slept", errorName);
          return [first, second];
        });
        await sleep(1); // t waits for data
        r.setException(new SyntaxError("boom"));
        t.cancel(); // before t resumed
        return await t;
      }, virtual());
      assert.deepEqual(
        got,
        ["SyntaxError", "CancelledError"],
        `${kind} ${via}`,
      );
    }
  }
});
