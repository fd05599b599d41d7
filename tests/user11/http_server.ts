// A small HTTP/1.1 service on aio's TCP streams, written the way Deno code is
// written: aio for the connection handling (streams, timeouts, a Semaphore
// for the connection cap, a TaskGroup per connection, the Worker pool), native
// promises and fetch() where they are the natural tool.
//
// Per connection, a TaskGroup runs two tasks: a reader that parses requests
// (request line and headers with readUntil, bodies by Content-Length or
// chunked) and queues them, and a responder that answers them in order. So
// pipelined requests are read ahead, and a peer that hangs up while a request
// is in flight is seen at once (its work is cancelled), as Go's net/http does.
import {
  IncompleteReadError,
  LimitOverrunError,
  type StreamReader,
  type StreamWriter,
} from "@aio/asyncio/io";
import { type Server, startServer } from "@aio/asyncio/io";
import {
  CancelledError,
  currentTask,
  gather,
  type Task,
  taskGroup,
  type Timeout,
  timeout,
  TimeoutError,
  wait,
} from "@aio/asyncio/task";
import { Queue, Semaphore } from "@aio/asyncio/sync";
import { runInExecutor } from "@aio/asyncio/executor";
import { getRunningLoop } from "@aio/asyncio/loop";

export interface HttpRequest {
  method: string;
  target: string;
  url: URL;
  version: string;
  headers: Headers;
  body: Uint8Array;
  keepAlive: boolean;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
}

export type RouteHandler = (
  req: HttpRequest,
  scope: Timeout,
) => Promise<HttpResponse> | HttpResponse;

export interface HttpServerOptions {
  port?: number;
  /** Connections served at once; others wait for a permit. */
  maxConnections?: number;
  /** How long a connection waits for a permit before it gets a 503. */
  permitWaitMs?: number;
  /** The reader's limit: the most bytes of a request head. */
  headerLimit?: number;
  /** From a request's first byte to its last: slow clients get a 408. */
  requestTimeoutMs?: number;
  /** How long a keep-alive connection may stay idle. */
  idleTimeoutMs?: number;
  /** How long a handler may run: then its work is cancelled (504). */
  handlerTimeoutMs?: number;
  maxBodyBytes?: number;
  /** Requests read ahead of the one being answered. */
  pipelineDepth?: number;
  /** Upstream URLs of /fanout. */
  upstreams?: string[];
  /** Per-upstream time limit of /fanout. */
  upstreamTimeoutMs?: number;
  /** Shared progress counters for /hash jobs (see hash_job.ts). */
  hashProgress?: SharedArrayBuffer;
  /** Extra routes (tests use them to observe the server). */
  routes?: Record<string, RouteHandler>;
}

export interface ServerStats {
  accepted: number;
  requests: number;
  timeouts408: number;
  headerTooLarge: number;
  rejected503: number;
  clientGone: number;
  cancelledByShutdown: number;
  log: string[];
}

interface Conn {
  id: number;
  task: Task<unknown>;
  state: "waiting-permit" | "idle" | "busy" | "closing";
  idleScope?: Timeout;
  current?: Timeout;
  peerGone: boolean;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

const REASONS: Record<number, string> = {
  100: "Continue",
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  408: "Request Timeout",
  411: "Length Required",
  413: "Content Too Large",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
  501: "Not Implemented",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

class HttpError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

function encodeResponse(res: HttpResponse, keepAlive: boolean): Uint8Array {
  const body = typeof res.body === "string"
    ? enc.encode(res.body)
    : res.body ?? new Uint8Array();
  let head = `HTTP/1.1 ${res.status} ${REASONS[res.status] ?? "Unknown"}\r\n`;
  const headers: Record<string, string> = {
    "content-length": String(body.length),
    connection: keepAlive ? "keep-alive" : "close",
    ...res.headers,
  };
  for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
  head += "\r\n";
  const out = new Uint8Array(enc.encode(head).length + body.length);
  const h = enc.encode(head);
  out.set(h);
  out.set(body, h.length);
  return out;
}

/** Parses a request head (everything up to the blank line). */
export function parseHead(raw: Uint8Array): Omit<HttpRequest, "body"> {
  const text = dec.decode(raw);
  const lines = text.split(/\r?\n/);
  const requestLine = lines.shift() ?? "";
  const parts = requestLine.split(" ");
  if (parts.length !== 3) throw new HttpError(400, "bad request line");
  const [method, target, version] = parts as [string, string, string];
  if (!/^HTTP\/1\.[01]$/.test(version)) {
    throw new HttpError(400, "bad version");
  }
  const headers = new Headers();
  for (const line of lines) {
    if (line === "") continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new HttpError(400, "bad header line");
    headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const conn = (headers.get("connection") ?? "").toLowerCase();
  const keepAlive = version === "HTTP/1.1"
    ? !conn.includes("close")
    : conn.includes("keep-alive");
  const url = new URL(target, `http://${headers.get("host") ?? "localhost"}`);
  return { method, target, url, version, headers, keepAlive };
}

async function readChunked(
  reader: StreamReader,
  maxBody: number,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const sizeLine = dec.decode(await reader.readLine()).trim();
    if (sizeLine === "") throw new HttpError(400, "missing chunk size");
    const size = parseInt(sizeLine.split(";")[0]!, 16);
    if (!Number.isFinite(size) || size < 0) {
      throw new HttpError(400, "bad chunk size");
    }
    if (size === 0) break;
    total += size;
    if (total > maxBody) throw new HttpError(413, "body too large");
    parts.push(await reader.readExactly(size));
    const crlf = dec.decode(await reader.readExactly(2));
    if (crlf !== "\r\n") throw new HttpError(400, "bad chunk end");
  }
  // Trailers, up to the blank line.
  for (;;) {
    const line = dec.decode(await reader.readLine());
    if (line === "\r\n" || line === "\n" || line === "") break;
  }
  const body = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    body.set(p, at);
    at += p.length;
  }
  return body;
}

export class HttpServer {
  readonly stats: ServerStats = {
    accepted: 0,
    requests: 0,
    timeouts408: 0,
    headerTooLarge: 0,
    rejected503: 0,
    clientGone: 0,
    cancelledByShutdown: 0,
    log: [],
  };
  #server!: Server;
  #sem: Semaphore;
  #conns = new Set<Conn>();
  #draining = false;
  #nextId = 1;
  readonly opts: Required<Omit<HttpServerOptions, "hashProgress">> & {
    hashProgress?: SharedArrayBuffer;
  };

  constructor(opts: HttpServerOptions) {
    this.opts = {
      port: 0,
      maxConnections: 64,
      permitWaitMs: 5_000,
      headerLimit: 8 * 1024,
      requestTimeoutMs: 5_000,
      idleTimeoutMs: 10_000,
      handlerTimeoutMs: 10_000,
      maxBodyBytes: 1 << 20,
      pipelineDepth: 8,
      upstreams: [],
      upstreamTimeoutMs: 2_000,
      routes: {},
      ...opts,
    };
    this.#sem = new Semaphore(this.opts.maxConnections);
  }

  get port(): number {
    return this.#server.port;
  }

  /** Connections the server holds now, by state. */
  connStates(): string[] {
    return [...this.#conns].map((c) => c.state);
  }

  async start(): Promise<this> {
    this.#server = await startServer(
      (r, w) => this.#handle(r, w),
      { port: this.opts.port, limit: this.opts.headerLimit },
    );
    return this;
  }

  /**
   * Graceful shutdown: stop accepting, close idle connections, let requests
   * in flight finish within `graceMs`, then cancel the rest (they get a 503).
   */
  async shutdown(
    graceMs: number,
  ): Promise<{ finished: number; cancelled: number }> {
    this.#draining = true;
    this.#server.close();
    const loop = getRunningLoop();
    for (const c of this.#conns) {
      if (c.state === "waiting-permit") c.task.cancel("shutdown");
      else if (c.state === "idle") c.idleScope?.reschedule(loop.time());
    }
    const tasks = [...this.#conns].map((c) => c.task);
    let cancelled = 0;
    if (tasks.length > 0) {
      const { pending } = await wait(tasks, { timeout: graceMs });
      for (const t of pending) {
        t.cancel("shutdown deadline");
        cancelled++;
      }
      if (pending.size > 0) await wait(pending);
    }
    await this.#server.waitClosed();
    return { finished: tasks.length - cancelled, cancelled };
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#draining) await this.shutdown(0);
  }

  async #handle(reader: StreamReader, writer: StreamWriter): Promise<void> {
    const conn: Conn = {
      id: this.#nextId++,
      task: currentTask()!,
      state: "waiting-permit",
      peerGone: false,
    };
    this.stats.accepted++;
    this.#conns.add(conn);
    let permitted = false;
    try {
      if (this.#draining) return;
      try {
        await timeout(this.opts.permitWaitMs, () => this.#sem.acquire());
        permitted = true;
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
        this.stats.rejected503++;
        writer.write(
          encodeResponse({ status: 503, body: "busy\n" }, false),
        );
        return;
      }
      conn.state = "idle";
      await this.#serveConnection(conn, reader, writer);
    } catch (e) {
      if (e instanceof CancelledError) {
        this.stats.log.push(`conn ${conn.id} cancelled`);
        return; // shutdown: the server closes the connection
      }
      throw e;
    } finally {
      conn.state = "closing";
      this.#conns.delete(conn);
      if (permitted) this.#sem.release();
    }
  }

  async #serveConnection(
    conn: Conn,
    reader: StreamReader,
    writer: StreamWriter,
  ): Promise<void> {
    type Item = HttpRequest | HttpError;
    const queue = new Queue<Item>(this.opts.pipelineDepth);
    const loop = getRunningLoop();
    await taskGroup(async (tg) => {
      // Reader: parse requests, queue them.
      const readerTask = tg.createTask(async () => {
        try {
          for (;;) {
            // Wait for the first byte of the next request: no limit while
            // the responder is busy, idleTimeoutMs once it is idle.
            let first: Uint8Array;
            try {
              first = await timeout(null, async (scope) => {
                conn.idleScope = scope;
                if (conn.state === "idle" && queue.empty()) {
                  scope.reschedule(
                    this.#draining
                      ? loop.time()
                      : loop.time() + this.opts.idleTimeoutMs,
                  );
                }
                try {
                  return await reader.readExactly(1);
                } finally {
                  // Leave before the scope finishes: rescheduling a finished
                  // scope throws.
                  conn.idleScope = undefined;
                }
              });
            } catch (e) {
              if (e instanceof TimeoutError) return; // idle: close quietly
              if (e instanceof IncompleteReadError) {
                // EOF. A request in flight with nothing after it: the client
                // went away, so its work is cancelled.
                if (conn.current && queue.empty()) {
                  conn.peerGone = true;
                  this.stats.clientGone++;
                  conn.current.reschedule(loop.time());
                }
                return;
              }
              throw e;
            } finally {
              conn.idleScope = undefined;
            }
            let req: HttpRequest;
            try {
              req = await timeout(
                this.opts.requestTimeoutMs,
                () => this.#readRequest(first, reader, writer),
              );
            } catch (e) {
              if (e instanceof TimeoutError) {
                this.stats.timeouts408++;
                await queue.put(new HttpError(408, "request timeout"));
              } else if (e instanceof LimitOverrunError) {
                this.stats.headerTooLarge++;
                await queue.put(new HttpError(431, "header too large"));
              } else if (e instanceof HttpError) {
                await queue.put(e);
              } else if (e instanceof IncompleteReadError) {
                await queue.put(new HttpError(400, "truncated request"));
              } else throw e;
              return;
            }
            await queue.put(req);
            if (!req.keepAlive) return;
          }
        } finally {
          queue.shutdown();
        }
      }, { name: `conn${conn.id}-reader` });

      // Responder: answer in order.
      tg.createTask(async () => {
        for await (const item of queue) {
          if (item instanceof HttpError) {
            writer.write(
              encodeResponse(
                { status: item.status, body: item.message + "\n" },
                false,
              ),
            );
            await writer.drain();
            break;
          }
          conn.state = "busy";
          conn.idleScope?.reschedule(null);
          this.stats.requests++;
          let res: HttpResponse;
          try {
            res = await timeout(this.opts.handlerTimeoutMs, async (scope) => {
              conn.current = scope;
              try {
                return await this.#route(item, scope);
              } finally {
                conn.current = undefined;
              }
            });
          } catch (e) {
            if (e instanceof TimeoutError) {
              if (conn.peerGone) {
                this.stats.log.push(
                  `conn ${conn.id} ${item.target}: client gone`,
                );
                return;
              }
              res = { status: 504, body: "handler timeout\n" };
            } else if (e instanceof CancelledError) {
              // Cancelled by the shutdown deadline: say so, then close.
              this.stats.cancelledByShutdown++;
              this.stats.log.push(`conn ${conn.id} ${item.target}: cancelled`);
              writer.write(
                encodeResponse({ status: 503, body: "shutting down\n" }, false),
              );
              throw e;
            } else if (e instanceof HttpError) {
              res = { status: e.status, body: e.message + "\n" };
            } else {
              res = { status: 500, body: String(e) + "\n" };
            }
          }
          const keepAlive = item.keepAlive && !this.#draining;
          writer.write(encodeResponse(res, keepAlive));
          await writer.drain();
          this.stats.log.push(`conn ${conn.id} ${item.target}: ${res.status}`);
          if (!keepAlive) break;
          if (queue.empty()) {
            conn.state = "idle";
            conn.idleScope?.reschedule(loop.time() + this.opts.idleTimeoutMs);
          }
        }
        // Done answering: stop the reader too.
        conn.state = "closing";
        readerTask.cancel("responder done");
      }, { name: `conn${conn.id}-responder` });
    });
  }

  async #readRequest(
    first: Uint8Array,
    reader: StreamReader,
    writer: StreamWriter,
  ): Promise<HttpRequest> {
    const rest = await reader.readUntil(["\r\n\r\n", "\n\n"]);
    const raw = new Uint8Array(first.length + rest.length);
    raw.set(first);
    raw.set(rest, first.length);
    const head = parseHead(raw);
    let body: Uint8Array = new Uint8Array();
    const te = (head.headers.get("transfer-encoding") ?? "").toLowerCase();
    const cl = head.headers.get("content-length");
    if (te !== "" || cl !== null) {
      if ((head.headers.get("expect") ?? "").toLowerCase() === "100-continue") {
        writer.write("HTTP/1.1 100 Continue\r\n\r\n");
      }
    }
    if (te !== "") {
      if (te !== "chunked") throw new HttpError(501, "unsupported encoding");
      body = await readChunked(reader, this.opts.maxBodyBytes);
    } else if (cl !== null) {
      const n = Number(cl);
      if (!Number.isInteger(n) || n < 0) {
        throw new HttpError(400, "bad content-length");
      }
      if (n > this.opts.maxBodyBytes) {
        throw new HttpError(413, "body too large");
      }
      body = await reader.readExactly(n);
    }
    return { ...head, body };
  }

  async #route(req: HttpRequest, scope: Timeout): Promise<HttpResponse> {
    const extra = this.opts.routes[req.url.pathname];
    if (extra) return await extra(req, scope);
    switch (req.url.pathname) {
      case "/":
        return { status: 200, body: "hello\n" };
      case "/echo":
        return {
          status: 200,
          headers: { "x-method": req.method },
          body: req.body,
        };
      case "/hash":
        return await this.#hash(req);
      case "/fanout":
        return await this.#fanout(req);
      default:
        return { status: 404, body: "not found\n" };
    }
  }

  async #hash(req: HttpRequest): Promise<HttpResponse> {
    const rounds = Number(req.url.searchParams.get("rounds") ?? "1");
    // Cancelling the future gives the job up (and, with terminateOnCancel,
    // terminates its Worker), but a Worker busy in a loop goes on: the flag
    // tells the job itself to stop.
    const cancel = new SharedArrayBuffer(4);
    try {
      const digest = await runInExecutor<string>(
        import.meta.resolve("./hash_job.ts"),
        "hashRounds",
        req.body,
        rounds,
        this.opts.hashProgress,
        cancel,
      );
      return { status: 200, body: digest + "\n" };
    } finally {
      Atomics.store(new Int32Array(cancel), 0, 1);
    }
  }

  async #fanout(req: HttpRequest): Promise<HttpResponse> {
    const mode = req.url.searchParams.get("mode") ?? "gather";
    const limit = Number(
      req.url.searchParams.get("t") ?? this.opts.upstreamTimeoutMs,
    );
    const fetchOne = (url: string) =>
      timeout(limit, async (s) => {
        const r = await fetch(url, { signal: s.signal });
        const text = await r.text();
        if (!r.ok) throw new Error(`${url}: ${r.status}`);
        return text;
      });
    const urls = this.opts.upstreams;
    switch (mode) {
      case "all": {
        // Native Promise.all: the first failure answers, the others run on
        // until their own deadlines.
        try {
          const bodies = await Promise.all(urls.map(fetchOne));
          return { status: 200, body: JSON.stringify(bodies) };
        } catch (e) {
          return { status: 502, body: describe(e) };
        }
      }
      case "gather": {
        const results = await gather(
          urls.map((u) => () => fetchOne(u)),
          { returnExceptions: true },
        );
        return {
          status: 200,
          body: JSON.stringify(
            results.map((r) => r instanceof Error ? describe(r) : r),
          ),
        };
      }
      case "group": {
        try {
          const bodies = await taskGroup(async (tg) => {
            const tasks = urls.map((u) => tg.createTask(() => fetchOne(u)));
            return await Promise.all(tasks);
          });
          return { status: 200, body: JSON.stringify(bodies) };
        } catch (e) {
          if (e instanceof AggregateError) {
            // The body awaits the children, so a child's error is there
            // twice: once as the child's, once as the body's (see report).
            return {
              status: 502,
              body: [...new Set(e.errors)].map(describe).join(","),
            };
          }
          throw e;
        }
      }
      default:
        throw new HttpError(400, "bad mode");
    }
  }
}

function describe(e: unknown): string {
  if (e instanceof TimeoutError) return "timeout";
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return String(e);
}

export async function startHttpServer(
  opts: HttpServerOptions = {},
): Promise<HttpServer> {
  return await new HttpServer(opts).start();
}
