/**
 * A caching DNS forwarder on aio: UDP front end, coalescing of identical
 * in-flight questions, TTL cache (negative too) on the loop's clock, LRU
 * bound, per-client token buckets, a semaphore on upstream queries,
 * failover with per-try timeouts, TC -> TCP fallback, graceful shutdown.
 */
import {
  CancelledError,
  createDatagramEndpoint,
  createTask,
  type DatagramEndpoint,
  type EventLoop,
  getRunningLoop,
  Semaphore,
  shield,
  type Task,
  timeout,
  TimeoutError,
  wait,
} from "../../mod.ts";
import {
  buildError,
  buildQuery,
  type Message,
  parseHeader,
  parseMessage,
  QR,
  type Question,
  questionKey,
  RCODE,
  rcodeOf,
  setId,
  soaMinimum,
  TC,
  TYPE,
} from "./wire.ts";
import type { UpstreamTransport } from "./transport.ts";

export interface ForwarderOptions {
  /** Per-try upstream timeout, ms. */
  timeoutMs?: number;
  /** Total tries across upstreams (round the list). */
  attempts?: number;
  maxInflightUpstream?: number;
  cacheSize?: number;
  /** Negative TTL when the reply carries no SOA, seconds. */
  negativeTtl?: number;
  maxTtl?: number;
  /** Token bucket per client address: queries per second, and burst. */
  rateLimit?: { perSecond: number; burst: number };
  /** Concurrent client queries being handled; more are dropped. */
  maxClientQueries?: number;
}

export interface Stats {
  queries: number;
  cacheHits: number;
  cacheMisses: number;
  negativeHits: number;
  coalesced: number;
  upstreamQueries: number;
  upstreamTimeouts: number;
  upstreamErrors: number;
  failovers: number;
  tcpFallbacks: number;
  servfails: number;
  malformed: number;
  rateLimited: number;
  overloaded: number;
  evictions: number;
  cacheSize: number;
  inflight: number;
  upstreamInflightPeak: number;
  clientTasks: number;
}

interface CacheEntry {
  reply: Uint8Array; // id 0
  storedAt: number; // loop ms
  expiresAt: number;
  ttlOffsets: number[];
  ttls: number[];
  negative: boolean;
}

export class TtlCache {
  #map = new Map<string, CacheEntry>();
  evictions = 0;
  constructor(readonly max: number, readonly now: () => number) {}
  get size(): number {
    return this.#map.size;
  }
  get(key: string): CacheEntry | undefined {
    const e = this.#map.get(key);
    if (!e) return undefined;
    if (this.now() >= e.expiresAt) {
      this.#map.delete(key);
      return undefined;
    }
    this.#map.delete(key); // LRU: move to the end
    this.#map.set(key, e);
    return e;
  }
  set(key: string, e: CacheEntry): void {
    this.#map.delete(key);
    this.#map.set(key, e);
    while (this.#map.size > this.max) {
      const oldest = this.#map.keys().next().value!;
      this.#map.delete(oldest);
      this.evictions++;
    }
  }
  has(key: string): boolean {
    return this.get(key) !== undefined;
  }
}

export class RateLimiter {
  #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    readonly perSecond: number,
    readonly burst: number,
    readonly now: () => number,
    readonly maxClients = 10_000,
  ) {}
  allow(client: string): boolean {
    const t = this.now();
    let b = this.#buckets.get(client);
    if (!b) {
      b = { tokens: this.burst, at: t };
      if (this.#buckets.size >= this.maxClients) {
        this.#buckets.delete(this.#buckets.keys().next().value!);
      }
    } else {
      b.tokens = Math.min(
        this.burst,
        b.tokens + ((t - b.at) / 1000) * this.perSecond,
      );
      b.at = t;
      this.#buckets.delete(client);
    }
    this.#buckets.set(client, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
  get size(): number {
    return this.#buckets.size;
  }
}

export class UpstreamFailure extends Error {
  override name = "UpstreamFailure";
}

/** The resolving core: cache, coalescing, upstream tries. No sockets of its own. */
export class Resolver {
  readonly stats: Stats = {
    queries: 0,
    cacheHits: 0,
    cacheMisses: 0,
    negativeHits: 0,
    coalesced: 0,
    upstreamQueries: 0,
    upstreamTimeouts: 0,
    upstreamErrors: 0,
    failovers: 0,
    tcpFallbacks: 0,
    servfails: 0,
    malformed: 0,
    rateLimited: 0,
    overloaded: 0,
    evictions: 0,
    cacheSize: 0,
    inflight: 0,
    upstreamInflightPeak: 0,
    clientTasks: 0,
  };
  readonly loop: EventLoop;
  readonly cache: TtlCache;
  readonly sem: Semaphore;
  readonly inflight = new Map<string, Task<CacheEntry>>();
  readonly opts:
    & Required<Omit<ForwarderOptions, "rateLimit">>
    & Pick<ForwarderOptions, "rateLimit">;
  #upstreamActive = 0;

  constructor(
    readonly transport: UpstreamTransport,
    options: ForwarderOptions = {},
  ) {
    this.loop = getRunningLoop();
    this.opts = {
      timeoutMs: 2000,
      attempts: 3,
      maxInflightUpstream: 64,
      cacheSize: 10_000,
      negativeTtl: 60,
      maxTtl: 86_400,
      maxClientQueries: 1024,
      ...options,
    };
    this.cache = new TtlCache(this.opts.cacheSize, () => this.loop.time());
    this.sem = new Semaphore(this.opts.maxInflightUpstream);
  }

  get upstreamActive(): number {
    return this.#upstreamActive;
  }

  snapshot(): Stats {
    return {
      ...this.stats,
      evictions: this.cache.evictions,
      cacheSize: this.cache.size,
      inflight: this.inflight.size,
    };
  }

  /** The reply (with `id`) for question `q`. Throws UpstreamFailure. */
  async resolve(q: Question, id: number): Promise<Uint8Array> {
    const key = questionKey(q);
    const hit = this.cache.get(key);
    if (hit) {
      this.stats.cacheHits++;
      if (hit.negative) this.stats.negativeHits++;
      return this.#render(hit, id);
    }
    this.stats.cacheMisses++;
    let task = this.inflight.get(key);
    if (task) {
      this.stats.coalesced++;
    } else {
      task = createTask(() => this.#fetch(q, key), { name: `upstream ${key}` });
      this.inflight.set(key, task);
      // Mark a failure retrieved even if every waiter left, and unregister.
      task.addDoneCallback((t) => {
        if (this.inflight.get(key) === t) this.inflight.delete(key);
        if (!t.cancelled()) t.exception();
      });
    }
    // shield: a waiter that gives up must not cancel the others' query.
    const entry = await shield(task);
    return this.#render(entry, id);
  }

  #render(e: CacheEntry, id: number): Uint8Array {
    const out = setId(e.reply, id);
    const elapsed = Math.floor((this.loop.time() - e.storedAt) / 1000);
    const v = new DataView(out.buffer);
    // ttlOffsets and ttls are parallel arrays built from the same records.
    e.ttlOffsets.forEach((off, i) =>
      v.setUint32(off, Math.max(0, e.ttls[i]! - elapsed))
    );
    return out;
  }

  async #fetch(q: Question, key: string): Promise<CacheEntry> {
    using _permit = await this.sem.lock();
    this.#upstreamActive++;
    this.stats.upstreamInflightPeak = Math.max(
      this.stats.upstreamInflightPeak,
      this.#upstreamActive,
    );
    try {
      const query = buildQueryFor(q);
      const n = this.transport.upstreamCount;
      let lastError: unknown;
      for (let attempt = 0; attempt < this.opts.attempts; attempt++) {
        const i = attempt % n;
        if (attempt > 0) this.stats.failovers++;
        this.stats.upstreamQueries++;
        try {
          let reply = await timeout(
            this.opts.timeoutMs,
            () => this.transport.udp(i, query),
          );
          if (parseHeader(reply).flags & TC) {
            this.stats.tcpFallbacks++;
            reply = await timeout(
              this.opts.timeoutMs,
              () => this.transport.tcp(i, query),
            );
          }
          const msg = parseMessage(reply);
          const rcode = rcodeOf(msg.header.flags);
          if (rcode === RCODE.SERVFAIL || rcode === RCODE.REFUSED) {
            lastError = new UpstreamFailure(`upstream ${i} rcode ${rcode}`);
            continue;
          }
          const entry = this.#entry(reply, msg);
          if (entry.expiresAt > this.loop.time()) this.cache.set(key, entry);
          return entry;
        } catch (e) {
          if (e instanceof CancelledError) throw e;
          if (e instanceof TimeoutError) this.stats.upstreamTimeouts++;
          else this.stats.upstreamErrors++;
          lastError = e;
        }
      }
      throw new UpstreamFailure(`all upstream tries failed for ${key}`, {
        cause: lastError,
      });
    } finally {
      this.#upstreamActive--;
    }
  }

  #entry(reply: Uint8Array, msg: Message): CacheEntry {
    const rcode = rcodeOf(msg.header.flags);
    const negative = rcode === RCODE.NXDOMAIN || msg.answers.length === 0;
    let ttl: number;
    if (negative) {
      const soa = msg.authority.find((rr) => rr.type === TYPE.SOA);
      ttl = soa
        ? Math.min(soa.ttl, soaMinimum(reply, soa))
        : this.opts.negativeTtl;
    } else {
      ttl = Math.min(...msg.answers.map((rr) => rr.ttl));
    }
    ttl = Math.min(ttl, this.opts.maxTtl);
    const rrs = [...msg.answers, ...msg.authority, ...msg.additional];
    const now = this.loop.time();
    return {
      reply: setId(reply, 0),
      storedAt: now,
      expiresAt: now + ttl * 1000,
      ttlOffsets: rrs.map((r) => r.ttlOffset),
      ttls: rrs.map((r) => r.ttl),
      negative,
    };
  }
}

function buildQueryFor(q: Question): Uint8Array {
  return buildQuery(0, q); // the transport sets the id
}

/** The UDP front end around a Resolver. */
export class Forwarder {
  readonly resolver: Resolver;
  readonly limiter?: RateLimiter;
  readonly clientTasks = new Set<Task<void>>();
  #server: Task<void> | undefined;
  #closing = false;

  private constructor(
    readonly ep: DatagramEndpoint,
    transport: UpstreamTransport,
    options: ForwarderOptions,
  ) {
    this.resolver = new Resolver(transport, options);
    const rl = options.rateLimit;
    if (rl) {
      this.limiter = new RateLimiter(
        rl.perSecond,
        rl.burst,
        () => this.resolver.loop.time(),
      );
    }
  }

  static async start(
    transport: UpstreamTransport,
    options: ForwarderOptions & { port?: number } = {},
  ): Promise<Forwarder> {
    const ep = await createDatagramEndpoint({
      localAddr: { hostname: "127.0.0.1", port: options.port ?? 0 },
    });
    const f = new Forwarder(ep, transport, options);
    f.#server = createTask(() => f.#serve(), { name: "dns-server" });
    return f;
  }

  get port(): number {
    return this.ep.localAddr.port;
  }

  get stats(): Stats {
    return { ...this.resolver.snapshot(), clientTasks: this.clientTasks.size };
  }

  async #serve(): Promise<void> {
    try {
      for await (const { data, addr } of this.ep) this.#accept(data, addr);
    } catch (e) {
      if (!(e instanceof CancelledError) && !this.ep.isClosing()) throw e;
    }
  }

  #accept(data: Uint8Array, addr: Deno.NetAddr): void {
    const stats = this.resolver.stats;
    let msg: Message;
    try {
      msg = parseMessage(data);
    } catch {
      stats.malformed++;
      // Answer FORMERR when at least a query header is there; drop the rest.
      if (data.length >= 12 && !(data[2]! & 0x80)) {
        this.#reply(buildError(parseHeader(data).id, RCODE.FORMERR), addr);
      }
      return;
    }
    if (msg.header.flags & QR) {
      stats.malformed++; // a response sent to us: never answer (no loops)
      return;
    }
    if (this.limiter && !this.limiter.allow(addr.hostname)) {
      stats.rateLimited++;
      return;
    }
    stats.queries++;
    const id = msg.header.id;
    const opcode = (msg.header.flags >> 11) & 0xf;
    if (opcode !== 0 || msg.questions.length !== 1) {
      this.#reply(
        buildError(
          id,
          opcode !== 0 ? RCODE.NOTIMP : RCODE.FORMERR,
          msg.questions[0],
        ),
        addr,
      );
      return;
    }
    if (this.clientTasks.size >= this.resolver.opts.maxClientQueries) {
      stats.overloaded++;
      this.#reply(buildError(id, RCODE.SERVFAIL, msg.questions[0]), addr);
      return;
    }
    const q = msg.questions[0]!; // exactly one question, checked above
    const t = createTask(() => this.#answer(q, id, addr), {
      name: `client ${addr.hostname}:${addr.port}`,
    });
    this.clientTasks.add(t);
    t.addDoneCallback((d) => {
      this.clientTasks.delete(t);
      if (!d.cancelled()) d.exception();
    });
  }

  async #answer(q: Question, id: number, addr: Deno.NetAddr): Promise<void> {
    let reply: Uint8Array;
    try {
      reply = await this.resolver.resolve(q, id);
    } catch (e) {
      this.resolver.stats.servfails++;
      reply = buildError(id, RCODE.SERVFAIL, q);
      if (!(e instanceof CancelledError) && !(e instanceof UpstreamFailure)) {
        console.error("resolve failed:", e);
      }
    }
    await this.#send(reply, addr);
  }

  #reply(data: Uint8Array, addr: Deno.NetAddr): void {
    // Fire-and-forget replies from the server task's synchronous path.
    const t = createTask(() => this.#send(data, addr));
    this.clientTasks.add(t);
    t.addDoneCallback(() => this.clientTasks.delete(t));
  }

  async #send(data: Uint8Array, addr: Deno.NetAddr): Promise<void> {
    try {
      await this.ep.send(data, { hostname: addr.hostname, port: addr.port });
    } catch {
      // Closed or unreachable client: nothing to do for UDP.
    }
  }

  /**
   * Stops taking queries, lets in-flight ones finish for `deadlineMs`, then
   * cancels the rest (they answer SERVFAIL), and closes everything.
   */
  async shutdown(
    deadlineMs: number,
  ): Promise<{ finished: number; cancelled: number }> {
    if (this.#closing) return { finished: 0, cancelled: 0 };
    this.#closing = true;
    this.#server?.cancel();
    await this.#server?.catch(() => {});
    let cancelled = 0;
    const tasks = [...this.clientTasks];
    if (tasks.length > 0) {
      const { pending } = await wait(tasks, { timeout: deadlineMs });
      for (const t of pending) {
        t.cancel("shutdown");
        cancelled++;
      }
      if (pending.size > 0) await wait(pending);
    }
    // Upstream queries nobody waits for any more.
    const ups = [...this.resolver.inflight.values()];
    for (const t of ups) t.cancel("shutdown");
    if (ups.length > 0) await wait(ups);
    this.ep.close();
    await this.ep.waitClosed();
    await this.resolver.transport.close();
    return { finished: tasks.length - cancelled, cancelled };
  }
}
