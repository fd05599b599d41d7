/**
 * A small pub/sub broker over TCP (see protocol.ts), plus an HTTP bridge.
 *
 *   deno run --allow-net=127.0.0.1 tests/user6/broker.ts
 *
 * Backpressure: every subscriber has its own outbound queue and a sender
 * task that writes and drains. A publisher waits for subscribers that lag
 * (more than half their budget queued), for `graceMs` at most; one still
 * lagging then, or one whose queue would pass its budget, is disconnected
 * (its writer aborted). So a reader that stops reading costs the broker at
 * most `budget` bytes and stalls one publisher for `graceMs` at most.
 *
 * @module
 */
import {
  IncompleteReadError,
  openConnection,
  readerFromStream,
  type Server,
  startServer,
  type StreamReader,
  type StreamWriter,
} from "@aio/asyncio/io";
import {
  createTask,
  run,
  taskGroup,
  timeout,
  TimeoutError,
} from "@aio/asyncio/task";
import { Event, Queue } from "@aio/asyncio/sync";
import {
  encodeFrame,
  type Frame,
  FrameReader,
  MAX_DATA,
  MAX_FRAME,
  OP,
  ProtocolError,
} from "./protocol.ts";

export interface HubStats {
  published: number;
  delivered: number;
  dropped: number;
  /** Highest queued-bytes figure any one subscriber reached. */
  peakQueued: number;
}

/**
 * One subscriber's outbound side: a byte-budgeted queue and its sender.
 * Above `high` queued bytes the subscriber is lagging: publishers wait for
 * it (for a grace period at most); `budget` is a hard cap.
 */
export class Outbox {
  readonly #queue = new Queue<Uint8Array>();
  readonly #room = new Event();
  #queued = 0;
  #dropped = false;
  readonly high: number;

  constructor(
    readonly writer: StreamWriter,
    readonly budget: number,
    readonly stats: HubStats,
  ) {
    this.high = Math.floor(budget / 2);
    this.#room.set();
  }

  get queuedBytes(): number {
    return this.#queued;
  }

  get dropped(): boolean {
    return this.#dropped;
  }

  get lagging(): boolean {
    return !this.#dropped && this.#queued > this.high;
  }

  /** Queues `frame` without waiting; drops the subscriber when over budget. */
  offer(frame: Uint8Array): boolean {
    if (this.#dropped || this.#queue.isShutdown()) return false;
    if (this.#queued + frame.length > this.budget) {
      this.drop();
      return false;
    }
    this.#queued += frame.length;
    this.stats.peakQueued = Math.max(this.stats.peakQueued, this.#queued);
    if (this.#queued > this.high) this.#room.clear();
    this.#queue.putNowait(frame);
    return true;
  }

  /** Waits until the subscriber is back under half its high mark (or dropped). */
  async waitForRoom(options?: { signal?: AbortSignal }): Promise<void> {
    while (this.lagging) await this.#room.wait(options);
  }

  /** Sends queued frames until the outbox is closed or dropped. */
  async pump(): Promise<void> {
    try {
      for await (const frame of this.#queue) {
        if (this.writer.isClosing()) break; // the server is closing its clients
        this.writer.write(frame);
        await this.writer.drain();
        this.#queued -= frame.length; // counted until the socket took it
        this.stats.delivered++;
        if (this.#queued <= this.high / 2) this.#room.set();
      }
    } catch (e) {
      if (!this.#dropped && !this.writer.isClosing()) throw e;
    }
  }

  /** A slow or gone peer: drop everything now. */
  drop(): void {
    if (this.#dropped) return;
    this.#dropped = true;
    this.stats.dropped++;
    this.#queue.shutdown(true);
    this.#queued = 0;
    this.#room.set();
    this.writer.abort();
  }

  /** No more frames will be offered; the sender finishes what is queued. */
  close(): void {
    this.#queue.shutdown();
  }
}

/** Topic fan-out, independent of the transport. */
export class Hub {
  readonly topics = new Map<string, Set<Outbox>>();
  readonly stats: HubStats = {
    published: 0,
    delivered: 0,
    dropped: 0,
    peakQueued: 0,
  };

  /**
   * @param budget the most bytes queued for one subscriber
   * @param graceMs how long a publisher waits for a lagging subscriber
   *   before the broker drops it
   */
  constructor(readonly budget = 4 * MAX_DATA, readonly graceMs = 1_000) {
    if (budget < MAX_FRAME + 4) throw new RangeError("budget below one frame");
  }

  outbox(writer: StreamWriter): Outbox {
    return new Outbox(writer, this.budget, this.stats);
  }

  subscribe(topic: string, box: Outbox): void {
    let subs = this.topics.get(topic);
    if (!subs) this.topics.set(topic, subs = new Set());
    subs.add(box);
  }

  unsubscribe(topic: string, box: Outbox): void {
    const subs = this.topics.get(topic);
    if (!subs) return;
    subs.delete(box);
    if (subs.size === 0) this.topics.delete(topic);
  }

  removeEverywhere(box: Outbox): void {
    for (const topic of [...this.topics.keys()]) this.unsubscribe(topic, box);
  }

  /**
   * Fans `data` out without waiting, then waits (at most `graceMs`) for the
   * subscribers left lagging, dropping those still lagging at the deadline.
   * Only the publishing connection waits: other publishers and the
   * subscribers' senders go on.
   */
  async publish(topic: string, data: Uint8Array): Promise<void> {
    this.stats.published++;
    const subs = this.topics.get(topic);
    if (!subs || subs.size === 0) return;
    const frame = encodeFrame(OP.MSG, topic, data); // one copy, shared
    const lagging: Outbox[] = [];
    for (const box of [...subs]) {
      if (!box.offer(frame)) this.unsubscribe(topic, box);
      else if (box.lagging) lagging.push(box);
    }
    if (lagging.length === 0) return;
    try {
      await timeout(this.graceMs, async () => {
        for (const box of lagging) await box.waitForRoom();
      });
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      for (const box of lagging) {
        if (box.lagging) {
          box.drop();
          this.unsubscribe(topic, box);
        }
      }
    }
  }

  /** Serves one connection: reads commands, while a sender drains its outbox. */
  async serveConnection(
    reader: StreamReader,
    writer: StreamWriter,
  ): Promise<void> {
    const box = this.outbox(writer);
    const frames = new FrameReader(reader);
    try {
      await taskGroup(async (tg) => {
        tg.createTask(() => box.pump(), { name: "outbox" });
        try {
          for (;;) {
            let f: Frame | null;
            try {
              f = await frames.next();
            } catch (e) {
              if (box.dropped) break; // we aborted the socket ourselves
              throw e;
            }
            if (f === null) break;
            await this.#dispatch(f, box);
          }
        } finally {
          this.removeEverywhere(box);
          box.close();
        }
      });
    } catch (e) {
      // A protocol error or a reset peer ends this connection only.
      const inner = e instanceof AggregateError ? e.errors[0] : e;
      if (
        !(inner instanceof ProtocolError) &&
        !(inner instanceof IncompleteReadError) && // cut mid-frame (a shutdown, a crashed peer)
        !(inner instanceof Deno.errors.ConnectionReset) &&
        !(inner instanceof Deno.errors.BrokenPipe)
      ) throw e;
      box.drop();
    }
  }

  async #dispatch(f: Frame, box: Outbox): Promise<void> {
    switch (f.op) {
      case OP.SUB:
        this.subscribe(f.topic, box);
        box.offer(encodeFrame(OP.ACK, f.topic));
        break;
      case OP.UNSUB:
        this.unsubscribe(f.topic, box);
        box.offer(encodeFrame(OP.ACK, f.topic));
        break;
      case OP.PUB:
        await this.publish(f.topic, f.data);
        break;
      default:
        throw new ProtocolError(`unknown op ${f.op}`);
    }
  }
}

export interface Broker extends AsyncDisposable {
  readonly hub: Hub;
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

/** Starts the TCP broker on 127.0.0.1. */
export async function startBroker(
  options: { port?: number; budget?: number; graceMs?: number } = {},
): Promise<Broker> {
  const hub = new Hub(options.budget, options.graceMs);
  const server = await startServer(
    (r, w) => hub.serveConnection(r, w),
    { hostname: "127.0.0.1", port: options.port ?? 0 },
  );
  const close = async () => {
    server.close();
    server.abortClients(); // slow peers must not hold the shutdown
    await server.waitClosed();
  };
  return {
    hub,
    server,
    port: server.port,
    close,
    [Symbol.asyncDispose]: close,
  };
}

// ---------------------------------------------------------------------------
// TCP client

export interface Message {
  topic: string;
  data: Uint8Array;
}

export class BrokerClient implements AsyncDisposable {
  readonly frames: FrameReader;
  readonly #pending: Message[] = [];

  private constructor(
    readonly reader: StreamReader,
    readonly writer: StreamWriter,
    mode: "exactly" | "into",
  ) {
    this.frames = new FrameReader(reader, mode);
  }

  static async connect(
    port: number,
    options: { mode?: "exactly" | "into"; signal?: AbortSignal } = {},
  ): Promise<BrokerClient> {
    const [r, w] = await openConnection({
      hostname: "127.0.0.1",
      port,
      signal: options.signal,
    });
    return new BrokerClient(r, w, options.mode ?? "exactly");
  }

  /** Subscribes and waits for the broker's ack. */
  async subscribe(topic: string): Promise<void> {
    this.writer.write(encodeFrame(OP.SUB, topic));
    await this.writer.drain();
    for (;;) {
      const f = await this.frames.next();
      if (f === null) throw new Deno.errors.UnexpectedEof("broker went away");
      if (f.op === OP.ACK && f.topic === topic) return;
      if (f.op === OP.MSG) this.#pending.push({ topic: f.topic, data: f.data });
    }
  }

  /** Queues a publish; `await flush()` (drain) for backpressure. */
  publish(topic: string, data: Uint8Array): void {
    this.writer.write(encodeFrame(OP.PUB, topic, data));
  }

  flush(options?: { signal?: AbortSignal }): Promise<void> {
    return this.writer.drain(options);
  }

  /** The next message, or `null` at EOF. */
  async next(options?: { signal?: AbortSignal }): Promise<Message | null> {
    const queued = this.#pending.shift();
    if (queued) return queued;
    for (;;) {
      const f = await this.frames.next(options);
      if (f === null) return null;
      if (f.op === OP.MSG) return { topic: f.topic, data: f.data };
    }
  }

  async close(): Promise<void> {
    this.writer.close();
    await this.writer.waitClosed();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

// ---------------------------------------------------------------------------
// HTTP bridge

export interface Bridge extends AsyncDisposable {
  readonly url: string;
  /** Streams currently open (subscriptions held for HTTP clients). */
  readonly open: number;
  close(): Promise<void>;
}

/**
 * `GET /sub/<topic>[?type=bytes]` streams the topic's frames, in the
 * broker's own wire format, once the subscription is live.
 * `POST /pub/<topic>` publishes the request body as one message.
 */
export async function startBridge(
  brokerPort: number,
  httpPort = 0,
): Promise<Bridge> {
  // One publishing connection: write() is synchronous, so publishes keep
  // the order their requests reached the bridge in.
  const pub = await BrokerClient.connect(brokerPort);
  // Open streams, each with the function that ends it at once.
  const streams = new Map<StreamWriter, () => void>();
  let closing = false;

  const handle = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const [, kind, rawTopic] = url.pathname.split("/");
    const topic = decodeURIComponent(rawTopic ?? "");
    if (kind === "pub" && req.method === "POST") {
      if (Number(req.headers.get("content-length") ?? 0) > MAX_DATA) {
        await req.body?.cancel();
        return new Response("too big\n", { status: 413 });
      }
      const data = req.body
        ? await readerFromStream(req.body).read() // to EOF
        : new Uint8Array(0);
      if (data.length > MAX_DATA) {
        return new Response("too big\n", { status: 413 });
      }
      pub.publish(topic, data);
      await pub.flush();
      return new Response(null, { status: 202 });
    }
    if (kind === "sub" && req.method === "GET") {
      if (closing) return new Response("closing\n", { status: 503 });
      const client = await BrokerClient.connect(brokerPort);
      await client.subscribe(topic);
      const done = () => {
        streams.delete(client.writer);
        client.writer.abort();
      };
      const bytes = url.searchParams.get("type") === "bytes";
      const { body, kill } = bytes
        ? rawByteStream(client.reader, done)
        : frameStream(client.frames, done);
      streams.set(client.writer, kill);
      return new Response(body, {
        headers: { "content-type": "application/octet-stream" },
      });
    }
    return new Response("not found\n", { status: 404 });
  };

  const http = Deno.serve({
    hostname: "127.0.0.1",
    port: httpPort,
    onListen: () => {},
    // Deno.serve calls us outside any task: give each request its own.
    handler: (req) =>
      createTask(() => handle(req), { name: `http ${req.method} ${req.url}` }),
  });

  const close = async () => {
    closing = true;
    // End the open streams now, dropping what their clients have not read:
    // Deno.serve's shutdown() waits for every response to finish.
    for (const kill of [...streams.values()]) kill();
    await http.shutdown();
    await pub.close();
  };
  return {
    url: `http://127.0.0.1:${http.addr.port}`,
    get open() {
      return streams.size;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

interface BridgeStream {
  body: ReadableStream<Uint8Array>;
  /** Ends the stream now with an error, and lets the subscription go. */
  kill: () => void;
}

/** A default stream: one chunk per frame (its header, then its payload). */
function frameStream(frames: FrameReader, done: () => void): BridgeStream {
  let ctl!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start: (c) => void (ctl = c),
    // pull() is a host callback: run the read as a task.
    pull: (controller) =>
      createTask(async () => {
        let payload: Uint8Array | null;
        try {
          payload = await frames.nextPayload();
        } catch {
          payload = null;
        }
        if (payload === null) {
          done();
          try {
            controller.close();
          } catch { /* killed meanwhile */ }
          return;
        }
        const head = new Uint8Array(4);
        new DataView(head.buffer).setUint32(0, payload.length);
        controller.enqueue(head);
        controller.enqueue(payload);
      }),
    cancel: done,
  }, { highWaterMark: 4 });
  return { body, kill: () => killStream(ctl, done) };
}

/** A byte stream fed with the reader's own results, enqueued as they are. */
function rawByteStream(reader: StreamReader, done: () => void): BridgeStream {
  let ctl!: ReadableByteStreamController;
  const body = new ReadableStream({
    type: "bytes",
    start: (c) => void (ctl = c),
    pull: (controller) =>
      createTask(async () => {
        let chunk: Uint8Array;
        try {
          chunk = await reader.read(64 * 1024);
        } catch {
          chunk = new Uint8Array(0);
        }
        if (chunk.length === 0) {
          done();
          try {
            controller.close();
          } catch { /* killed meanwhile */ }
          return;
        }
        controller.enqueue(chunk as Uint8Array<ArrayBuffer>); // transfers chunk.buffer
      }),
    cancel: done,
  });
  return { body, kill: () => killStream(ctl, done) };
}

function killStream(ctl: { error(e?: unknown): void }, done: () => void): void {
  done();
  try {
    ctl.error(new Error("bridge closing"));
  } catch { /* already closed */ }
}

/** Runs broker and bridge until cancelled (SIGINT), then shuts both down. */
export async function serve(
  ports: { tcp?: number; http?: number } = {},
  onReady?: (broker: Broker, bridge: Bridge) => void,
): Promise<void> {
  await using broker = await startBroker({ port: ports.tcp ?? 7070 });
  await using bridge = await startBridge(broker.port, ports.http ?? 0);
  onReady?.(broker, bridge);
  // Cancelling the task closes the server and its connections here, then
  // the `await using`s close the bridge and wait for the broker.
  await broker.server.serveForever();
}

if (import.meta.main) {
  await run(() =>
    serve({ tcp: 7070, http: 8080 }, (b, h) => {
      console.log(`broker on 127.0.0.1:${b.port}, bridge on ${h.url}`);
    })
  ).catch((e) => {
    if ((e as Error)?.name !== "CancelledError") throw e;
  });
}
