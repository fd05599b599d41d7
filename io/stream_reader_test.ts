import assert from "node:assert/strict";
import fc from "fast-check";
import { CancelledError, createTask, run, sleep } from "../task/mod.ts";
import { VirtualClock } from "../loop/mod.ts";
import { IncompleteReadError, LimitOverrunError } from "./mod.ts";
import { StreamReader } from "./stream_reader.ts";
import { attachSource } from "./_source.ts";

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
