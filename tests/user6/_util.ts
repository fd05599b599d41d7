/** Helpers shared by the user6 tests. */
import { MAX_DATA } from "./protocol.ts";

/** Sizes that straddle every boundary we care about: 0 B to 1 MiB. */
export const SIZES = [
  0,
  1,
  2,
  3,
  4,
  5,
  7,
  255,
  256,
  4095,
  4096,
  16383,
  16384,
  16385,
  65535,
  65536,
  65537,
  131072,
  262145,
  700001,
  MAX_DATA,
];

/** Deterministic bytes for (publisher, seq): the test can rebuild them. */
export function payload(
  pub: number,
  seq: number,
  size: number,
): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  let x = (pub * 7919 + seq * 104729 + size + 1) >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

/** A deterministic shuffle of SIZES for one publisher. */
export function sizesFor(pub: number, rounds = 1): number[] {
  const sizes: number[] = [];
  for (let r = 0; r < rounds; r++) sizes.push(...SIZES);
  let x = pub + 12345;
  for (let i = sizes.length - 1; i > 0; i--) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const j = x % (i + 1);
    [sizes[i], sizes[j]] = [sizes[j]!, sizes[i]!];
  }
  return sizes;
}

/** Byte equality with a short message instead of a 1 MiB diff. */
export function sameBytes(a: Uint8Array, b: Uint8Array): string | null {
  if (a.length !== b.length) return `length ${a.length} != ${b.length}`;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return `byte ${i}: ${a[i]} != ${b[i]}`;
  }
  return null;
}
