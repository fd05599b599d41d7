/**
 * CPython `Lib/test/test_asyncio/test_streams.py`, class `StreamTests`: the
 * cases on `StreamReader` fed by hand (`feed_data`, `read`, `readline`,
 * `readuntil`, `readexactly`, `at_eof`, `exception`), ported to aio on the
 * virtual clock. Each test names its CPython original; the multi-separator
 * cases are CPython 3.13's.
 *
 * CPython reads `stream._buffer`; these read the rest of the buffer with
 * `read(bufferSize)` (which never waits) at the point where CPython checks.
 *
 * Where aio differs on purpose the test says so and cites the doc: the
 * error of an over-long `readLine()` is `LimitOverrunError` (README, "Where
 * this differs from asyncio": "`readLine()` throws `LimitOverrunError`
 * (asyncio: `ValueError`) after dropping the over-long line, as asyncio
 * does"), and bad arguments throw `RangeError` (the methods' `@throws
 * {RangeError}`) where CPython raises `ValueError`.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  IncompleteReadError,
  LimitOverrunError,
  StreamReader,
} from "@aio/asyncio/io";
import { getRunningLoop } from "@aio/asyncio/loop";
import { CancelledError, createTask } from "@aio/asyncio/task";
import { tick, vrun } from "./_util.ts";
import { b, caught, RuntimeError, str, ValueError } from "./_streams_util.ts";

const DATA = "line1\nline2\nline3\n";

/** CPython's `stream._buffer`, read out (the reader keeps nothing after). */
async function rest(r: StreamReader): Promise<string> {
  return str(await r.read(r.bufferSize));
}

/** `loop.call_soon(cb)`. */
function soon(cb: () => void): void {
  getRunningLoop().callSoon(cb);
}

Deno.test("StreamTests.test_feed_empty_data", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b(""));
    assert.equal(r.bufferSize, 0);
  });
});

Deno.test("StreamTests.test_feed_nonempty_data", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b(DATA));
    assert.equal(await rest(r), DATA);
  });
});

Deno.test("StreamTests.test_read_zero", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b(DATA));
    assert.equal(str(await r.read(0)), "");
    assert.equal(await rest(r), DATA);
  });
});

Deno.test("StreamTests.test_read: a waiting read(30) gets the data fed later", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    const task = createTask(() => r.read(30));
    soon(() => r.feedData(b(DATA)));
    assert.equal(str(await task), DATA);
    assert.equal(r.bufferSize, 0);
  });
});

Deno.test("StreamTests.test_read_line_breaks", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b("line1"));
    r.feedData(b("line2"));
    assert.equal(str(await r.read(5)), "line1");
    assert.equal(await rest(r), "line2");
  });
});

Deno.test("StreamTests.test_read_eof", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    const task = createTask(() => r.read(1024));
    soon(() => r.feedEof());
    assert.equal(str(await task), "");
    assert.equal(r.bufferSize, 0);
  });
});

Deno.test("StreamTests.test_read_until_eof: read(-1) joins every chunk", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    const task = createTask(() => r.read(-1));
    soon(() => {
      r.feedData(b("chunk1\n"));
      r.feedData(b("chunk2"));
      r.feedEof();
    });
    assert.equal(str(await task), "chunk1\nchunk2");
    assert.equal(r.bufferSize, 0);
  });
});

Deno.test("StreamTests.test_read_until_eof (variant): read() gathers more than the limit, fed tick by tick", async () => {
  await vrun(async () => {
    const r = new StreamReader({ limit: 4 });
    const task = createTask(() => r.read());
    for (let i = 0; i < 5; i++) {
      r.feedData(b("abcdef"));
      await tick();
    }
    r.feedEof();
    assert.equal(str(await task), "abcdef".repeat(5));
  });
});

Deno.test("StreamTests.test_invalid_limit: limit 0 and -1 are refused (RangeError, as the constructor's doc says; CPython ValueError)", async () => {
  await vrun(async () => {
    assert.throws(() => new StreamReader({ limit: 0 }), RangeError);
    assert.throws(() => new StreamReader({ limit: -1 }), /imit/);
  });
});

Deno.test("StreamTests.test_read_limit: read(n) ignores the limit", async () => {
  await vrun(async () => {
    const r = new StreamReader({ limit: 3 });
    r.feedData(b("chunk"));
    assert.equal(str(await r.read(5)), "chunk");
    assert.equal(r.bufferSize, 0);
  });
});

Deno.test("StreamTests.test_readline: waits across chunks, leaves the rest", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b("chunk1 "));
    const task = createTask(() => r.readLine());
    soon(() => {
      r.feedData(b("chunk2 "));
      r.feedData(b("chunk3 "));
      r.feedData(b("\n chunk4"));
    });
    assert.equal(str(await task), "chunk1 chunk2 chunk3 \n");
    assert.equal(await rest(r), " chunk4");
  });
});

Deno.test("StreamTests.test_readline_limit_with_existing_data", async () => {
  await vrun(async () => {
    let r = new StreamReader({ limit: 3 });
    r.feedData(b("li"));
    r.feedData(b("ne1\nline2\n"));
    // CPython: ValueError; aio: LimitOverrunError (README, see the module doc).
    const e = await caught(() => r.readLine());
    assert.ok(e instanceof LimitOverrunError);
    assert.equal(e.consumed, 5);
    // The buffer should contain the remaining data after exception.
    assert.equal(await rest(r), "line2\n");

    r = new StreamReader({ limit: 3 });
    r.feedData(b("li"));
    r.feedData(b("ne1"));
    r.feedData(b("li"));
    const e2 = await caught(() => r.readLine());
    assert.ok(e2 instanceof LimitOverrunError);
    assert.equal(e2.consumed, 7);
    // No "\n": the whole buffer is dropped.
    assert.equal(r.bufferSize, 0);
  });
});

Deno.test("StreamTests.test_at_eof", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    assert.equal(r.atEof(), false);
    r.feedData(b("some data\n"));
    assert.equal(r.atEof(), false);
    await r.readLine();
    assert.equal(r.atEof(), false);
    r.feedData(b("some data\n"));
    r.feedEof();
    await r.readLine();
    assert.equal(r.atEof(), true);
  });
});

Deno.test("StreamTests.test_readline_limit: data fed after readline() started", async () => {
  await vrun(async () => {
    let r = new StreamReader({ limit: 7 });
    soon(() => {
      r.feedData(b("chunk1"));
      r.feedData(b("chunk2"));
      r.feedData(b("chunk3\n"));
      r.feedEof();
    });
    const e = await caught(() => r.readLine());
    assert.ok(e instanceof LimitOverrunError);
    assert.equal(e.consumed, 18);
    // The buffer had just one line of data: it is empty now.
    assert.equal(r.bufferSize, 0);

    r = new StreamReader({ limit: 7 });
    soon(() => {
      r.feedData(b("chunk1"));
      r.feedData(b("chunk2\n"));
      r.feedData(b("chunk3\n"));
      r.feedEof();
    });
    const e2 = await caught(() => r.readLine());
    assert.ok(e2 instanceof LimitOverrunError);
    assert.equal(e2.consumed, 12);
    assert.equal(await rest(r), "chunk3\n");

    // Strictness of the limit.
    r = new StreamReader({ limit: 7 });
    r.feedData(b("1234567\n"));
    assert.equal(str(await r.readLine()), "1234567\n");
    assert.equal(r.bufferSize, 0);

    r.feedData(b("12345678\n"));
    assert.ok(await caught(() => r.readLine()) instanceof LimitOverrunError);
    assert.equal(r.bufferSize, 0);

    r.feedData(b("12345678"));
    assert.ok(await caught(() => r.readLine()) instanceof LimitOverrunError);
    assert.equal(r.bufferSize, 0);
  });
});

Deno.test("StreamTests.test_readline_nolimit_nowait", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b(DATA.slice(0, 6)));
    r.feedData(b(DATA.slice(6)));
    assert.equal(str(await r.readLine()), "line1\n");
    assert.equal(await rest(r), "line2\nline3\n");
  });
});

Deno.test("StreamTests.test_readline_eof", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b("some data"));
    r.feedEof();
    assert.equal(str(await r.readLine()), "some data");
  });
});

Deno.test("StreamTests.test_readline_empty_eof", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedEof();
    assert.equal(str(await r.readLine()), "");
  });
});

Deno.test("StreamTests.test_readline_read_byte_count", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b(DATA));
    await r.readLine();
    assert.equal(str(await r.read(7)), "line2\nl");
    assert.equal(await rest(r), "ine3\n");
  });
});

Deno.test("StreamTests.test_readline_exception: the buffer is empty, so the error comes at once", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b("line\n"));
    assert.equal(str(await r.readLine()), "line\n");
    r.setException(new ValueError());
    assert.ok(await caught(() => r.readLine()) instanceof ValueError);
    assert.equal(r.bufferSize, 0);
  });
});

Deno.test("StreamTests.test_readuntil_separator: empty separators refused (3.13 tuple cases included; RangeError, CPython ValueError)", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    await assert.rejects(r.readUntil(b("")), RangeError);
    await assert.rejects(r.readUntil(""), RangeError);
    await assert.rejects(r.readUntil([b("")]), RangeError);
    await assert.rejects(r.readUntil([b("A"), b("")]), RangeError);
    await assert.rejects(r.readUntil([]), /at least one/);
  });
});

Deno.test("StreamTests.test_readuntil_multi_chunks", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b("lineAAA"));
    assert.equal(str(await r.readUntil(b("AAA"))), "lineAAA");
    assert.equal(r.bufferSize, 0);

    r.feedData(b("lineAAA"));
    assert.equal(str(await r.readUntil("AAA")), "lineAAA");
    assert.equal(r.bufferSize, 0);

    r.feedData(b("lineAAAxxx"));
    assert.equal(str(await r.readUntil("AAA")), "lineAAA");
    assert.equal(await rest(r), "xxx");
  });
});

Deno.test("StreamTests.test_readuntil_multi_chunks_1", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    const cases: [string[], string][] = [
      [["QWEaa", "XYaa", "a"], "QWEaaXYaaa"],
      [["QWEaa", "XYa", "aa"], "QWEaaXYaaa"],
      [["aaa"], "aaa"],
      [["Xaaa"], "Xaaa"],
      [["XXX", "a", "a", "a"], "XXXaaa"],
    ];
    for (const [chunks, want] of cases) {
      for (const c of chunks) r.feedData(b(c));
      assert.equal(str(await r.readUntil("aaa")), want);
      assert.equal(r.bufferSize, 0);
    }
  });
});

Deno.test("StreamTests.test_readuntil_multi_chunks_1 (variant): the separator split over chunks fed tick by tick", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    const task = createTask(() => r.readUntil("aaa"));
    for (const c of ["QWEaa", "XYa", "a", "a", "atail"]) {
      r.feedData(b(c));
      await tick();
    }
    assert.equal(str(await task), "QWEaaXYaaa");
    assert.equal(await rest(r), "atail");
  });
});

Deno.test("StreamTests.test_readuntil_eof: IncompleteReadError with the partial data, expected None", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b("some dataAA"));
    r.feedEof();
    const e = await caught(() => r.readUntil("AAA"));
    assert.ok(e instanceof IncompleteReadError);
    assert.match(e.message, /undefined expected bytes/);
    assert.equal(str(e.partial), "some dataAA");
    assert.equal(e.expected, null);
    assert.equal(r.bufferSize, 0);
  });
});

Deno.test("StreamTests.test_readuntil_limit_found_sep: data stays, consumed as CPython", async () => {
  await vrun(async () => {
    const r = new StreamReader({ limit: 3 });
    r.feedData(b("some dataAA"));
    const e = await caught(() => r.readUntil("AAA"));
    assert.ok(e instanceof LimitOverrunError);
    assert.match(e.message, /not found/);
    // CPython: offset = buflen + 1 - seplen = 9.
    assert.equal(e.consumed, 9);
    assert.equal(r.bufferSize, 11);

    r.feedData(b("A"));
    const e2 = await caught(() => r.readUntil("AAA"));
    assert.ok(e2 instanceof LimitOverrunError);
    assert.match(e2.message, /is found/);
    assert.equal(e2.consumed, 9);
    assert.equal(await rest(r), "some dataAAA");
  });
});

Deno.test("StreamTests.test_readuntil_multi_separator (3.13)", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    // Simple case.
    r.feedData(b("line 1\nline 2\r"));
    assert.equal(str(await r.readUntil(["\r", "\n"])), "line 1\n");
    assert.equal(str(await r.readUntil([b("\r"), b("\n")])), "line 2\r");
    assert.equal(r.bufferSize, 0);

    // The first end position matches, even if that is a longer match.
    r.feedData(b("ABCDEFG"));
    assert.equal(str(await r.readUntil(["DEF", "BCDE"])), "ABCDE");
    assert.equal(await rest(r), "FG");
  });
});

Deno.test("StreamTests.test_readuntil_multi_separator_limit (3.13): the shorter separator is the one that matched", async () => {
  await vrun(async () => {
    const r = new StreamReader({ limit: 3 });
    r.feedData(b("some dataA"));
    const e = await caught(() => r.readUntil(["A", "ome dataA"]));
    assert.ok(e instanceof LimitOverrunError);
    assert.match(e.message, /is found/);
    assert.equal(e.consumed, 9);
    assert.equal(await rest(r), "some dataA");
  });
});

Deno.test("StreamTests.test_readuntil_multi_separator_negative_offset (3.13): a separator longer than the buffer", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b("data"));
    const task = createTask(() => r.readUntil(["A", "long sep"]));
    soon(() => r.feedData(b("Z")));
    soon(() => r.feedData(b("Aaaa")));
    assert.equal(str(await task), "dataZA");
    assert.equal(await rest(r), "aaa");
  });
});

Deno.test("StreamTests.test_readuntil_bytearray (3.13): any Uint8Array view works as a separator", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b("some data\r\n"));
    const sep = b("xx\r\nyy").subarray(2, 4);
    assert.equal(str(await r.readUntil(sep)), "some data\r\n");
    assert.equal(r.bufferSize, 0);
  });
});

Deno.test("StreamTests.test_readexactly_zero_or_less", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b(DATA));
    assert.equal(str(await r.readExactly(0)), "");
    assert.equal(r.bufferSize, DATA.length);
    // CPython: ValueError "less than zero"; aio: RangeError (@throws).
    await assert.rejects(r.readExactly(-1), RangeError);
    assert.equal(await rest(r), DATA);
  });
});

Deno.test("StreamTests.test_readexactly", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    const n = 2 * DATA.length;
    const task = createTask(() => r.readExactly(n));
    soon(() => {
      r.feedData(b(DATA));
      r.feedData(b(DATA));
      r.feedData(b(DATA));
    });
    assert.equal(str(await task), DATA + DATA);
    assert.equal(await rest(r), DATA);
  });
});

Deno.test("StreamTests.test_readexactly_limit: readexactly ignores the limit", async () => {
  await vrun(async () => {
    const r = new StreamReader({ limit: 3 });
    r.feedData(b("chunk"));
    assert.equal(str(await r.readExactly(5)), "chunk");
    assert.equal(r.bufferSize, 0);
  });
});

Deno.test("StreamTests.test_readexactly_eof", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    const n = 2 * DATA.length;
    const task = createTask(() => r.readExactly(n));
    soon(() => {
      r.feedData(b(DATA));
      r.feedEof();
    });
    const e = await caught(() => task);
    assert.ok(e instanceof IncompleteReadError);
    assert.equal(str(e.partial), DATA);
    assert.equal(e.expected, n);
    assert.equal(e.message, "18 bytes read on a total of 36 expected bytes");
    assert.equal(r.bufferSize, 0);
  });
});

Deno.test("StreamTests.test_exception", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    // CPython: None; aio: undefined (the method's doc).
    assert.equal(r.exception(), undefined);
    const exc = new ValueError();
    r.setException(exc);
    assert.equal(r.exception(), exc);
  });
});

Deno.test("StreamTests.test_exception_waiter: set_exception() wakes a waiting readline() with the error", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    const t1 = createTask(() => r.readLine());
    const t2 = createTask(async () => r.setException(new ValueError()));
    await t2;
    assert.ok(await caught(() => t1) instanceof ValueError);
  });
});

Deno.test("StreamTests.test_exception_cancel: a cancelled readline() leaves no waiter", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    const t = createTask(() => r.readLine());
    await tick();
    t.cancel();
    await tick();
    // The following line fails if setException() isn't careful.
    r.setException(new RuntimeError("message"));
    await tick();
    assert.ok(await caught(() => t) instanceof CancelledError);
    // No waiter left: a new read gets the error, not "already waiting".
    const e = await caught(() => r.readLine());
    assert.ok(e instanceof RuntimeError);
  });
});

Deno.test("StreamTests._wait_for_data: a second read while one waits is refused (CPython RuntimeError)", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    const t1 = createTask(() => r.read(5));
    await tick();
    await assert.rejects(r.readLine(), /already waiting/);
    r.feedData(b("x"));
    assert.equal(str(await t1), "x");
  });
});

Deno.test("StreamTests (cancellation): a cancelled readexactly() loses no byte", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    const t = createTask(() => r.readExactly(4));
    await tick();
    r.feedData(b("ab"));
    await tick();
    t.cancel();
    assert.ok(await caught(() => t) instanceof CancelledError);
    r.feedData(b("cd"));
    assert.equal(str(await r.readExactly(4)), "abcd");
  });
});

Deno.test("StreamTests: feed_data() after feed_eof() is refused (CPython AssertionError)", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedEof();
    assert.throws(() => r.feedData(b("x")), /feedEof/);
  });
});

Deno.test("StreamTests.test_IncompleteReadError_pickleable: str() and fields", () => {
  const e = new IncompleteReadError(b("abc"), 10);
  assert.equal(e.message, "3 bytes read on a total of 10 expected bytes");
  assert.equal(str(e.partial), "abc");
  assert.equal(e.expected, 10);
});

Deno.test("StreamTests.test_LimitOverrunError_pickleable: str() and fields", () => {
  const e = new LimitOverrunError("message", 10);
  assert.equal(e.message, "message");
  assert.equal(e.consumed, 10);
});
