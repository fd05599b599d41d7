/**
 * A log-shipping agent on aio: tails append-only log files, parses lines
 * (JSON or plain text), batches them (N lines or T ms after the first line,
 * whichever comes first), and POSTs each batch (gzipped NDJSON) to a
 * collector with retries, exponential backoff with jitter, a per-request
 * timeout and at most K requests in flight. A TCP admin port takes `stats`,
 * `flush`, `pause`, `resume` and `quit`, one per line.
 *
 * ```sh
 * deno run -A agent.ts http://127.0.0.1:8080/ingest /var/log/app.log
 * ```
 *
 * @module
 */
import {
  CancelledError,
  createTask,
  run,
  sleep,
  type Task,
  type TaskGroup,
  taskGroup,
  timeout,
  timeoutAt,
  TimeoutError,
  waitFor,
} from "@aio/asyncio/task";
import { getRunningLoop } from "@aio/asyncio/loop";
import { runInExecutor } from "@aio/asyncio/executor";
import { Event, Queue, QueueShutDown, Semaphore } from "@aio/asyncio/sync";
import {
  openFile,
  readerFromStream,
  type Server,
  startServer,
  type StreamReader,
  type StreamWriter,
} from "@aio/asyncio/io";

/** One parsed log line. */
export interface LogRecord {
  source: string;
  line: number;
  msg: string;
  level?: string;
  fields?: Record<string, unknown>;
}

/** A batch as sent to the collector. */
export interface Batch {
  id: string;
  records: LogRecord[];
}

/** Sends one batch; must honour `signal`. Throws on failure. */
export type PostFn = (batch: Batch, signal: AbortSignal) => Promise<void>;

/** A non-2xx answer from the collector. */
export class HttpError extends Error {
  constructor(readonly status: number) {
    super(`collector answered ${status}`);
    this.name = "HttpError";
  }
}

/** Agent settings. */
export interface AgentOptions {
  /** Files to tail (from their start). */
  files?: string[];
  /** Collector URL (used by the default `post`). */
  collectorUrl?: string;
  /** N: lines per batch. */
  batchSize?: number;
  /** T: ms after a batch's first line before it is sent anyway. */
  batchDelayMs?: number;
  /** K: requests in flight at most. */
  maxInFlight?: number;
  /** Retries after the first attempt. */
  maxRetries?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  requestTimeoutMs?: number;
  /** How often to look for new data at end of file. */
  pollMs?: number;
  /** How long a graceful shutdown may take. */
  shutdownDeadlineMs?: number;
  /** Admin TCP port; 0 picks one, `null` disables it. */
  adminPort?: number | null;
  /** Jitter source in [0, 1). */
  random?: () => number;
  /** Transport; defaults to a gzip POST with `fetch`. */
  post?: PostFn;
  agentId?: string;
  /** Send a SHA-256 of each body, hashed in the Worker pool. */
  checksum?: boolean;
}

/** What `stats` reports. */
export interface Stats {
  linesRead: number;
  linesShipped: number;
  linesFailed: number;
  batchesSent: number;
  retries: number;
  inFlight: number;
  peakInFlight: number;
  rotations: number;
  queued: number;
  paused: boolean;
}

/** What a shutdown reports. */
export interface ShutdownReport {
  timedOut: boolean;
  elapsedMs: number;
  shipped: number;
  failed: number;
  lost: number;
}

/** A retry as it happened: for tests and logs. */
export interface RetryEvent {
  batchId: string;
  attempt: number;
  at: number;
  delayMs: number;
  error: string;
}

const FLUSH = Symbol("flush");
type Item = LogRecord | typeof FLUSH;

/** Parses a line: a JSON object keeps its fields, anything else is text. */
export function parseLine(
  text: string,
  source: string,
  line: number,
): LogRecord {
  const trimmed = text.replace(/\r?\n$/, "");
  if (trimmed.startsWith("{")) {
    try {
      const obj = JSON.parse(trimmed);
      if (obj && typeof obj === "object" && !Array.isArray(obj)) {
        const { msg, message, level, ...fields } = obj as Record<
          string,
          unknown
        >;
        return {
          source,
          line,
          msg: String(msg ?? message ?? ""),
          level: typeof level === "string" ? level : undefined,
          fields,
        };
      }
    } catch {
      // not JSON after all: plain text
    }
  }
  return { source, line, msg: trimmed };
}

/** A batch as NDJSON text. */
export function ndjson(batch: Batch): string {
  return batch.records.map((r) => JSON.stringify(r) + "\n").join("");
}

/** Gzipped NDJSON of a batch, as a `ReadableStream`. */
export function encodeBatch(batch: Batch): ReadableStream<Uint8Array> {
  return new Blob([ndjson(batch)]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
}

const HASH_WORKER = new URL("./hash_worker.ts", import.meta.url);

/**
 * The default transport: POST with `fetch`, the signal wired in. With
 * `checksum`, the body's SHA-256 is computed in the loop's Worker pool and
 * sent as `x-checksum`.
 */
export function fetchPost(url: string, checksum = false): PostFn {
  return async (batch, signal) => {
    const headers: Record<string, string> = {
      "content-type": "application/x-ndjson",
      "content-encoding": "gzip",
      "idempotency-key": batch.id,
    };
    if (checksum) {
      headers["x-checksum"] = await runInExecutor<string>(
        HASH_WORKER,
        "sha256hex",
        ndjson(batch),
      );
    }
    const res = await fetch(url, {
      method: "POST",
      headers,
      body: encodeBatch(batch),
      signal,
    });
    await res.body?.cancel();
    if (!res.ok) throw new HttpError(res.status);
  };
}

/** Backoff before retry `attempt` (0-based): equal jitter, capped. */
export function backoffMs(
  attempt: number,
  base: number,
  max: number,
  random: () => number,
): number {
  const ceiling = Math.min(max, base * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * ceiling / 2);
}

/** The agent. Create it, then `run()` inside an aio loop. */
export class Agent {
  readonly opts: Required<Omit<AgentOptions, "post" | "collectorUrl">> & {
    post: PostFn;
  };
  readonly retryLog: RetryEvent[] = [];
  #queue = new Queue<Item>();
  #sem: Semaphore;
  #stopTailing = new Event();
  #resumed = new Event();
  #quit = new Event();
  #stopped = new Event();
  #report?: ShutdownReport;
  #tailers: Task<void>[] = [];
  #pipeline?: Task<void>;
  #server?: Server;
  #batchSeq = 0;
  #stats = {
    linesRead: 0,
    linesShipped: 0,
    linesFailed: 0,
    batchesSent: 0,
    retries: 0,
    inFlight: 0,
    peakInFlight: 0,
    rotations: 0,
  };

  constructor(options: AgentOptions = {}) {
    const post = options.post ??
      (options.collectorUrl
        ? fetchPost(options.collectorUrl, options.checksum)
        : undefined);
    if (!post) throw new TypeError("need collectorUrl or post");
    this.opts = {
      files: options.files ?? [],
      batchSize: options.batchSize ?? 100,
      batchDelayMs: options.batchDelayMs ?? 1_000,
      maxInFlight: options.maxInFlight ?? 4,
      maxRetries: options.maxRetries ?? 5,
      baseBackoffMs: options.baseBackoffMs ?? 100,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
      requestTimeoutMs: options.requestTimeoutMs ?? 5_000,
      pollMs: options.pollMs ?? 200,
      shutdownDeadlineMs: options.shutdownDeadlineMs ?? 5_000,
      adminPort: options.adminPort === undefined ? 0 : options.adminPort,
      random: options.random ?? Math.random,
      agentId: options.agentId ?? crypto.randomUUID().slice(0, 8),
      checksum: options.checksum ?? false,
      post,
    };
    this.#sem = new Semaphore(this.opts.maxInFlight);
    this.#resumed.set();
  }

  /** The admin port (after `start()`). */
  get adminPort(): number {
    return this.#server?.port ?? 0;
  }

  stats(): Stats {
    return {
      ...this.#stats,
      queued: this.#queue.qsize(),
      paused: !this.#resumed.isSet(),
    };
  }

  /** Feeds one raw line (what the tailers do; also for stdin sources). */
  ingestLine(source: string, line: number, text: string): void {
    this.#stats.linesRead++;
    this.#queue.putNowait(parseLine(text, source, line));
  }

  /** Sends the batch being built now, without waiting for N or T. */
  flush(): void {
    if (!this.#queue.isShutdown()) this.#queue.putNowait(FLUSH);
  }

  pause(): void {
    this.#resumed.clear();
  }

  resume(): void {
    this.#resumed.set();
  }

  /** Asks for a graceful shutdown (a `quit`, a signal). */
  requestQuit(): void {
    this.#quit.set();
  }

  /** Starts the admin port, the tailers and the pipeline. */
  async start(): Promise<void> {
    if (this.opts.adminPort !== null) {
      this.#server = await startServer(
        (r, w) => this.#admin(r, w),
        { hostname: "127.0.0.1", port: this.opts.adminPort },
      );
    }
    this.#tailers = this.opts.files.map((path) =>
      createTask(() => this.#tail(path), { name: `tail ${path}` })
    );
    this.#pipeline = createTask(
      () => taskGroup(async (tg) => await this.#batchLoop(tg)),
      { name: "pipeline" },
    );
  }

  /** Runs until `quit`, then shuts down gracefully. */
  async run(): Promise<ShutdownReport> {
    await this.start();
    return await this.serve();
  }

  /** After `start()`: waits for `quit`, then shuts down gracefully. */
  async serve(): Promise<ShutdownReport> {
    try {
      await this.#quit.wait();
    } catch (e) {
      // Cancelled (a SIGINT under run(), a parent giving up): no grace.
      await this.#cancelAll();
      this.#server?.close();
      await this.#server?.waitClosed();
      throw e;
    }
    return await this.shutdown();
  }

  /** Waits for the report of a shutdown that another task runs. */
  async stopped(): Promise<ShutdownReport> {
    await this.#stopped.wait();
    return this.#report!;
  }

  /**
   * Stops tailing, ships what is queued within the deadline, cancels what is
   * left, and reports what was lost.
   */
  async shutdown(): Promise<ShutdownReport> {
    const loop = getRunningLoop();
    const start = loop.time();
    this.#stopTailing.set();
    this.#resumed.set();
    this.#server?.close();
    let timedOut = false;
    try {
      await timeoutAt(start + this.opts.shutdownDeadlineMs, async () => {
        // Tasks are library futures: Promise.all over them is fine.
        await Promise.all(this.#tailers);
        this.#queue.shutdown();
        if (this.#pipeline) await this.#pipeline;
      });
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      timedOut = true;
    }
    await this.#cancelAll();
    const s = this.#stats;
    this.#report = {
      timedOut,
      elapsedMs: loop.time() - start,
      shipped: s.linesShipped,
      failed: s.linesFailed,
      lost: s.linesRead - s.linesShipped - s.linesFailed,
    };
    this.#stopped.set();
    if (this.#server) {
      // Let a `quit` handler write its report, then drop idle admin clients.
      try {
        await waitFor(this.#server.waitClosed(), 1_000);
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        this.#server.closeClients();
        await this.#server.waitClosed();
      }
    }
    return this.#report;
  }

  /**
   * Ships the lines of a byte stream (stdin, a pipe) until it ends or the
   * agent stops. Call after `start()`.
   */
  addStream(name: string, readable: ReadableStream<Uint8Array>): void {
    this.#tailers.push(
      createTask(() => this.#readStream(name, readable), {
        name: `stream ${name}`,
      }),
    );
  }

  async #readStream(
    name: string,
    readable: ReadableStream<Uint8Array>,
  ): Promise<void> {
    const stop = new AbortController();
    const reader = readerFromStream(readable, { signal: stop.signal });
    // A task of its own: a `.then()` on the event would tie it to ours.
    const stopper = createTask(async () => {
      await this.#stopTailing.wait();
      stop.abort(new Error("agent stopping"));
    });
    const decoder = new TextDecoder();
    let lineNo = 0;
    try {
      while (true) {
        if (!this.#resumed.isSet()) await this.#resumed.wait();
        let line: Uint8Array;
        try {
          line = await reader.readLine();
        } catch (e) {
          if (!(stop.signal.aborted && e === stop.signal.reason)) throw e;
          // Stopped: a last line without its newline is still buffered,
          // and `read(n)` hands over what is left before the error.
          if (reader.bufferSize > 0) {
            const rest = await reader.read(reader.bufferSize);
            this.ingestLine(name, ++lineNo, decoder.decode(rest));
          }
          break;
        }
        if (line.length === 0) break;
        this.ingestLine(name, ++lineNo, decoder.decode(line));
      }
    } finally {
      stopper.cancel();
    }
  }

  async #cancelAll(): Promise<void> {
    const tasks = [...this.#tailers, ...this.#pipeline ? [this.#pipeline] : []];
    for (const t of tasks) if (!t.done()) t.cancel();
    for (const t of tasks) {
      try {
        await t;
      } catch (e) {
        if (!(e instanceof CancelledError)) console.error("agent:", e);
      }
    }
  }

  async #tail(path: string): Promise<void> {
    await using file = await openFile(path);
    const decoder = new TextDecoder();
    let partial = "";
    let lineNo = 0;
    while (true) {
      if (!this.#resumed.isSet()) await this.#resumed.wait();
      const chunk = await file.readLine();
      if (chunk.length === 0) {
        if (this.#stopTailing.isSet()) break;
        // The next read gets what is appended meanwhile (as a Python
        // file's). A file now shorter than our position was truncated
        // (logrotate's copytruncate): start over from its beginning.
        const pos = await file.seek(0, Deno.SeekMode.Current);
        if ((await file.stat()).size < pos) {
          await file.seek(0, Deno.SeekMode.Start);
          partial = "";
          this.#stats.rotations++;
        }
        try {
          await waitFor(this.#stopTailing.wait(), this.opts.pollMs);
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
        }
        continue;
      }
      const text = partial + decoder.decode(chunk, { stream: true });
      if (!text.endsWith("\n")) {
        partial = text; // a line still being written
        continue;
      }
      partial = "";
      this.ingestLine(path, ++lineNo, text);
    }
    if (partial) this.ingestLine(path, ++lineNo, partial);
  }

  async #batchLoop(tg: TaskGroup): Promise<void> {
    while (true) {
      let first: Item;
      try {
        first = await this.#queue.get();
      } catch (e) {
        if (e instanceof QueueShutDown) return;
        throw e;
      }
      if (first === FLUSH) continue;
      const batch: LogRecord[] = [first];
      try {
        await timeout(this.opts.batchDelayMs, async () => {
          while (batch.length < this.opts.batchSize) {
            const item = await this.#queue.get();
            if (item === FLUSH) return;
            batch.push(item);
          }
        });
      } catch (e) {
        if (!(e instanceof TimeoutError) && !(e instanceof QueueShutDown)) {
          throw e;
        }
      }
      // Backpressure: wait for a free slot before building the next batch.
      await this.#sem.acquire();
      const b: Batch = {
        id: `${this.opts.agentId}-${++this.#batchSeq}`,
        records: batch,
      };
      tg.createTask(async () => {
        this.#stats.inFlight++;
        this.#stats.peakInFlight = Math.max(
          this.#stats.peakInFlight,
          this.#stats.inFlight,
        );
        try {
          await this.#ship(b);
          this.#stats.linesShipped += b.records.length;
          this.#stats.batchesSent++;
        } catch (e) {
          if (e instanceof CancelledError) throw e;
          this.#stats.linesFailed += b.records.length;
          console.error(`agent: batch ${b.id} dropped:`, String(e));
        } finally {
          this.#stats.inFlight--;
          this.#sem.release();
        }
      }, { name: `ship ${b.id}` });
    }
  }

  async #ship(batch: Batch): Promise<void> {
    const { maxRetries, baseBackoffMs, maxBackoffMs, random, post } = this.opts;
    for (let attempt = 0;; attempt++) {
      try {
        await timeout(
          this.opts.requestTimeoutMs,
          (scope) => post(batch, scope.signal),
        );
        return;
      } catch (e) {
        if (e instanceof CancelledError) throw e;
        if (attempt >= maxRetries) throw e;
        const delayMs = backoffMs(attempt, baseBackoffMs, maxBackoffMs, random);
        this.#stats.retries++;
        this.retryLog.push({
          batchId: batch.id,
          attempt,
          at: getRunningLoop().time(),
          delayMs,
          error: e instanceof Error ? e.name : String(e),
        });
        await sleep(delayMs);
      }
    }
  }

  async #admin(
    reader: StreamReader,
    writer: StreamWriter,
  ): Promise<void> {
    const decoder = new TextDecoder();
    for await (const raw of reader) {
      const cmd = decoder.decode(raw).trim();
      switch (cmd) {
        case "stats":
          writer.write(JSON.stringify(this.stats()) + "\n");
          break;
        case "flush":
          this.flush();
          writer.write("ok\n");
          break;
        case "pause":
          this.pause();
          writer.write("ok\n");
          break;
        case "resume":
          this.resume();
          writer.write("ok\n");
          break;
        case "quit": {
          this.requestQuit();
          const report = await this.stopped();
          writer.write(JSON.stringify(report) + "\n");
          await writer.drain();
          return;
        }
        case "":
          break;
        default:
          writer.write(`error unknown command ${JSON.stringify(cmd)}\n`);
      }
      await writer.drain();
    }
  }
}

if (import.meta.main) {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (const arg of Deno.args) {
    const m = arg.match(/^--([a-z-]+)=(.*)$/);
    if (m) flags.set(m[1]!, m[2]!);
    else positional.push(arg);
  }
  const [url, ...files] = positional;
  if (!url || files.length === 0) {
    console.error(
      "usage: agent.ts [--admin-port=N] [--batch-size=N] [--batch-delay-ms=T]" +
        " COLLECTOR_URL FILE...",
    );
    Deno.exit(2);
  }
  const num = (name: string) =>
    flags.has(name) ? Number(flags.get(name)) : undefined;
  const report = await run(async () => {
    const agent = new Agent({
      collectorUrl: url,
      files: files.filter((f) => f !== "-"),
      adminPort: num("admin-port") ?? 9901,
      batchSize: num("batch-size"),
      batchDelayMs: num("batch-delay-ms"),
      pollMs: num("poll-ms"),
    });
    const onTerm = () => agent.requestQuit();
    Deno.addSignalListener("SIGTERM", onTerm);
    try {
      await agent.start();
      if (files.includes("-")) agent.addStream("stdin", Deno.stdin.readable);
      console.error(`agent: admin port ${agent.adminPort}`);
      return await agent.serve();
    } finally {
      Deno.removeSignalListener("SIGTERM", onTerm);
    }
  });
  console.error(`agent: stopped ${JSON.stringify(report)}`);
}
