import assert from "node:assert/strict";
import { pyLog, tsLog } from "./_harness.ts";

const isProducer = (l: string) => / put \d| producer finished/.test(l);

Deno.test("pipeline: each worker's events and the results match CPython", async () => {
  const [py, ts] = await Promise.all([
    pyLog("pipeline.py"),
    tsLog("pipeline.ts"),
  ]);
  for (const w of ["w0", "w1", "w2"]) {
    const mine = (l: string) => l.includes(` ${w} `);
    assert.deepEqual(ts.filter(mine), py.filter(mine), w);
  }
  // Everything after the queue was joined (cancellation, gather of the
  // cancelled workers, QueueEmpty/QueueFull) is identical.
  const tail = (log: string[]) =>
    log.slice(log.findIndex((l) => l.includes("joined")));
  assert.deepEqual(tail(ts), tail(py));
});

Deno.test("pipeline: producer puts at the same times; qsize differs as documented", async () => {
  const [py, ts] = await Promise.all([
    pyLog("pipeline.py"),
    tsLog("pipeline.ts"),
  ]);
  const when = (l: string) => l.replace(/ qsize=.*/, "");
  assert.deepEqual(
    ts.filter(isProducer).map(when),
    py.filter(isProducer).map(when),
  );
  // README.md:230-231: "Sync primitives hand the lock, permit or item to the
  // woken waiter, so `locked()`, `value` and `qsize()` are right at every
  // instant". A put() that finds a getter waiting hands the item over, so
  // the queue never holds it: aio's qsize is never above CPython's, and is
  // lower right after the putter is let in by waiting getters.
  const qsize = (l: string) => Number(l.match(/qsize=(\d+)/)?.[1] ?? -1);
  const pyQ = py.filter((l) => l.includes("qsize")).map(qsize);
  const tsQ = ts.filter((l) => l.includes("qsize")).map(qsize);
  tsQ.forEach((q, i) => assert.ok(q <= pyQ[i]!, `put ${i}: ${q} > ${pyQ[i]}`));
  assert.deepEqual(pyQ.slice(2, 4), [1, 2]); // CPython: item 2 sits in the queue
  assert.deepEqual(tsQ.slice(2, 4), [0, 1]); // aio: item 2 went to waiting w2
});
