/**
 * Private: a Deno connection as a `StreamReader` (fed by a read pump) and a
 * `StreamWriter` (over the connection), like asyncio's transport + protocol.
 */

import { attachSource, commit, reserve } from "./_source.ts";
import { StreamReader } from "./stream_reader.ts";
import { StreamWriter, type WriteSink } from "./stream_writer.ts";

/** Bytes per socket read. */
const READ_SIZE = 64 * 1024;

/** What `connectionStreams` needs of a connection. */
export interface ConnLike {
  read(p: Uint8Array): Promise<number | null>;
  write(p: Uint8Array): Promise<number>;
  close(): void;
  closeWrite?(): Promise<void>;
  readonly remoteAddr?: Deno.Addr;
  readonly localAddr?: Deno.Addr;
}

/** Options of {@linkcode connectionStreams}. */
export interface ConnectionStreamsOptions {
  /** The reader's limit. */
  limit?: number | undefined;
  /** Whether the connection can half-close (not TLS). */
  halfClose?: boolean;
  /** Called once the connection is closed and its pump has stopped. */
  onClosed?: () => void;
}

/**
 * Wraps `conn`: a pump reads it into the reader (pausing above the limit);
 * the writer writes to it. Closing the writer closes the connection; its
 * `waitClosed()` returns once the pump has stopped too.
 */
export function connectionStreams(
  conn: ConnLike,
  options: ConnectionStreamsOptions = {},
): [StreamReader, StreamWriter] {
  const reader = new StreamReader({ limit: options.limit });
  let paused = false;
  let resume: (() => void) | null = null;
  let closed = false;
  reader[attachSource]({
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      const r = resume;
      resume = null;
      r?.();
    },
  });
  const pumpDone = pump();

  async function pump(): Promise<void> {
    try {
      for (;;) {
        while (paused && !closed) {
          await new Promise<void>((r) => (resume = r));
        }
        if (closed) break;
        // Read straight into the reader's buffer: no copy.
        const n = await conn.read(reader[reserve](READ_SIZE));
        reader[commit](n ?? 0);
        if (n === null) break;
      }
      reader.feedEof();
    } catch (error) {
      reader[commit](0);
      try {
        if (closed) reader.feedEof();
        else reader.setException(error);
      } catch {
        // The loop is gone: nobody is reading any more.
      }
    }
  }

  let localAddr: Deno.Addr | null = null;
  let remoteAddr: Deno.Addr | null = null;
  try {
    localAddr = conn.localAddr ?? null;
    remoteAddr = conn.remoteAddr ?? null;
  } catch {
    // Some connections have no addresses.
  }
  const sink: WriteSink = {
    write: async (chunk) => {
      let at = 0;
      while (at < chunk.length) {
        at += await conn.write(at === 0 ? chunk : chunk.subarray(at));
      }
    },
    close: async () => {
      if (closed) return;
      closed = true;
      const r = resume;
      resume = null;
      r?.();
      try {
        conn.close();
      } catch {
        // Already closed.
      }
      await pumpDone;
      options.onClosed?.();
    },
    localAddr,
    remoteAddr,
    consumesChunks: true,
  };
  if (options.halfClose !== false && conn.closeWrite !== undefined) {
    const closeWrite = conn.closeWrite.bind(conn);
    (sink as { closeWrite?: () => Promise<void> }).closeWrite = closeWrite;
  }
  return [reader, new StreamWriter(sink)];
}

/** Turns Nagle's algorithm off on TCP connections (request/response). */
export function setNoDelay(conn: Deno.Conn): void {
  const tcp = conn as Deno.Conn & { setNoDelay?: (on: boolean) => void };
  try {
    tcp.setNoDelay?.(true);
  } catch {
    // Not fatal.
  }
}
