// CPU work for the Worker pool: `rounds` iterations of SHA-256 over `data`.
//
// `progress` (a SharedArrayBuffer, shared with the main thread by structured
// clone) counts: [0] rounds done by the last job, [1] jobs started, [2] jobs
// finished, [3] jobs that saw their cancel flag. `cancel` is a per-job
// SharedArrayBuffer the server sets when the request is cancelled: Deno 2.9's
// Worker.terminate() does not stop a Worker busy in a loop (see the report),
// so a long job has to check a flag itself.
import { createHash } from "node:crypto";

export function hashRounds(
  data: Uint8Array,
  rounds: number,
  progress?: SharedArrayBuffer,
  cancel?: SharedArrayBuffer,
): string {
  const counter = progress ? new Int32Array(progress) : undefined;
  const flag = cancel ? new Int32Array(cancel) : undefined;
  if (counter) Atomics.add(counter, 1, 1);
  let digest: Uint8Array = data;
  for (let i = 0; i < rounds; i++) {
    digest = createHash("sha256").update(digest).digest();
    if ((i & 255) === 0) {
      if (counter) Atomics.store(counter, 0, i);
      if (flag && Atomics.load(flag, 0) !== 0) {
        if (counter) Atomics.add(counter, 3, 1);
        throw new Error(`cancelled after ${i} rounds`);
      }
    }
  }
  if (counter) {
    Atomics.store(counter, 0, rounds);
    Atomics.add(counter, 2, 1);
  }
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
