/**
 * A log pipeline: spawn a program, read its stdout line by line, parse each
 * line as JSON, batch the records through a bounded queue (flush when the
 * batch is full or `flushMs` after its first record), transform each batch
 * in the executor (CPU-heavy), and append it to a file.
 *
 * Cancelling the pipeline stops it cleanly: every record read from the
 * child is still written, in order, exactly once; the child is killed and the
 * file closed.
 *
 * Run: deno run -A tests/user3/tailer.ts out.log -- cmd args...
 */
import {
  createSubprocessExec,
  getRunningLoop,
  openFile,
  type Process,
  Queue,
  QueueShutDown,
  run,
  runInExecutor,
  type StdioOption,
  taskGroup,
  TimeoutError,
  waitFor,
} from "../../mod.ts";
import type { LogRecord } from "./_transform.ts";

export type FlushReason = "size" | "time" | "eof" | "cancel";

export interface TailOptions {
  cmd: string;
  args: string[];
  outPath: string;
  batchSize: number;
  flushMs: number;
  queueSize?: number;
  stdin?: StdioOption;
  onSpawn?: (proc: Process) => void;
  onFlush?: (seqs: number[], reason: FlushReason) => void;
}

export interface TailStats {
  read: number;
  malformed: number;
  written: number;
  flushes: { size: number; reason: FlushReason }[];
  exitCode: number | null;
}

const TRANSFORM = import.meta.resolve("./_transform.ts");
const dec = new TextDecoder();

function parse(line: string): LogRecord | undefined {
  try {
    const v = JSON.parse(line);
    if (typeof v?.seq === "number" && typeof v?.msg === "string") {
      return { seq: v.seq, level: String(v.level ?? "info"), msg: v.msg };
    }
  } catch {
    // fall through
  }
  return undefined;
}

/**
 * Runs the pipeline until the child's stdout ends. `stats` is filled as it
 * goes, so a caller that cancels still sees the counts.
 */
export async function tail(
  opts: TailOptions,
  stats: TailStats = newStats(),
): Promise<TailStats> {
  const loop = getRunningLoop();
  const queue = new Queue<LogRecord>(opts.queueSize ?? 64);
  // Records taken out of the queue and not yet handed to the file.
  let inHand: LogRecord[] = [];
  // A record parsed by the reader whose put() was cancelled.
  let readerHeld: LogRecord | undefined;

  await using file = await openFile(opts.outPath, {
    write: true,
    create: true,
    append: true,
  });
  await using proc = await createSubprocessExec(opts.cmd, opts.args, {
    stdout: "piped",
    stdin: opts.stdin ?? "null",
  });
  opts.onSpawn?.(proc);

  const flush = async (reason: FlushReason) => {
    if (inHand.length === 0) return;
    const batch = inHand;
    const out = await runInExecutor<string>(TRANSFORM, "transform", batch);
    // Handed over: a write cancelled from here still completes (AsyncFile).
    inHand = [];
    stats.written += batch.length;
    stats.flushes.push({ size: batch.length, reason });
    opts.onFlush?.(batch.map((r) => r.seq), reason);
    await file.write(out);
  };

  try {
    await taskGroup((tg) => {
      tg.createTask(async () => {
        try {
          for await (const raw of proc.stdout!) {
            const rec = parse(dec.decode(raw));
            if (!rec) {
              stats.malformed++;
              continue;
            }
            stats.read++;
            readerHeld = rec;
            await queue.put(rec);
            readerHeld = undefined;
          }
        } finally {
          queue.shutdown(); // the batcher drains what is left, then ends
        }
      }, { name: "reader" });

      tg.createTask(async () => {
        while (true) {
          try {
            inHand.push(await queue.get());
          } catch (e) {
            if (e instanceof QueueShutDown) return;
            throw e;
          }
          const deadline = loop.time() + opts.flushMs;
          let reason: FlushReason = "size";
          while (inHand.length < opts.batchSize) {
            try {
              inHand.push(await waitFor(queue.get(), deadline - loop.time()));
            } catch (e) {
              if (e instanceof TimeoutError) reason = "time";
              else if (e instanceof QueueShutDown) reason = "eof";
              else throw e;
              break;
            }
          }
          await flush(reason);
        }
      }, { name: "batcher" });
    });
    stats.exitCode = await proc.wait();
    return stats;
  } finally {
    // Cancelled (or failed): write what was read, in order. The
    // cancellation was delivered once, so these waits run.
    if (readerHeld) {
      try {
        queue.putNowait(readerHeld);
      } catch {
        inHand.push(readerHeld); // shut down or full: keep it anyway
      }
    }
    while (!queue.empty()) inHand.push(queue.getNowait());
    inHand.sort((a, b) => a.seq - b.seq);
    await flush("cancel");
  }
}

export function newStats(): TailStats {
  return { read: 0, malformed: 0, written: 0, flushes: [], exitCode: null };
}

if (import.meta.main) {
  const [outPath, sep, cmd, ...args] = Deno.args;
  if (!outPath || sep !== "--" || !cmd) {
    console.error("usage: tailer.ts OUT -- CMD ARGS...");
    Deno.exit(2);
  }
  const stats = await run(() =>
    tail({ cmd, args, outPath, batchSize: 100, flushMs: 200 })
  );
  console.log(stats);
}
