/**
 * Private: pumps a `ReadableStream<Uint8Array>` into a `StreamReader`,
 * pausing above the reader's limit, and a `WriteSink` over a
 * `WritableStream<Uint8Array>`.
 */

import { attachSource } from "./_source.ts";
import type { StreamReader } from "./stream_reader.ts";
import type { WriteSink } from "./stream_writer.ts";

/** Empty chunks in a row before the pump lets the host run. */
const EMPTY_CHUNKS_PER_TURN = 256;

/** A running pump. */
export interface Pump {
  /** Settles once the pump stopped (EOF, error or cancel). */
  readonly done: Promise<void>;
  /**
   * Cancels the stream with `reason`. Unless the stream ended first, the
   * reader then fails with `reason` if one is given (a stop asked for by
   * the reader's user: what it read was cut short), else sees EOF.
   */
  cancel(reason?: unknown): Promise<void>;
}

/** Feeds `reader` from `readable` until it ends. */
export function pumpReadable(
  readable: ReadableStream<Uint8Array>,
  reader: StreamReader,
): Pump {
  const source = readable.getReader();
  let paused = false;
  let cancelled = false;
  let cancelReason: unknown = undefined;
  const end = (): void => {
    if (cancelled && cancelReason !== undefined) {
      reader.setException(cancelReason);
    } else {
      reader.feedEof();
    }
  };
  let resume: (() => void) | null = null;
  const wake = (): void => {
    const r = resume;
    resume = null;
    r?.();
  };
  reader[attachSource]({
    pause: () => {
      paused = true;
    },
    resume: () => {
      paused = false;
      wake();
    },
  });
  let empties = 0;
  const done = (async () => {
    try {
      for (;;) {
        while (paused && !cancelled) {
          await new Promise<void>((r) => (resume = r));
        }
        if (cancelled) break;
        const { value, done } = await source.read();
        if (done) break;
        if (!(value instanceof Uint8Array)) {
          // Not bytes (an ArrayBuffer, a string...): the reader fails with
          // feedData()'s TypeError and the source is told, rather than the
          // chunk being skipped as if it were empty.
          try {
            reader.feedData(value);
          } catch (error) {
            source.cancel(error).catch(() => {});
            throw error;
          }
        }
        if (value.length > 0) {
          empties = 0;
          reader.feedData(value);
        } else if (++empties === EMPTY_CHUNKS_PER_TURN) {
          // A source that resolves at once with nothing, again and again,
          // would hold the microtask queue: the host and the loop get a
          // turn between such runs (a millisecond: a pathological source).
          empties = 0;
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      }
      end();
    } catch (error) {
      try {
        if (cancelled) end();
        else reader.setException(error);
      } catch {
        // The loop is gone.
      }
    } finally {
      try {
        source.releaseLock();
      } catch {
        // A read is still pending after a cancel: nothing to release.
      }
    }
  })();
  return {
    done,
    cancel: async (reason?: unknown) => {
      if (!cancelled) {
        cancelled = true;
        cancelReason = reason;
        wake();
        try {
          await source.cancel(reason);
        } catch {
          // Already closed or errored.
        }
      }
      await done;
    },
  };
}

/** A sink that writes to `writable`; closing it closes the stream. */
export function writableSink(writable: WritableStream<Uint8Array>): WriteSink {
  const writer = writable.getWriter();
  let pending = 0;
  let closed = false;
  let closing: Promise<void> | null = null;
  const closeOnce = (): Promise<void> => {
    if (closing === null) {
      closing = (async () => {
        try {
          if (pending > 0) await writer.abort();
          else await writer.close();
        } catch {
          // Already closed or errored.
        }
      })();
    }
    return closing;
  };
  return {
    write: async (chunk) => {
      pending++;
      try {
        await writer.write(chunk);
      } finally {
        pending--;
      }
    },
    closeWrite: () => closeOnce(),
    close: async () => {
      if (closed) return;
      closed = true;
      await closeOnce();
      try {
        writer.releaseLock();
      } catch {
        // Nothing to release.
      }
    },
  };
}
