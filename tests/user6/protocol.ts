/**
 * The broker's wire protocol: every frame is a 4-byte big-endian length
 * followed by that many payload bytes. A payload is
 *
 *   op (1 byte) | topic length T (1 byte) | topic (T bytes, UTF-8) | data
 *
 * ops: `S` subscribe, `U` unsubscribe, `P` publish (client -> broker),
 * `M` message, `A` ack of a subscribe/unsubscribe (broker -> client).
 *
 * @module
 */
import { IncompleteReadError, type StreamReader } from "@aio/asyncio/io";

export const MAX_DATA = 1024 * 1024;
export const MAX_FRAME = 2 + 255 + MAX_DATA;

export const OP = {
  SUB: 0x53,
  UNSUB: 0x55,
  PUB: 0x50,
  MSG: 0x4d,
  ACK: 0x41,
} as const;

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface Frame {
  op: number;
  topic: string;
  data: Uint8Array;
}

export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/** Encodes one whole frame (length prefix included) in a single buffer. */
export function encodeFrame(
  op: number,
  topic: string,
  data?: Uint8Array,
): Uint8Array<ArrayBuffer> {
  const t = enc.encode(topic);
  if (t.length > 255) throw new ProtocolError("topic longer than 255 bytes");
  const n = data?.length ?? 0;
  if (n > MAX_DATA) {
    throw new ProtocolError(`payload of ${n} bytes is over 1 MiB`);
  }
  const len = 2 + t.length + n;
  const out = new Uint8Array(4 + len);
  new DataView(out.buffer).setUint32(0, len);
  out[4] = op;
  out[5] = t.length;
  out.set(t, 6);
  if (data) out.set(data, 6 + t.length);
  return out;
}

export function decodePayload(payload: Uint8Array): Frame {
  if (payload.length < 2) {
    throw new ProtocolError("payload shorter than its header");
  }
  const op = payload[0]!;
  const tlen = payload[1]!;
  if (2 + tlen > payload.length) {
    throw new ProtocolError("topic overruns payload");
  }
  return {
    op,
    topic: dec.decode(payload.subarray(2, 2 + tlen)),
    data: payload.subarray(2 + tlen),
  };
}

/**
 * Reads frames off a StreamReader, resumably: a read cancelled in the
 * middle of a frame keeps what it had, and the next call picks the frame
 * up where it stopped, so cancellation never desynchronises the stream.
 *
 * `mode: "exactly"` reads the payload with `readExactly()`;
 * `mode: "into"` reads it with `readInto()` straight into the frame's own
 * buffer.
 */
export class FrameReader {
  #len = -1; // payload length of the frame in progress, -1 before its header
  #buf: Uint8Array<ArrayBuffer> | null = null;
  #off = 0;

  constructor(
    readonly reader: StreamReader,
    readonly mode: "exactly" | "into" = "exactly",
  ) {}

  /** True while a frame has been started but not finished. */
  get midFrame(): boolean {
    return this.#len >= 0;
  }

  /** The next raw payload, or `null` on a clean EOF between frames. */
  async nextPayload(
    options?: { signal?: AbortSignal },
  ): Promise<Uint8Array | null> {
    if (this.#len < 0) {
      let head: Uint8Array;
      try {
        head = await this.reader.readExactly(4, options);
      } catch (e) {
        if (e instanceof IncompleteReadError && e.partial.length === 0) {
          return null;
        }
        throw e;
      }
      const len = new DataView(head.buffer, head.byteOffset, 4).getUint32(0);
      if (len > MAX_FRAME) {
        throw new ProtocolError(`frame of ${len} bytes is too big`);
      }
      this.#len = len;
      this.#buf = null;
      this.#off = 0;
    }
    const len = this.#len;
    let payload: Uint8Array;
    if (this.mode === "exactly") {
      payload = await this.reader.readExactly(len, options);
    } else {
      const buf = this.#buf ??= new Uint8Array(len);
      while (this.#off < len) {
        // The frame's own buffer when nothing is in it yet: a readInto()
        // cancelled while the socket reads into it is picked up by the next.
        const view = this.#off === 0 ? buf : buf.subarray(this.#off);
        const n = await this.reader.readInto(view, options);
        if (n === 0) {
          throw new IncompleteReadError(buf.slice(0, this.#off), len);
        }
        this.#off += n;
      }
      payload = buf;
    }
    this.#len = -1;
    this.#buf = null;
    this.#off = 0;
    return payload;
  }

  async next(options?: { signal?: AbortSignal }): Promise<Frame | null> {
    const p = await this.nextPayload(options);
    return p === null ? null : decodePayload(p);
  }
}
