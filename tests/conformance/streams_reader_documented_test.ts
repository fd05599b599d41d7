/**
 * CPython `Lib/test/test_asyncio/test_streams.py`, class `StreamTests`: the
 * cases where aio's `StreamReader` differs from asyncio on purpose. Each
 * test asserts aio's documented behaviour, names its CPython original and
 * cites the doc line.
 *
 * @module
 */

import assert from "node:assert/strict";
import { StreamReader } from "@aio/asyncio/io";
import { vrun } from "./_util.ts";
import { b, caught, str, ValueError } from "./_streams_util.ts";

// README, "How it differs from asyncio": "A stream that fails (a connection
// reset) hands out the bytes that arrived before the error first: a read
// throws the error only where it would wait for more (`read(n)` returns
// what is left, then throws; `read()` to EOF throws and leaves the bytes
// for `read(n)`). asyncio's `set_exception()` makes every read raise at
// once, and those bytes are lost." (Also StreamReader.setException's doc.)

Deno.test("StreamTests.test_read_exception: read(2) after set_exception() returns what is buffered, then throws (CPython: raises at once)", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b("line\n"));
    assert.equal(str(await r.read(2)), "li");
    r.setException(new ValueError());
    // CPython: ValueError here; the bytes "ne\n" are lost.
    assert.equal(str(await r.read(2)), "ne");
    assert.equal(str(await r.read(2)), "\n");
    assert.ok(await caught(() => r.read(2)) instanceof ValueError);
  });
});

Deno.test("StreamTests.test_readexactly_exception: readexactly(2) after set_exception() is served from the buffer (CPython: raises)", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b("line\n"));
    assert.equal(str(await r.readExactly(2)), "li");
    r.setException(new ValueError());
    // CPython: ValueError here.
    assert.equal(str(await r.readExactly(2)), "ne");
    // Needs more than is buffered: throws, and the byte stays.
    assert.ok(await caught(() => r.readExactly(2)) instanceof ValueError);
    assert.equal(r.bufferSize, 1);
    assert.equal(str(await r.read(1)), "\n");
  });
});

Deno.test("StreamTests.test_read_exception (read to EOF): read() throws and leaves the bytes for read(n)", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.feedData(b("partial"));
    r.setException(new ValueError());
    assert.ok(await caught(() => r.read()) instanceof ValueError);
    assert.ok(await caught(() => r.readLine()) instanceof ValueError);
    assert.ok(await caught(() => r.readUntil("X")) instanceof ValueError);
    assert.equal(str(await r.read(100)), "partial");
    assert.ok(await caught(() => r.read(100)) instanceof ValueError);
  });
});

Deno.test("StreamTests.test_read_zero / test_readexactly_zero_or_less after set_exception(): reads of 0 never wait, so they do not throw (CPython raises)", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    r.setException(new ValueError());
    // "a read throws the error only where it would wait for more".
    assert.equal((await r.read(0)).length, 0);
    assert.equal((await r.readExactly(0)).length, 0);
    assert.ok(await caught(() => r.read(1)) instanceof ValueError);
  });
});

// StreamReader's doc examples construct a reader and read from it outside
// any loop ("Read lines fed by hand", `feedData` "Feed and read"): a reader
// is not bound to a loop. Only a read that waits needs the running loop.

Deno.test("StreamTests.test_streamreader_constructor_without_loop: aio constructs without a loop; a read that would wait fails (CPython: the constructor raises RuntimeError)", async () => {
  const r = new StreamReader();
  r.feedData(b("ab"));
  assert.equal(str(await r.read(1)), "a");
  assert.equal(str(await r.read(5)), "b");
  await assert.rejects(r.read(1), /no running event loop/);
});

Deno.test("StreamTests.test_streamreader_constructor_use_running_loop: a reader made in the loop waits on it", async () => {
  await vrun(async () => {
    const r = new StreamReader();
    const p = r.read(3);
    r.feedData(b("abc"));
    assert.equal(str(await p), "abc");
  });
});
