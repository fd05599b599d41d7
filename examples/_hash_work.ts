/**
 * CPU-bound work for `examples/cpu_offload.ts`: runs in a Worker of the
 * pool (and inline, to compare). Pure JavaScript on purpose: it holds its
 * thread the whole time, like real parsing or compression does.
 *
 * @module
 */

/**
 * FNV-1a over `data`, `rounds` times (each round seeded by the last),
 * as 8 hex digits.
 *
 * @param data The bytes to hash.
 * @param rounds How many passes.
 * @returns The hash.
 */
export function hashChunk(data: Uint8Array, rounds: number): string {
  let h = 0x811c9dc5;
  for (let r = 0; r < rounds; r++) {
    h ^= r;
    for (let i = 0; i < data.length; i++) {
      h = Math.imul(h ^ data[i]!, 0x01000193);
    }
  }
  return (h >>> 0).toString(16).padStart(8, "0");
}

/**
 * Deterministic pseudo-random bytes (xorshift32), so runs are comparable.
 *
 * @param size How many bytes.
 * @param seed The seed, not 0.
 * @returns The bytes.
 */
export function makeChunk(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = seed | 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
