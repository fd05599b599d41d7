/**
 * A small Redis-like key-value server over a line protocol, on aio.
 *
 * Commands (one per line, UTF-8):
 *   SET k v...      -> +OK
 *   GET k           -> $v   or  _  (nil)
 *   DEL k           -> :1 / :0
 *   PING            -> +PONG
 *   SUBSCRIBE ch    -> +SUBSCRIBED ch, then ">ch msg" lines
 *   PUBLISH ch m... -> :n  (subscribers that got it)
 *   DEBUG SLEEP ms  -> +OK after ms (a slow in-flight command)
 *   REPORT n        -> "|line" per line of a subprocess' output, then ".END rc"
 *   QUIT            -> +BYE, then the server closes
 *
 * Backpressure for subscribers (documented contract): PUBLISH never waits for
 * subscribers. Each subscriber has a queue of `subscriberBuffer` messages; a
 * subscriber more than that many messages behind is disconnected with
 * "-ERR slow subscriber" (Redis' client-output-buffer-limit).
 */
import {
  createSubprocessExec,
  type Server,
  startServer,
  type StreamReader,
  type StreamWriter,
} from "@aio/asyncio/io";
import {
  CancelledError,
  createTask,
  shield,
  sleep,
  type Task,
  timeout,
  TimeoutError,
  waitFor,
} from "@aio/asyncio/task";
import {
  Event,
  Queue,
  QueueFull,
  QueueShutDown,
  Semaphore,
} from "@aio/asyncio/sync";

export interface KvOptions {
  /** Idle timeout per connection waiting for a command (ms). */
  idleTimeoutMs?: number;
  /** Concurrent connections served; others wait for a slot. */
  maxConnections?: number;
  /** How long a connection waits for a slot before "-ERR busy". */
  slotWaitMs?: number;
  /** Messages buffered per subscriber before it is dropped. */
  subscriberBuffer?: number;
}

export interface KvStats {
  connections: number;
  active: number;
  commands: number;
  idleClosed: number;
  slowDropped: number;
  reportsRun: number;
  reportsComplete: number;
}

const dec = () => new TextDecoder("utf-8", { fatal: false });

class Subscriber {
  readonly queue: Queue<string>;
  constructor(readonly writer: StreamWriter, size: number) {
    this.queue = new Queue<string>(size);
  }
  kick(stats: KvStats) {
    stats.slowDropped++;
    this.queue.shutdown(true);
    // The peer stopped reading: drop what is buffered (a waiting drain returns).
    this.writer.abort();
  }
}

export class KvCore {
  readonly store = new Map<string, string>();
  readonly channels = new Map<string, Set<Subscriber>>();
  readonly stats: KvStats = {
    connections: 0,
    active: 0,
    commands: 0,
    idleClosed: 0,
    slowDropped: 0,
    reportsRun: 0,
    reportsComplete: 0,
  };
  readonly idleTimeoutMs: number;
  readonly slotWaitMs: number;
  readonly subscriberBuffer: number;
  readonly slots: Semaphore;
  /** Aborted on shutdown: connections waiting for a command stop. */
  readonly stopping = new AbortController();
  /** Reports still running, shielded from their connection's end. */
  readonly reports = new Set<Task<void>>();

  constructor(opts: KvOptions = {}) {
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 30_000;
    this.slotWaitMs = opts.slotWaitMs ?? 5_000;
    this.subscriberBuffer = opts.subscriberBuffer ?? 64;
    this.slots = new Semaphore(opts.maxConnections ?? 100);
  }

  /** The per-connection handler (works on any reader/writer pair). */
  handle = async (reader: StreamReader, writer: StreamWriter) => {
    this.stats.connections++;
    let slot;
    try {
      slot = await waitFor(this.slots.lock(), this.slotWaitMs);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      writer.write("-ERR busy\n");
      await writer.drain().catch(() => {});
      return;
    }
    using _slot = slot;
    this.stats.active++;
    try {
      await this.#serve(reader, writer);
    } finally {
      this.stats.active--;
    }
  };

  async #serve(reader: StreamReader, writer: StreamWriter) {
    const d = dec();
    while (!this.stopping.signal.aborted) {
      let raw: Uint8Array;
      try {
        // Flush replies of a pipelined batch once nothing more is buffered.
        if (reader.bufferSize === 0) {
          try {
            await writer.drain();
          } catch {
            return; // the peer is gone
          }
        }
        raw = await timeout(
          this.idleTimeoutMs,
          () => reader.readLine({ signal: this.stopping.signal }),
        );
      } catch (e) {
        if (e instanceof TimeoutError) {
          this.stats.idleClosed++;
          writer.write("-ERR idle timeout\n");
          return;
        }
        if (this.stopping.signal.aborted) break;
        if (e instanceof Deno.errors.ConnectionReset) return;
        if (e instanceof Deno.errors.BrokenPipe) return;
        throw e;
      }
      if (raw.length === 0) return; // EOF
      const line = d.decode(raw).replace(/\r?\n$/, "");
      if (line === "") continue;
      this.stats.commands++;
      const [cmd = "", ...rest] = line.split(" ");
      switch (cmd.toUpperCase()) {
        case "PING":
          writer.write("+PONG\n");
          break;
        case "SET": {
          const [k, ...v] = rest;
          if (k === undefined) writer.write("-ERR usage: SET k v\n");
          else {
            this.store.set(k, v.join(" "));
            writer.write("+OK\n");
          }
          break;
        }
        case "GET": {
          const v = this.store.get(rest[0] ?? "");
          writer.write(v === undefined ? "_\n" : `$${v}\n`);
          break;
        }
        case "DEL":
          writer.write(this.store.delete(rest[0] ?? "") ? ":1\n" : ":0\n");
          break;
        case "PUBLISH": {
          const [ch = "", ...m] = rest;
          writer.write(`:${this.publish(ch, m.join(" "))}\n`);
          break;
        }
        case "DEBUG": {
          // An in-flight command: shutdown must let it finish.
          await sleep(Number(rest[1] ?? 0));
          writer.write("+OK\n");
          break;
        }
        case "REPORT":
          await this.#report(writer, Number(rest[0] ?? 10));
          break;
        case "SUBSCRIBE":
          await this.#subscribe(reader, writer, rest[0] ?? "");
          return;
        case "QUIT":
          writer.write("+BYE\n");
          return;
        default:
          writer.write(`-ERR unknown command '${cmd}'\n`);
      }
    }
    try {
      writer.write("-ERR shutting down\n");
    } catch {
      // the peer is gone (write() rethrows the failed write's error)
    }
  }

  publish(ch: string, msg: string): number {
    let n = 0;
    for (const sub of [...(this.channels.get(ch) ?? [])]) {
      try {
        sub.queue.putNowait(`>${ch} ${msg}\n`);
        n++;
      } catch (e) {
        if (e instanceof QueueFull) sub.kick(this.stats);
        else if (!(e instanceof QueueShutDown)) throw e;
      }
    }
    return n;
  }

  async #subscribe(reader: StreamReader, writer: StreamWriter, ch: string) {
    const sub = new Subscriber(writer, this.subscriberBuffer);
    let set = this.channels.get(ch);
    if (!set) this.channels.set(ch, set = new Set());
    set.add(sub);
    writer.write(`+SUBSCRIBED ${ch}\n`);
    const forward = createTask(async () => {
      try {
        for await (const m of sub.queue) {
          writer.write(m);
          await writer.drain();
        }
      } catch {
        // writer aborted or peer gone
      }
    });
    try {
      // Subscribers are exempt from the idle timeout; read until EOF/QUIT.
      while (!this.stopping.signal.aborted && !writer.isClosing()) {
        const l = await reader.readLine({ signal: this.stopping.signal });
        if (l.length === 0 || dec().decode(l).trim().toUpperCase() === "QUIT") {
          break;
        }
      }
    } catch {
      // shutdown, reset, or aborted by kick()
    } finally {
      set.delete(sub);
      if (set.size === 0) this.channels.delete(ch);
      sub.queue.shutdown(true);
      await forward;
      if (writer.isClosing() && !this.stopping.signal.aborted) {
        // kicked: nothing more to say
      }
    }
  }

  /**
   * Runs a report in a subprocess. The child's output is read to its end and
   * stored under "report:last" whatever happens to the client (shielded), and
   * streamed to the client as it comes.
   */
  async #report(writer: StreamWriter, n: number) {
    this.stats.reportsRun++;
    let clientGone = false;
    const work = createTask(async () => {
      await using proc = await createSubprocessExec("sh", [
        "-c",
        `i=1; while [ $i -le ${
          Math.max(0, Math.min(n, 100_000))
        } ]; do echo "report line $i ✓"; i=$((i+1)); done`,
      ], { stdout: "piped", stdin: "null" });
      const lines: string[] = [];
      const d = dec();
      for await (const l of proc.stdout!) {
        const s = d.decode(l).replace(/\n$/, "");
        lines.push(s);
        if (clientGone) continue;
        try {
          writer.write(`|${s}\n`);
          await writer.drain();
        } catch {
          clientGone = true; // keep reading: the report must be complete
        }
      }
      const rc = await proc.wait();
      this.store.set("report:last", lines.join("\u0001"));
      this.store.set("report:rc", String(rc));
      this.stats.reportsComplete++;
      if (!clientGone) {
        try {
          writer.write(`.END ${rc}\n`);
        } catch {
          clientGone = true;
        }
      }
    }, { name: "report" });
    this.reports.add(work);
    work.addDoneCallback(() => this.reports.delete(work));
    // The connection's task may be cancelled; the report goes on.
    while (!work.done()) {
      try {
        await shield(work);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
    }
    work.result();
  }
}

export interface KvServer {
  core: KvCore;
  server: Server;
  port: number;
  httpPort: number;
  /** Graceful shutdown: in-flight commands finish, then connections close. */
  shutdown(graceMs?: number): Promise<void>;
}

/** Starts the TCP server plus an HTTP stats endpoint (Deno.serve). */
export async function startKvServer(opts: KvOptions = {}): Promise<KvServer> {
  const core = new KvCore(opts);
  const server = await startServer(core.handle, {
    hostname: "127.0.0.1",
    port: 0,
  });
  const http = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    () => Response.json(core.stats),
  );
  let closing: Promise<void> | undefined;
  return {
    core,
    server,
    port: server.port,
    httpPort: http.addr.port,
    shutdown(graceMs = 5_000) {
      closing ??= (async () => {
        server.close();
        core.stopping.abort(new Error("shutting down"));
        try {
          await timeout(graceMs, () => server.waitClosed());
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
          server.abortClients();
          await server.waitClosed();
        }
        while (core.reports.size > 0) {
          await Promise.allSettled([...core.reports]);
        }
        await http.shutdown();
      })();
      return closing;
    },
  };
}

/**
 * The program's main: serves until its task is cancelled (SIGINT under
 * `run()`), then shuts down gracefully inside a `shield`, so in-flight
 * commands finish even though the task was cancelled.
 */
export async function serve(
  opts: KvOptions,
  onReady: (kv: KvServer) => void,
): Promise<void> {
  const kv = await startKvServer(opts);
  onReady(kv);
  try {
    await new Event().wait(); // forever, until cancelled
  } finally {
    await untilDone(shield(kv.shutdown()));
  }
}

/** Awaits a shielded future until it is done, through cancellations. */
async function untilDone(done: { done(): boolean } & PromiseLike<void>) {
  while (!done.done()) {
    try {
      await done;
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
    }
  }
}
