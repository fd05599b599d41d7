import assert from "node:assert/strict";
import { createTask, run, sleep } from "../task/mod.ts";
import { IncompleteReadError, LimitOverrunError } from "./mod.ts";
import { waiting } from "./_source.ts";
import { StreamReader } from "./stream_reader.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A case recorded from CPython 3.13 by testdata/readuntil_cpython.py. */
interface Case {
  chunks: string[];
  seps: string[];
  limit?: number;
  eof?: boolean;
  outcome: {
    ok?: string;
    limit?: number;
    incomplete?: string;
    pending?: boolean;
    left: string;
  };
}

const cases: Case[] = JSON.parse(
  await Deno.readTextFile(
    new URL("./testdata/readuntil_cpython.json", import.meta.url),
  ),
);

/**
 * Replays a case as the recorder did: one chunk at a time, each scanned
 * before the next comes (the read is done or waits again), then EOF.
 */
async function replay(c: Case): Promise<Case["outcome"]> {
  return await run(async () => {
    const reader = new StreamReader(
      c.limit !== undefined ? { limit: c.limit } : {},
    );
    const read = createTask(() =>
      reader.readUntil(c.seps.map((s) => enc.encode(s)))
    );
    const settle = async () => {
      await sleep(0);
      for (let i = 0; i < 10 && !read.done() && !reader[waiting]; i++) {
        await sleep(0);
      }
    };
    await settle();
    for (const chunk of c.chunks) {
      if (read.done()) break;
      reader.feedData(enc.encode(chunk));
      await settle();
    }
    if (c.eof && !read.done()) {
      reader.feedEof();
      await settle();
    }
    let outcome: Omit<Case["outcome"], "left">;
    if (!read.done()) {
      read.cancel();
      await read.then(() => {}, () => {});
      outcome = { pending: true };
    } else {
      try {
        outcome = { ok: dec.decode(read.result()) };
      } catch (error) {
        if (error instanceof LimitOverrunError) {
          outcome = { limit: error.consumed };
        } else if (error instanceof IncompleteReadError) {
          outcome = { incomplete: dec.decode(error.partial) };
        } else {
          throw error;
        }
      }
    }
    const left = reader.bufferSize > 0
      ? dec.decode(await reader.readExactly(reader.bufferSize))
      : "";
    return { ...outcome, left };
  });
}

for (const c of cases) {
  const name = JSON.stringify({
    chunks: c.chunks,
    seps: c.seps,
    limit: c.limit,
  });
  Deno.test(`readUntil() with several separators does what CPython 3.13 does: ${name}`, async () => {
    assert.deepEqual(await replay(c), c.outcome);
  });
}

Deno.test("readUntil() with several separators takes strings and bytes together", async () => {
  const r = new StreamReader();
  r.feedData(enc.encode("one\r\ntwo;three"));
  r.feedEof();
  const seps = ["\r\n", new Uint8Array([59])]; // ";"
  assert.equal(dec.decode(await r.readUntil(seps)), "one\r\n");
  assert.equal(dec.decode(await r.readUntil(seps)), "two;");
  await assert.rejects(r.readUntil(seps), (e: IncompleteReadError) => {
    assert.equal(dec.decode(e.partial), "three");
    return e instanceof IncompleteReadError && e.expected === null;
  });
});

Deno.test("readUntil() rejects an empty array and an empty separator in it with RangeError", async () => {
  const r = new StreamReader();
  r.feedData(enc.encode("data;"));
  await assert.rejects(
    r.readUntil([]),
    (e: unknown) =>
      e instanceof RangeError && /array of separators is empty/.test(e.message),
  );
  await assert.rejects(
    r.readUntil([";", ""]),
    (e: unknown) =>
      e instanceof RangeError && /separator is empty/.test(e.message),
  );
  // Nothing was consumed.
  assert.equal(dec.decode(await r.readUntil([";"])), "data;");
});

Deno.test("readUntil() with several separators loses no byte when cancelled while waiting", async () => {
  const got = await run(async () => {
    const r = new StreamReader();
    r.feedData(enc.encode("partial"));
    const read = createTask(() => r.readUntil(["\r\n", "\n"]));
    await sleep(0);
    read.cancel();
    await read.then(() => {}, () => {});
    r.feedData(enc.encode(" line\n"));
    return [read.cancelled(), dec.decode(await r.readUntil(["\r\n", "\n"]))];
  });
  assert.deepEqual(got, [true, "partial line\n"]);
});
