/**
 * Attack round 25: a loop, and a Queue, keep the storage of their biggest
 * burst for the rest of their life.
 *
 * What I did (child process `_burst_capacity.ts`, `--expose-gc`, heap
 * measured after two gc() calls): 1,000,000 `callLater()` timers on an
 * EventLoop, all fired; 1,000,000 `callSoon()` callbacks, all run; a Queue
 * given 1,000,000 items, all taken. Then measured what the idle loop / empty
 * queue still holds.
 *
 * What happened (measured, Deno 2.9.6): the idle loop holds 31,479,840 B
 * after the timers (about 31 B per timer ever pending at once), 8,397,848 B
 * after the callSoon burst (the ready Deque's 2^20 slots); the empty Queue
 * 8,430,280 B (its Deque's 2^20 slots). Repeated runs give the same
 * figures; close() frees them (the loop), nothing does for the Queue.
 *
 * Cause: loop/deque.ts never shrinks (`shift()`/`pop()` store undefined,
 * `#grow()` only doubles; only `clear()` starts over), and loop/_heap.ts
 * `pop()` uses Array.prototype.pop on its three parallel arrays, whose fast
 * path in V8 does not trim the backing store (measured: a Heap drained
 * from 1M entries keeps 31,339,656 B).
 *
 * Expected: the project's own standard for the writer
 * (tests/faults/idle_writer_keeps_queue_capacity_test.ts: "an idle writer,
 * whatever it sent before, costs about what a fresh one does"), and
 * asyncio's: its `_scheduled` heap is a list, which CPython shrinks as it
 * empties, and `_ready` and Queue's store are collections.deque, which frees
 * its blocks as they empty. A server loop that once met a burst (a million
 * connection timeouts, a backlog in a Queue) otherwise pins tens of MB until
 * exit. Bound used here: under 1 MiB each (1 B per element of the burst).
 *
 * Fixed: a `Deque` of more than 1,024 slots halves its storage once under
 * a quarter full; the timer heap copies its arrays to measure once under a
 * quarter of their peak (above 4,096 entries).
 */

import assert from "node:assert/strict";

Deno.test("an idle loop and an empty Queue do not keep their largest burst's storage", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--v8-flags=--expose-gc",
      new URL("_burst_capacity.ts", import.meta.url).pathname,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const bytes = JSON.parse(new TextDecoder().decode(out.stdout).trim());
  const limit = 1 << 20;
  const over = Object.entries(bytes).filter(([k, v]) =>
    k !== "qsize" && (v as number) >= limit
  );
  assert.deepEqual(over, [], JSON.stringify(bytes));
});
