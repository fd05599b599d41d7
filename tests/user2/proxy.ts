/**
 * A small HTTP reverse proxy / load balancer: `Deno.serve` in front, aio TCP
 * streams to loopback backends behind it.
 *
 * - Each request runs in an aio task; `request.signal` (the client went away)
 *   cancels it, which closes the upstream connection it was using.
 * - A `Semaphore` bounds the requests in flight upstream; a request that
 *   cannot get a permit within `queueMs` gets a 503.
 * - Each attempt runs under its own `timeout()`, the whole request under
 *   another; failed attempts are retried on the next backend (round robin)
 *   after an exponential backoff `sleep()`. A backend that refuses
 *   connections is marked down for a while.
 * - Upstream connections are kept alive in a `LifoQueue` per backend.
 * - Large bodies are streamed to the client through a byte `ReadableStream`
 *   whose BYOB `pull()` uses `StreamReader.readInto()`.
 * - `checkHealth()` probes every backend with `fetch` (signal:
 *   `currentSignal()` under a `timeout()`), taking results with
 *   `asCompleted()`.
 *
 * The backends are aio `startServer()` servers speaking just enough
 * HTTP/1.1 (Content-Length bodies, keep-alive) for the proxy and for `fetch`.
 *
 * ```sh
 * deno run --allow-net=127.0.0.1 tests/user2/proxy.ts
 * ```
 *
 * @module
 */
import {
  asCompleted,
  CancelledError,
  createTask,
  currentSignal,
  run,
  sleep,
  type Task,
  timeout,
  TimeoutError,
  waitFor,
} from "@aio/asyncio/task";
import { getRunningLoop } from "@aio/asyncio/loop";
import {
  Event,
  type Guard,
  LifoQueue,
  QueueFull,
  Semaphore,
} from "@aio/asyncio/sync";
import {
  IncompleteReadError,
  openConnection,
  type Server,
  startServer,
  type StreamReader,
  type StreamWriter,
} from "@aio/asyncio/io";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The byte at offset `i` of a `/big/N` body. */
export const bigByte = (i: number): number => (i * 31 + 7) & 0xff;

// ---------------------------------------------------------------------------
// Backends
// ---------------------------------------------------------------------------

/** How a backend behaves. */
export interface BackendOptions {
  name: string;
  /** Wait this long before answering each request. */
  delayMs?: number;
  /** Close the connection instead of answering the first N requests. */
  dropFirst?: number;
  /** Close each connection after one answer, without saying so (a
   * keep-alive race: the proxy finds its idle connection dead). */
  oneShot?: boolean;
}

/**
 * A loopback HTTP/1.1 backend on an aio server. Paths:
 * `/id` (its name), `/echo/<text>`, `/slow/<ms>`, `/hang` (never answers;
 * waits for the peer to hang up), `/big/<n>` (n bytes, streamed with
 * `drain()`), `/health`.
 */
export class Backend implements AsyncDisposable {
  /** What happened, in order: `drop`, `hang: peer closed`, `big: sent`... */
  readonly events: string[] = [];
  /** Requests received (including dropped ones). */
  requests = 0;
  /** Connections accepted. */
  connections = 0;
  active = 0;
  maxActive = 0;
  /** Set when a `/hang` or `/big` request starts. */
  readonly hanging = new Event();
  readonly streaming = new Event();
  #dropLeft: number;
  #server!: Server;

  private constructor(readonly options: BackendOptions) {
    this.#dropLeft = options.dropFirst ?? 0;
  }

  static async start(options: BackendOptions): Promise<Backend> {
    const b = new Backend(options);
    b.#server = await startServer((r, w) => b.#handle(r, w), { port: 0 });
    return b;
  }

  get name(): string {
    return this.options.name;
  }
  get port(): number {
    return this.#server.port;
  }
  get connectionCount(): number {
    return this.#server.connectionCount;
  }

  async #handle(reader: StreamReader, writer: StreamWriter): Promise<void> {
    this.connections++;
    for (;;) {
      let head: Uint8Array;
      try {
        head = await reader.readUntil("\r\n\r\n");
      } catch (e) {
        if (e instanceof IncompleteReadError) return; // peer closed
        throw e;
      }
      const [, path = "/"] = dec.decode(head).split("\r\n")[0]!.split(" ");
      this.requests++;
      if (this.#dropLeft > 0) {
        this.#dropLeft--;
        this.events.push("drop");
        return; // closes the connection: the proxy sees an incomplete read
      }
      this.active++;
      this.maxActive = Math.max(this.maxActive, this.active);
      try {
        if (this.options.delayMs) await sleep(this.options.delayMs);
        const done = await this.#answer(path, reader, writer);
        if (done || this.options.oneShot) return;
      } finally {
        this.active--;
      }
    }
  }

  /** Answers one request; `true` if the connection must end. */
  async #answer(
    path: string,
    reader: StreamReader,
    writer: StreamWriter,
  ): Promise<boolean> {
    const send = (status: number, body: string, close = false) => {
      const bytes = enc.encode(body);
      writer.write(
        `HTTP/1.1 ${status} X\r\nContent-Length: ${bytes.length}\r\n` +
          `X-Backend: ${this.name}\r\n${
            close ? "Connection: close\r\n" : ""
          }\r\n`,
      );
      writer.write(bytes);
    };
    let m: RegExpExecArray | null;
    if (path === "/id") send(200, this.name);
    else if (path === "/health") {
      send(200, "ok", true);
      await writer.drain();
      return true;
    } else if ((m = /^\/echo\/(.*)$/.exec(path))) {
      send(200, decodeURIComponent(m[1]!));
    } else if ((m = /^\/slow\/(\d+)$/.exec(path))) {
      await sleep(Number(m[1]));
      send(200, `slow ${this.name}`);
    } else if (path === "/hang") {
      this.events.push("hang");
      this.hanging.set();
      const rest = await reader.read();
      this.events.push(rest.length === 0 ? "hang: peer closed" : "hang: data");
      return true;
    } else if ((m = /^\/big\/(\d+)$/.exec(path))) {
      const total = Number(m[1]);
      writer.write(
        `HTTP/1.1 200 X\r\nContent-Length: ${total}\r\nX-Backend: ${this.name}\r\n\r\n`,
      );
      this.streaming.set();
      const chunk = new Uint8Array(16 * 1024);
      try {
        for (let off = 0; off < total; off += chunk.length) {
          const n = Math.min(chunk.length, total - off);
          for (let i = 0; i < n; i++) chunk[i] = bigByte(off + i);
          writer.write(chunk.subarray(0, n));
          await writer.drain();
        }
        this.events.push("big: sent");
      } catch (e) {
        this.events.push(`big: peer gone (${(e as Error).name})`);
        return true;
      }
    } else send(404, "no such path");
    await writer.drain();
    return false;
  }

  /** Closes the server and every connection. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.#server.abortClients();
    await this.#server[Symbol.asyncDispose]();
  }
}

// ---------------------------------------------------------------------------
// The proxy
// ---------------------------------------------------------------------------

/** Settings of the proxy. */
export interface ProxyOptions {
  /** Backend ports, with names for the logs. */
  backends: { name: string; port: number }[];
  /** Requests in flight upstream at once. */
  maxInflight: number;
  /** How long a request may wait for a permit before a 503. */
  queueMs: number;
  /** Limit of one attempt (connect, send, read the head and small bodies). */
  tryMs: number;
  /** Limit of a whole request, retries included. */
  totalMs: number;
  maxAttempts: number;
  /** First backoff; doubles on each retry. */
  backoffMs: number;
  /** How long a backend that refused a connection is skipped. */
  downMs: number;
  /** Idle keep-alive connections kept per backend. */
  idlePerBackend: number;
  /** Bodies larger than this are streamed instead of buffered. */
  streamAbove: number;
  /** Limit of one health probe. */
  healthMs: number;
}

interface Upstream {
  reader: StreamReader;
  writer: StreamWriter;
}

interface BackendState {
  name: string;
  port: number;
  downUntil: number;
  healthy: boolean;
  idle: LifoQueue<Upstream>;
}

/** Errors worth another attempt on another backend. */
function retryable(e: unknown): boolean {
  return e instanceof TimeoutError ||
    e instanceof IncompleteReadError ||
    e instanceof Deno.errors.ConnectionRefused ||
    e instanceof Deno.errors.ConnectionReset ||
    e instanceof Deno.errors.BrokenPipe;
}

/** A running proxy; `await using` shuts it down gracefully. */
export class Proxy implements AsyncDisposable {
  /** One line per attempt and per outcome: `#3 try 1 b2: TimeoutError`. */
  readonly log: string[] = [];
  /** Requests whose task is still running, or whose body still streams. */
  inflight = 0;
  /** Upstream connections open right now (idle ones included). */
  upstreamOpen = 0;
  readonly #sem: Semaphore;
  readonly #backends: BackendState[];
  #next = 0;
  #ids = 0;
  #http!: Deno.HttpServer<Deno.NetAddr>;

  private constructor(readonly options: ProxyOptions) {
    this.#sem = new Semaphore(options.maxInflight);
    this.#backends = options.backends.map((b) => ({
      ...b,
      downUntil: -Infinity,
      healthy: true,
      idle: new LifoQueue<Upstream>(options.idlePerBackend),
    }));
  }

  /** Starts the proxy on a free loopback port; call inside `run()`. */
  static start(options: ProxyOptions): Proxy {
    const p = new Proxy(options);
    p.#http = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      (req) => p.#serve(req),
    );
    return p;
  }

  get port(): number {
    return this.#http.addr.port;
  }

  /** Which backends are marked up. */
  health(): Record<string, boolean> {
    return Object.fromEntries(this.#backends.map((b) => [b.name, b.healthy]));
  }

  // Deno.serve calls this outside any aio task: give the request a task of
  // its own, and cancel it when the client goes away.
  #serve(req: Request): Promise<Response> {
    const id = ++this.#ids;
    this.inflight++;
    let streaming = false;
    const task: Task<Response> = createTask(async () => {
      const res = await this.#forward(id, req);
      streaming = res.headers.has("x-streamed");
      return res;
    }, { name: `req#${id}` });
    const onAbort = () => task.cancel("client disconnected");
    req.signal.addEventListener("abort", onAbort, { once: true });
    task.finally(() => {
      req.signal.removeEventListener("abort", onAbort);
      if (!streaming) this.inflight--;
    }).catch(() => {});
    return task;
  }

  async #forward(id: number, req: Request): Promise<Response> {
    const path = new URL(req.url).pathname;
    let permit: Guard;
    try {
      permit = await waitFor(this.#sem.lock(), this.options.queueMs);
    } catch (e) {
      if (e instanceof CancelledError && req.signal.aborted) {
        this.log.push(`#${id} client gone while queued`);
        return new Response(null, { status: 499 });
      }
      if (!(e instanceof TimeoutError)) throw e;
      this.log.push(`#${id} busy`);
      return new Response("busy\n", { status: 503 });
    }
    let handedOff = false;
    try {
      const res = await timeout(this.options.totalMs, async () => {
        for (let attempt = 1;; attempt++) {
          const b = this.#pick();
          try {
            const res = await timeout(
              this.options.tryMs,
              () => this.#exchange(b, path, permit),
            );
            this.log.push(`#${id} try ${attempt} ${b.name}: ${res.status}`);
            return res;
          } catch (e) {
            const what = e instanceof Error ? e.name : String(e);
            this.log.push(`#${id} try ${attempt} ${b.name}: ${what}`);
            if (e instanceof Deno.errors.ConnectionRefused) {
              b.downUntil = getRunningLoop().time() + this.options.downMs;
            }
            if (!retryable(e) || attempt >= this.options.maxAttempts) throw e;
            await sleep(this.options.backoffMs * 2 ** (attempt - 1));
          }
        }
      });
      handedOff = res.headers.has("x-streamed");
      return res;
    } catch (e) {
      if (e instanceof CancelledError && req.signal.aborted) {
        this.log.push(`#${id} client gone`);
        return new Response(null, { status: 499 });
      }
      if (e instanceof TimeoutError) {
        this.log.push(`#${id} gateway timeout`);
        return new Response("gateway timeout\n", { status: 504 });
      }
      this.log.push(`#${id} bad gateway`);
      return new Response("bad gateway\n", { status: 502 });
    } finally {
      if (!handedOff) permit.release();
    }
  }

  #pick(): BackendState {
    const now = getRunningLoop().time();
    const n = this.#backends.length;
    for (let i = 0; i < n; i++) {
      const b = this.#backends[(this.#next + i) % n]!;
      if (b.healthy && b.downUntil <= now) {
        this.#next = (this.#next + i + 1) % n;
        return b;
      }
    }
    // Everything is down: try them anyway, in turn.
    return this.#backends[this.#next++ % n]!;
  }

  async #connect(b: BackendState): Promise<Upstream> {
    try {
      const idle = b.idle.getNowait();
      return idle;
    } catch {
      // none idle
    }
    const [reader, writer] = await openConnection({ port: b.port });
    this.upstreamOpen++;
    writer.waitClosed().finally(() => this.upstreamOpen--).catch(() => {});
    return { reader, writer };
  }

  #release(b: BackendState, up: Upstream): void {
    try {
      b.idle.putNowait(up);
    } catch (e) {
      if (!(e instanceof QueueFull)) throw e;
      up.writer.close();
    }
  }

  async #exchange(
    b: BackendState,
    path: string,
    permit: Guard,
  ): Promise<Response> {
    const up = await this.#connect(b);
    let keep = false;
    try {
      up.writer.write(`GET ${path} HTTP/1.1\r\nHost: ${b.name}\r\n\r\n`);
      await up.writer.drain();
      const head = dec.decode(await up.reader.readUntil("\r\n\r\n"));
      const [status, headers] = parseHead(head);
      const length = Number(headers.get("content-length") ?? "0");
      headers.delete("content-length");
      if (length > this.options.streamAbove) {
        headers.set("x-streamed", "1");
        keep = true; // the body stream owns the connection now
        return new Response(
          this.#streamBody(up, length, (ok) => {
            if (ok) this.#release(b, up);
            else up.writer.abort();
            permit.release();
            this.inflight--;
          }),
          { status, headers },
        );
      }
      const body = await up.reader.readExactly(length);
      keep = headers.get("connection") !== "close";
      if (keep) this.#release(b, up);
      else up.writer.close();
      keep = true;
      return new Response(body, { status, headers });
    } finally {
      if (!keep) up.writer.abort();
    }
  }

  /** A byte stream that reads the upstream body straight into the BYOB view. */
  #streamBody(
    up: Upstream,
    length: number,
    done: (ok: boolean) => void,
  ): ReadableStream<Uint8Array> {
    let left = length;
    let finished = false;
    const finish = (ok: boolean) => {
      if (!finished) {
        finished = true;
        done(ok);
      }
    };
    return new ReadableStream({
      type: "bytes",
      autoAllocateChunkSize: 32 * 1024,
      async pull(controller) {
        const req = controller.byobRequest!;
        const view = req.view!;
        const into = new Uint8Array(
          view.buffer,
          view.byteOffset,
          Math.min(view.byteLength, left),
        );
        let n: number;
        try {
          n = await up.reader.readInto(into);
        } catch (e) {
          finish(false);
          controller.error(e);
          return;
        }
        if (n === 0) {
          finish(false);
          controller.error(new IncompleteReadError(new Uint8Array(), length));
          return;
        }
        left -= n;
        req.respond(n);
        if (left === 0) {
          controller.close();
          finish(true);
        }
      },
      cancel() {
        finish(false);
      },
    });
  }

  /**
   * Probes every backend at once with `fetch` (each under its own
   * `timeout()`), marks each up or down, and returns the names in the order
   * the probes finished.
   */
  async checkHealth(): Promise<string[]> {
    const order: string[] = [];
    const probes = this.#backends.map((b) => async () => {
      try {
        return await timeout(this.options.healthMs, async () => {
          const res = await fetch(`http://127.0.0.1:${b.port}/health`, {
            signal: currentSignal(),
          });
          const text = await res.text();
          return { b, ok: res.ok && text === "ok" };
        });
      } catch {
        return { b, ok: false };
      }
    });
    for await (const { b, ok } of asCompleted(probes)) {
      b.healthy = ok;
      if (ok) b.downUntil = -Infinity;
      order.push(`${b.name}:${ok ? "up" : "down"}`);
    }
    return order;
  }

  /** Stops accepting, lets requests in flight finish, closes idle upstreams. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.#http.shutdown();
    for (const b of this.#backends) {
      while (!b.idle.empty()) {
        const up = b.idle.getNowait();
        up.writer.close();
        await up.writer.waitClosed();
      }
    }
  }
}

function parseHead(head: string): [number, Headers] {
  const lines = head.split("\r\n").filter((l) => l !== "");
  const status = Number(lines[0]!.split(" ")[1]);
  const headers = new Headers();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(":");
    headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  return [status, headers];
}

// ---------------------------------------------------------------------------
// Demo
// ---------------------------------------------------------------------------

if (import.meta.main) {
  await run(async () => {
    await using b1 = await Backend.start({ name: "b1" });
    await using b2 = await Backend.start({ name: "b2", dropFirst: 1 });
    await using proxy = Proxy.start({
      backends: [b1, b2].map((b) => ({ name: b.name, port: b.port })),
      maxInflight: 4,
      queueMs: 1000,
      tryMs: 500,
      totalMs: 2000,
      maxAttempts: 3,
      backoffMs: 10,
      downMs: 1000,
      idlePerBackend: 2,
      streamAbove: 64 * 1024,
      healthMs: 500,
    });
    console.log(await proxy.checkHealth());
    const bodies = await Promise.all(
      [1, 2, 3, 4].map(async (i) => {
        const res = await fetch(`http://127.0.0.1:${proxy.port}/echo/${i}`);
        return `${res.headers.get("x-backend")}: ${await res.text()}`;
      }),
    );
    console.log(bodies, proxy.log);
  });
}
