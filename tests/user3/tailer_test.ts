import assert from "node:assert/strict";
import { createTask, Event, type Process, run, waitFor } from "../../mod.ts";
import { newStats, tail, type TailOptions } from "./tailer.ts";
import { transform } from "./_transform.ts";

const deno = Deno.execPath();

const rec = (i: number) => ({
  seq: i,
  level: i % 4 === 0 ? "warn" : "info",
  msg: `m${i}`,
});

/** Emits 25 records, waits for a line on stdin, then 7 more and a bad line. */
const STEPPED = `
const enc = new TextEncoder();
const rec = ${rec.toString()};
async function out(text) {
  const bytes = enc.encode(text);
  let off = 0;
  while (off < bytes.length) off += await Deno.stdout.write(bytes.subarray(off));
}
const range = (a, b) => Array.from({ length: b - a }, (_, k) => JSON.stringify(rec(a + k)) + "\\n").join("");
await out(range(0, 25));
await Deno.stdin.read(new Uint8Array(16));
await out(range(25, 29) + "not json\\n" + range(29, 32));
Deno.stdout.close(); // EOF now, not when the process has exited
`;

/** Emits records forever, a few at a time. */
const ENDLESS = `
const enc = new TextEncoder();
const rec = ${rec.toString()};
for (let i = 0;; i++) {
  const b = enc.encode(JSON.stringify(rec(i)) + "\\n");
  let off = 0;
  while (off < b.length) off += await Deno.stdout.write(b.subarray(off));
  if (i % 5 === 4) await new Promise((r) => setTimeout(r, 1));
}
`;

async function withTemp<T>(fn: (path: string) => Promise<T>): Promise<T> {
  const path = await Deno.makeTempFile({ prefix: "aio-user3-tail-" });
  try {
    return await fn(path);
  } finally {
    await Deno.remove(path);
  }
}

Deno.test("tailer: flushes by size, then by time, then at EOF; output transformed in order", async () => {
  await withTemp(async (outPath) => {
    const flushes: string[] = [];
    const thirdFlush = new Event();
    let proc: Process | undefined;
    const stats = await run(async () => {
      const opts: TailOptions = {
        cmd: deno,
        args: ["eval", STEPPED],
        outPath,
        batchSize: 10,
        // Long enough that the last batch meets EOF first on a loaded
        // machine (at 50 ms it went by time once, in a full parallel run).
        flushMs: 300,
        queueSize: 4,
        stdin: "piped",
        onSpawn: (p) => proc = p,
        onFlush: (seqs, reason) => {
          flushes.push(`${reason}:${seqs[0]}-${seqs.at(-1)}`);
          if (flushes.length === 3) thirdFlush.set();
        },
      };
      const t = createTask(() => tail(opts));
      // The child is blocked on stdin: the third batch can only go by time.
      await waitFor(thirdFlush.wait(), 20_000);
      proc!.stdin!.write("go\n");
      await proc!.stdin!.drain();
      return await waitFor(t, 20_000);
    });
    assert.deepEqual(flushes, [
      "size:0-9",
      "size:10-19",
      "time:20-24",
      "eof:25-31",
    ]);
    assert.equal(stats.read, 32);
    assert.equal(stats.malformed, 1);
    assert.equal(stats.written, 32);
    assert.equal(stats.exitCode, 0);
    const expected = transform(Array.from({ length: 32 }, (_, i) => rec(i)));
    assert.equal(await Deno.readTextFile(outPath), expected);
  });
});

Deno.test("tailer: cancelling mid-stream writes everything read, once, and kills the child", async () => {
  await withTemp(async (outPath) => {
    const stats = newStats();
    let proc: Process | undefined;
    let flushCount = 0;
    const enough = new Event();
    await run(async () => {
      const t = createTask(() =>
        tail({
          cmd: deno,
          args: ["eval", ENDLESS],
          outPath,
          batchSize: 16,
          flushMs: 20,
          queueSize: 8,
          onSpawn: (p) => proc = p,
          onFlush: () => {
            if (++flushCount === 5) enough.set();
          },
        }, stats)
      );
      await waitFor(enough.wait(), 20_000);
      t.cancel();
      await assert.rejects(
        waitFor(t, 20_000),
        (e: Error) => e.name === "CancelledError",
      );
    });
    assert.ok(stats.read >= 5);
    assert.equal(stats.written, stats.read, "every record read was written");
    const lines = (await Deno.readTextFile(outPath)).split("\n").filter(
      Boolean,
    );
    assert.deepEqual(lines.map((l) => Number(l.split(" ")[0])), [
      ...Array(stats.read).keys(),
    ]);
    assert.equal(
      await Deno.readTextFile(outPath),
      transform([...Array(stats.read).keys()].map(rec)),
    );
    assert.equal(proc!.returncode, -9, "the child was killed");
    // What was in hand at the cancel is flushed once, last, as "cancel". A
    // cancel that lands while a full batch is being written leaves nothing
    // in hand: the last flush is then that batch (its records are counted
    // above), and no "cancel" flush happens.
    const reasons = stats.flushes.map((f) => f.reason);
    const cancelAt = reasons.indexOf("cancel");
    assert.ok(
      cancelAt === -1 || cancelAt === reasons.length - 1,
      `the cancel flush is the last one: ${reasons.join(", ")}`,
    );
  });
});

Deno.test("tailer: a program that does not exist fails fast with NotFound", async () => {
  await withTemp(async (outPath) => {
    await assert.rejects(
      run(() =>
        tail({
          cmd: "/nonexistent/program-xyz",
          args: [],
          outPath,
          batchSize: 1,
          flushMs: 10,
        })
      ),
      Deno.errors.NotFound,
    );
  });
});
