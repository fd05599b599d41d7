/** CPU-heavy transform run in the executor's Workers (and in tests, inline). */
export interface LogRecord {
  seq: number;
  level: string;
  msg: string;
}

/** An iterated FNV-1a: deliberately slow. */
export function digest(text: string, rounds = 20_000): string {
  let h = 0x811c9dc5;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    h ^= r;
  }
  return h.toString(16).padStart(8, "0");
}

/** Turns records into output lines: `seq level digest msg`. */
export function transform(records: LogRecord[]): string {
  return records
    .map((r) => `${r.seq} ${r.level.toUpperCase()} ${digest(r.msg)} ${r.msg}\n`)
    .join("");
}
