/**
 * A small Redis-like key-value server over TCP, one command per line.
 *
 *   PING                   -> PONG
 *   SET key value...       -> OK            (clears a TTL)
 *   GET key                -> VALUE v | NIL
 *   DEL key...             -> INT n
 *   EXPIRE key ms          -> INT 1 | INT 0 (TTL on the loop's timers)
 *   TTL key                -> INT ms | INT -1 (no ttl) | INT -2 (no key)
 *   PUBLISH ch msg...      -> INT receivers
 *   SUBSCRIBE ch           -> SUBSCRIBED ch, then MESSAGE ch msg lines;
 *                             the client sends UNSUBSCRIBE (or hangs up).
 *   QUIT                   -> BYE, then the server closes
 *
 * Expired keys publish `MESSAGE __expired__ key` on channel `__expired__`.
 *
 * Each subscriber has a bounded queue. The slow-subscriber policy says what
 * happens when it is full: "disconnect" kicks the subscriber (it gets
 * `ERR slow subscriber` if anything can still be sent), "dropOldest" drops
 * its oldest pending message.
 *
 * Run: deno run --allow-net=127.0.0.1 tests/user3/kv.ts
 */
import {
  Event,
  getRunningLoop,
  LimitOverrunError,
  Queue,
  QueueFull,
  QueueShutDown,
  run,
  type Server,
  startServer,
  type StreamReader,
  type StreamWriter,
  taskGroup,
  timeout,
  TimeoutError,
  type TimerHandle,
} from "../../mod.ts";

export type SlowPolicy = "disconnect" | "dropOldest";

export interface KvOptions {
  port?: number;
  /** Per-subscriber queue bound. */
  subscriberQueue?: number;
  slowPolicy?: SlowPolicy;
}

interface Entry {
  value: string;
  timer?: TimerHandle;
  expiresAt?: number;
}

interface Subscriber {
  id: number;
  channel: string;
  queue: Queue<string>;
  writer: StreamWriter;
  kicked: boolean;
  dropped: number;
  done: Event;
}

export interface KvStats {
  commands: number;
  expired: number;
  kicked: number;
  droppedMessages: number;
  connectionsServed: number;
}

class SlowSubscriber extends Error {
  override name = "SlowSubscriber";
}

const dec = new TextDecoder();

export class KvServer {
  readonly #data = new Map<string, Entry>();
  readonly #channels = new Map<string, Set<Subscriber>>();
  readonly #opts: Required<KvOptions>;
  #server?: Server;
  #nextSub = 1;
  #closing = false;
  readonly stats: KvStats = {
    commands: 0,
    expired: 0,
    kicked: 0,
    droppedMessages: 0,
    connectionsServed: 0,
  };

  constructor(options: KvOptions = {}) {
    this.#opts = {
      port: options.port ?? 0,
      subscriberQueue: options.subscriberQueue ?? 16,
      slowPolicy: options.slowPolicy ?? "disconnect",
    };
  }

  get port(): number {
    return this.#server!.port;
  }

  get connectionCount(): number {
    return this.#server?.connectionCount ?? 0;
  }

  get keyCount(): number {
    return this.#data.size;
  }

  subscriberCount(channel: string): number {
    return this.#channels.get(channel)?.size ?? 0;
  }

  async start(): Promise<this> {
    this.#server = await startServer(
      (r, w) => this.#handle(r, w),
      { port: this.#opts.port },
    );
    return this;
  }

  /**
   * Graceful shutdown: stop accepting, let subscribers drain what is queued
   * for them (up to `graceMs`), close clients after their buffered replies,
   * and abort whoever is still stuck after the grace period.
   */
  async shutdown(graceMs = 1_000): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const server = this.#server!;
    server.close();
    for (const subs of this.#channels.values()) {
      for (const s of subs) s.queue.shutdown(); // drain, then the pump ends
    }
    for (const e of this.#data.values()) e.timer?.cancel();
    try {
      await timeout(graceMs, async () => {
        // Subscribers drain on their own; command clients are idle between
        // lines, so closing after their buffered replies is safe.
        // Each subscriber's handler ends once its queue is drained and BYE
        // is written.
        await Promise.all(
          [...this.#channels.values()].flatMap((subs) =>
            [...subs].map((s) => s.done.wait())
          ),
        );
        server.closeClients();
        await server.waitClosed();
      });
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      server.abortClients();
      await server.waitClosed();
    }
  }

  publish(channel: string, message: string): number {
    const subs = this.#channels.get(channel);
    if (!subs) return 0;
    let n = 0;
    for (const s of [...subs]) {
      const line = `MESSAGE ${channel} ${message}\n`;
      try {
        s.queue.putNowait(line);
        n++;
      } catch (e) {
        if (e instanceof QueueShutDown) continue;
        if (!(e instanceof QueueFull)) throw e;
        if (this.#opts.slowPolicy === "dropOldest") {
          s.queue.getNowait();
          s.queue.taskDone();
          s.dropped++;
          this.stats.droppedMessages++;
          s.queue.putNowait(line);
          n++;
        } else {
          this.#kick(s);
        }
      }
    }
    return n;
  }

  #kick(s: Subscriber): void {
    if (s.kicked) return;
    s.kicked = true;
    this.stats.kicked++;
    this.stats.droppedMessages += s.queue.qsize();
    this.#channels.get(s.channel)?.delete(s);
    s.queue.shutdown(true);
    // The pump may be parked in drain() on a peer that does not read.
    s.writer.abort();
  }

  #expire(key: string): void {
    const e = this.#data.get(key);
    if (!e) return;
    this.#data.delete(key);
    this.stats.expired++;
    this.publish("__expired__", key);
  }

  #setTtl(key: string, e: Entry, ms: number): void {
    e.timer?.cancel();
    const loop = getRunningLoop();
    e.timer = loop.callLater(ms, () => this.#expire(key));
    e.expiresAt = loop.time() + ms;
  }

  #command(line: string): string | { subscribe: string } | { quit: true } {
    this.stats.commands++;
    const [cmd = "", ...rest] = line.split(" ");
    switch (cmd.toUpperCase()) {
      case "PING":
        return "PONG";
      case "SET": {
        const [key, ...value] = rest;
        if (!key) return "ERR usage: SET key value";
        const old = this.#data.get(key);
        old?.timer?.cancel();
        this.#data.set(key, { value: value.join(" ") });
        return "OK";
      }
      case "GET": {
        const e = rest[0] === undefined ? undefined : this.#data.get(rest[0]);
        return e ? `VALUE ${e.value}` : "NIL";
      }
      case "DEL": {
        let n = 0;
        for (const key of rest) {
          const e = this.#data.get(key);
          if (e) {
            e.timer?.cancel();
            this.#data.delete(key);
            n++;
          }
        }
        return `INT ${n}`;
      }
      case "EXPIRE": {
        const [key, msText] = rest;
        const ms = Number(msText);
        if (!key || !Number.isFinite(ms)) return "ERR usage: EXPIRE key ms";
        const e = this.#data.get(key);
        if (!e) return "INT 0";
        this.#setTtl(key, e, ms);
        return "INT 1";
      }
      case "TTL": {
        const e = rest[0] === undefined ? undefined : this.#data.get(rest[0]);
        if (!e) return "INT -2";
        if (e.expiresAt === undefined) return "INT -1";
        return `INT ${
          Math.max(0, Math.round(e.expiresAt - getRunningLoop().time()))
        }`;
      }
      case "PUBLISH": {
        const [channel, ...msg] = rest;
        if (!channel) return "ERR usage: PUBLISH channel message";
        return `INT ${this.publish(channel, msg.join(" "))}`;
      }
      case "SUBSCRIBE": {
        if (!rest[0]) return "ERR usage: SUBSCRIBE channel";
        return { subscribe: rest[0] };
      }
      case "QUIT":
        return { quit: true };
      default:
        return `ERR unknown command ${cmd}`;
    }
  }

  async #handle(reader: StreamReader, writer: StreamWriter): Promise<void> {
    this.stats.connectionsServed++;
    while (true) {
      let raw: Uint8Array;
      try {
        raw = await reader.readLine();
      } catch (e) {
        if (!(e instanceof LimitOverrunError)) throw e;
        // Protocol error: answer, then hang up once the peer is done
        // sending (closing with unread data would reset the connection and
        // could destroy the answer).
        writer.write("ERR line too long\n");
        await writer.drain();
        while ((await reader.read(1 << 16)).length > 0);
        return;
      }
      if (raw.length === 0) return; // EOF
      const line = dec.decode(raw).replace(/\r?\n$/, "");
      if (line === "") continue;
      const reply = this.#command(line);
      if (typeof reply === "string") {
        writer.write(reply + "\n");
        await writer.drain();
      } else if ("quit" in reply) {
        writer.write("BYE\n");
        return;
      } else {
        await this.#subscribe(reply.subscribe, reader, writer);
        return;
      }
    }
  }

  async #subscribe(
    channel: string,
    reader: StreamReader,
    writer: StreamWriter,
  ): Promise<void> {
    if (this.#closing) {
      writer.write("ERR shutting down\n");
      return;
    }
    const sub: Subscriber = {
      id: this.#nextSub++,
      channel,
      queue: new Queue<string>(this.#opts.subscriberQueue),
      writer,
      kicked: false,
      dropped: 0,
      done: new Event(),
    };
    let subs = this.#channels.get(channel);
    if (!subs) this.#channels.set(channel, subs = new Set());
    subs.add(sub);
    writer.write(`SUBSCRIBED ${channel}\n`);
    try {
      await taskGroup(async (tg) => {
        // Control: the client may UNSUBSCRIBE or hang up.
        const control = tg.createTask(async () => {
          for await (const raw of reader) {
            const cmd = dec.decode(raw).trim().toUpperCase();
            if (cmd === "UNSUBSCRIBE") break;
            if (cmd === "PING") sub.queue.putNowait("PONG\n");
          }
          subs.delete(sub);
          sub.queue.shutdown(); // pump drains, then ends
        }, { name: `control-${sub.id}` });
        // Pump: queue -> socket, with backpressure.
        tg.createTask(async () => {
          for await (const msg of sub.queue) {
            writer.write(msg);
            sub.queue.taskDone();
            await writer.drain();
          }
          if (sub.kicked) throw new SlowSubscriber(`subscriber ${sub.id}`);
          // Queue shut down by the server: say goodbye.
          if (!writer.isClosing()) {
            writer.write("BYE\n");
            await writer.drain();
          }
          control.cancel(); // the connection is done
        }, { name: `pump-${sub.id}` });
      });
    } catch (e) {
      if (
        !(e instanceof AggregateError &&
          e.errors.every((x) => x instanceof SlowSubscriber || isConnError(x)))
      ) throw e;
    } finally {
      subs.delete(sub);
      sub.done.set();
    }
  }
}

function isConnError(e: unknown): boolean {
  return e instanceof Deno.errors.ConnectionReset ||
    e instanceof Deno.errors.BrokenPipe;
}

if (import.meta.main) {
  await run(async (signal) => {
    const kv = await new KvServer({ port: 6380 }).start();
    console.log(`kv listening on 127.0.0.1:${kv.port}`);
    await new Promise<void>((resolve) =>
      signal.addEventListener("abort", () => resolve(), { once: true })
    );
    await kv.shutdown();
  });
}
