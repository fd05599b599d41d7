/**
 * A line-based chat server on aio streams.
 *
 * Protocol, one line each way:
 * - client: `NICK name`, then `MSG text`, `PING` (keep-alive) or `QUIT`;
 * - server: `WELCOME name`, `name: text`, `JOIN name`, `LEAVE name (why)`,
 *   then `BYE why` before it closes the connection.
 *
 * Messages go through a hub `Queue` to one bounded outbox `Queue` per
 * client; a per-client `taskGroup` runs its reader and its writer pump
 * (`write` + `drain()`). A client silent for `idleMs` is dropped
 * (`waitFor(reader.readLine(), idleMs)`); a client whose outbox fills up
 * (it does not read, so `drain()` blocks) is kicked.
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 tests/user/chat.ts
 * ```
 *
 * @module
 */
import {
  CancelledError,
  createTask,
  currentTask,
  type Task,
  taskGroup,
  TimeoutError,
  waitFor,
} from "@aio/asyncio/task";
import { Queue, QueueFull, QueueShutDown } from "@aio/asyncio/sync";
import {
  type Server,
  startServer,
  type StreamReader,
  type StreamWriter,
} from "@aio/asyncio/io";

const decoder = new TextDecoder();

/** Settings of the chat server. */
export interface ChatOptions {
  /** Drop a client that sends nothing for this long. */
  idleMs: number;
  /** Lines waiting for a client before it counts as too slow. */
  outboxSize: number;
}

interface Client {
  nick: string;
  outbox: Queue<string>;
  writer: StreamWriter;
  reading?: Task<void>;
  reason?: string;
}

/** A running chat server; `await using` stops it gracefully. */
export class ChatServer implements AsyncDisposable {
  /** `join nick`, `leave nick (reason)`, in order. */
  readonly events: string[] = [];
  /** Messages relayed by the hub. */
  relayed = 0;
  readonly #options: ChatOptions;
  readonly #clients = new Map<string, Client>();
  readonly #handlers = new Set<Task<unknown>>();
  readonly #hub = new Queue<{ from: string; text: string }>(256);
  #server!: Server;
  #hubTask!: Task<void>;
  #stopping = false;

  private constructor(options: ChatOptions) {
    this.#options = options;
  }

  /** Starts a server on a free loopback port. Call inside a task. */
  static async start(options: ChatOptions): Promise<ChatServer> {
    const chat = new ChatServer(options);
    chat.#hubTask = createTask(() => chat.#hubLoop(), { name: "hub" });
    chat.#server = await startServer(
      (reader, writer) => chat.#handle(reader, writer),
      { port: 0 },
    );
    return chat;
  }

  /** The port clients connect to. */
  get port(): number {
    return this.#server.port;
  }

  /** Nicknames of the clients connected now. */
  get nicks(): string[] {
    return [...this.#clients.keys()];
  }

  async #hubLoop(): Promise<void> {
    for await (const { from, text } of this.#hub) {
      this.relayed++;
      for (const c of this.#clients.values()) {
        if (c.nick === from || c.outbox.isShutdown()) continue;
        try {
          c.outbox.putNowait(`${from}: ${text}`);
        } catch (e) {
          if (!(e instanceof QueueFull)) throw e;
          this.#kick(c, "too slow");
        }
      }
    }
  }

  #announce(text: string): void {
    try {
      this.#hub.putNowait({ from: "server", text });
    } catch (e) {
      if (!(e instanceof QueueShutDown || e instanceof QueueFull)) throw e;
    }
  }

  #kick(c: Client, reason: string): void {
    c.reason ??= reason;
    c.outbox.shutdown(true); // drop what it did not read
    c.writer.abort(); // and what the socket holds: it does not read
    c.reading?.cancel();
  }

  async #handle(reader: StreamReader, writer: StreamWriter): Promise<void> {
    const me = currentTask()!;
    this.#handlers.add(me);
    try {
      const nick = await this.#hello(reader, writer);
      if (nick === null) return;
      const c: Client = {
        nick,
        outbox: new Queue<string>(this.#options.outboxSize),
        writer,
      };
      c.outbox.putNowait(`WELCOME ${nick}`);
      this.#clients.set(nick, c);
      this.events.push(`join ${nick}`);
      this.#announce(`JOIN ${nick}`);
      try {
        await taskGroup((tg) => {
          tg.createTask(() => this.#pump(c), { name: `pump-${nick}` });
          c.reading = tg.createTask(() => this.#readLoop(c, reader), {
            name: `read-${nick}`,
          });
        });
      } finally {
        this.#clients.delete(nick);
        this.events.push(`leave ${nick} (${c.reason})`);
        if (!this.#stopping) this.#announce(`LEAVE ${nick} (${c.reason})`);
      }
    } finally {
      this.#handlers.delete(me);
    }
  }

  async #hello(r: StreamReader, w: StreamWriter): Promise<string | null> {
    let line: Uint8Array;
    try {
      line = await waitFor(r.readLine(), this.#options.idleMs);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      w.write("BYE idle\n");
      return null;
    }
    const m = /^NICK (\w+)\n$/.exec(decoder.decode(line));
    if (!m || this.#clients.has(m[1]!) || this.#stopping) {
      w.write(`BYE ${m ? "nick taken" : "expected NICK"}\n`);
      return null;
    }
    return m[1]!;
  }

  async #pump(c: Client): Promise<void> {
    for await (const line of c.outbox) {
      // A kick aborts the writer; a line handed to us just before is moot.
      if (c.writer.isClosing()) return;
      c.writer.write(line + "\n");
      await c.writer.drain(); // backpressure: waits while the peer is behind
    }
  }

  async #readLoop(c: Client, reader: StreamReader): Promise<void> {
    try {
      while (true) {
        let line: Uint8Array;
        try {
          line = await waitFor(reader.readLine(), this.#options.idleMs);
        } catch (e) {
          if (e instanceof TimeoutError) {
            c.reason ??= "idle";
            return;
          }
          throw e;
        }
        if (line.length === 0) {
          c.reason ??= "eof";
          return;
        }
        const text = decoder.decode(line).replace(/\n$/, "");
        if (text === "QUIT") {
          c.reason ??= "quit";
          return;
        }
        if (text.startsWith("MSG ")) {
          try {
            await this.#hub.put({ from: c.nick, text: text.slice(4) });
          } catch (e) {
            if (e instanceof QueueShutDown) return; // stopping
            throw e;
          }
        }
      }
    } catch (e) {
      if (!(e instanceof CancelledError)) {
        c.reason ??= `error: ${e}`;
        throw e;
      }
      c.reason ??= "shutdown";
    } finally {
      // Say goodbye through the outbox, so it comes after what is queued.
      if (!c.outbox.isShutdown()) {
        if (!c.outbox.full()) c.outbox.putNowait(`BYE ${c.reason}`);
        c.outbox.shutdown(false);
      }
    }
  }

  /**
   * Stops gracefully: no new connections, the hub delivers what it holds,
   * every client gets `BYE shutdown` after its queued lines, then the
   * connections close.
   */
  async stop(): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#server.close();
    this.#hub.shutdown(false);
    await this.#hubTask;
    for (const c of this.#clients.values()) {
      c.reason ??= "shutdown";
      c.reading?.cancel();
    }
    // Connections still saying hello are not clients yet.
    const registered = new Set(
      [...this.#clients.values()].map((c) => c.reading?.parent),
    );
    for (const h of this.#handlers) if (!registered.has(h)) h.cancel();
    await this.#server.waitClosed();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}

if (import.meta.main) {
  const { openConnection } = await import("@aio/asyncio/io");
  const { run, sleep } = await import("@aio/asyncio/task");
  await run(async () => {
    await using chat = await ChatServer.start({ idleMs: 2000, outboxSize: 64 });
    const [r1, w1] = await openConnection({ port: chat.port });
    const [r2, w2] = await openConnection({ port: chat.port });
    w1.write("NICK ann\n");
    w2.write("NICK bob\n");
    await sleep(50);
    w1.write("MSG hello bob\n");
    w2.write("MSG hi ann\n");
    await sleep(50);
    w1.write("QUIT\n");
    w2.write("QUIT\n");
    for (const [name, r] of [["ann", r1], ["bob", r2]] as const) {
      for await (const line of r) {
        console.log(`${name} <- ${decoder.decode(line).trim()}`);
      }
    }
    await w1[Symbol.asyncDispose]();
    await w2[Symbol.asyncDispose]();
    console.log(chat.events);
  });
}
