/**
 * CPU-bound work for `examples/crawler.ts`, run in a Worker of the pool. It
 * calls `checkCancelled()` between steps, so it stops as soon as its caller
 * gives it up (a deadline around `runInExecutor()` expired).
 *
 * @module
 */

import { checkCancelled } from "../executor/mod.ts";

/**
 * Scores `text` by hashing it `rounds` times (FNV-1a, each round seeded by
 * the last): stands for real parsing or indexing.
 *
 * @param text The page.
 * @param rounds How many passes.
 * @returns The score, as 8 hex digits.
 */
export function score(text: string, rounds: number): string {
  let h = 0x811c9dc5;
  for (let r = 0; r < rounds; r++) {
    if (r % 64 === 0) checkCancelled();
    h ^= r;
    for (let i = 0; i < text.length; i++) {
      h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    }
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}
