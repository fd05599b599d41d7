/**
 * CPU-bound work in the Worker pool while the event loop keeps time: a
 * ticker task prints every 50 ms while eight 1 MiB chunks are hashed with
 * `runInExecutor()` in a pool of two Workers. Then one chunk is hashed inline, on the loop's thread, to
 * show what the ticker would have suffered.
 *
 * Run: `deno run --allow-read examples/cpu_offload.ts`
 * (`--allow-read` lets the Workers load the job module.)
 *
 * @module
 */

import { getRunningLoop } from "../loop/mod.ts";
import { createTask, gather, run, sleep } from "../task/mod.ts";
import {
  runInExecutor,
  setDefaultExecutor,
  WorkerPool,
} from "../executor/mod.ts";
import { hashChunk, makeChunk } from "./_hash_work.ts";

const WORK = import.meta.resolve("./_hash_work.ts");
const CHUNKS = 8;
const SIZE = 1 << 20;
const ROUNDS = 40;
const TICK_MS = 50;
const WORKERS = 2;

await run(async () => {
  const loop = getRunningLoop();
  setDefaultExecutor(new WorkerPool({ size: WORKERS }), loop);
  const chunks = Array.from(
    { length: CHUNKS },
    (_, i) => makeChunk(SIZE, i + 1),
  );
  // Start the Workers before the clock matters: creating one costs the
  // main thread tens of milliseconds (Deno builds a new isolate).
  await gather(
    Array.from(
      { length: WORKERS },
      () => runInExecutor(WORK, "hashChunk", new Uint8Array(0), 0),
    ),
  );
  const start = loop.time();
  let worstLateMs = 0;
  const ticker = createTask(async () => {
    for (let n = 1;; n++) {
      const due = start + n * TICK_MS;
      await sleep(due - loop.time());
      const late = loop.time() - due;
      worstLateMs = Math.max(worstLateMs, late);
      console.log(`tick ${n} (${late.toFixed(1)} ms late)`);
    }
  }, { name: "ticker" });

  const hashes = await gather(
    chunks.map((chunk) =>
      runInExecutor<string>(WORK, "hashChunk", chunk, ROUNDS)
    ),
  );
  ticker.cancel();
  // A tick woken in the tick of the cancel still prints: let it, first.
  await ticker.catch(() => {});
  hashes.forEach((h, i) => console.log(`chunk ${i}: ${h}`));
  console.log(
    `pool: ${CHUNKS} chunks hashed in ${(loop.time() - start).toFixed(0)} ms;` +
      ` worst ticker lateness ${worstLateMs.toFixed(1)} ms`,
  );

  const t0 = performance.now();
  hashChunk(chunks[0]!, ROUNDS);
  console.log(
    `inline: one chunk blocks the loop for ${
      (performance.now() - t0).toFixed(0)
    } ms`,
  );
});
