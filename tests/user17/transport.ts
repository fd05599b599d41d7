/**
 * Upstream transports: real UDP (one socket, replies matched by id) with
 * TCP fallback (2-byte length prefix), and the interface the forwarder
 * uses, so tests can plug an in-memory upstream on a VirtualClock.
 */
import {
  createDatagramEndpoint,
  createTask,
  type DatagramEndpoint,
  type Future,
  getRunningLoop,
  openConnection,
  type Task,
} from "../../mod.ts";
import { parseHeader, parseMessage, QR, setId } from "./wire.ts";

export interface UpstreamAddr {
  hostname: string;
  port: number;
  /** TCP port for truncated replies; the UDP port by default. */
  tcpPort?: number;
}

export interface UpstreamTransport {
  readonly upstreamCount: number;
  /** Sends `query` (its id is replaced) to upstream `i`, waits for the reply. */
  udp(i: number, query: Uint8Array): Promise<Uint8Array>;
  /** The same over TCP. */
  tcp(i: number, query: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

export interface TransportCounters {
  lateReplies: number; // replies with no query waiting (after a timeout)
  strayReplies: number; // garbage, wrong sender
}

interface Pending {
  future: Future<Uint8Array>;
  /** Where the query went: only a reply from there is accepted. */
  upstream: UpstreamAddr;
}

export class UdpTransport implements UpstreamTransport {
  readonly counters: TransportCounters = { lateReplies: 0, strayReplies: 0 };
  /** Resolvers waiting for the next late reply (for tests). */
  #lateWaiters: (() => void)[] = [];
  #pending = new Map<number, Pending>();
  #reader: Task<void>;

  private constructor(
    readonly ep: DatagramEndpoint,
    readonly upstreams: UpstreamAddr[],
  ) {
    this.#reader = createTask(() => this.#readLoop(), {
      name: "upstream-reader",
    });
  }

  static async open(upstreams: UpstreamAddr[]): Promise<UdpTransport> {
    const ep = await createDatagramEndpoint({
      localAddr: { hostname: "127.0.0.1", port: 0 },
    });
    return new UdpTransport(ep, upstreams);
  }

  get upstreamCount(): number {
    return this.upstreams.length;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Resolves at the next late reply dropped. */
  nextLateReply(): Promise<void> {
    return new Promise((r) => this.#lateWaiters.push(r));
  }

  async #readLoop(): Promise<void> {
    try {
      for await (const { data, addr } of this.ep) this.#dispatch(data, addr);
    } catch (e) {
      if (!this.ep.isClosing()) throw e;
    }
  }

  #dispatch(data: Uint8Array, addr: Deno.NetAddr): void {
    let id: number;
    try {
      const h = parseHeader(data);
      if (!(h.flags & QR)) throw new Error("not a response");
      id = h.id;
    } catch {
      this.counters.strayReplies++;
      return;
    }
    const p = this.#pending.get(id);
    if (!p) {
      this.counters.lateReplies++;
      for (const w of this.#lateWaiters.splice(0)) w();
      return;
    }
    const up = p.upstream;
    if (addr.port !== up.port || addr.hostname !== up.hostname) {
      this.counters.strayReplies++; // spoofed / wrong server: keep waiting
      return;
    }
    this.#pending.delete(id);
    if (!p.future.done()) p.future.setResult(data);
  }

  #freeId(): number {
    for (let i = 0; i < 100; i++) {
      const id = crypto.getRandomValues(new Uint16Array(1))[0]!;
      if (!this.#pending.has(id)) return id;
    }
    throw new Error("no free query id");
  }

  #upstream(i: number): UpstreamAddr {
    const up = this.upstreams[i];
    if (!up) throw new RangeError(`no upstream ${i}`);
    return up;
  }

  async udp(i: number, query: Uint8Array): Promise<Uint8Array> {
    const up = this.#upstream(i);
    const id = this.#freeId();
    const q = query.slice();
    q[0] = id >> 8;
    q[1] = id & 0xff;
    const future = getRunningLoop().createFuture<Uint8Array>();
    this.#pending.set(id, { future, upstream: up });
    try {
      await this.ep.send(q, { hostname: up.hostname, port: up.port });
      const reply = await future;
      // Check the question too (RFC 5452): a reply to another question is not ours.
      const want = parseMessage(q).questions[0];
      if (!want) throw new Error("query has no question");
      const got = parseMessage(reply).questions[0];
      if (!got || got.name !== want.name || got.type !== want.type) {
        throw new Error("reply question mismatch");
      }
      return setId(reply, parseHeader(query).id);
    } finally {
      if (this.#pending.get(id)?.future === future) this.#pending.delete(id);
    }
  }

  async tcp(i: number, query: Uint8Array): Promise<Uint8Array> {
    const up = this.#upstream(i);
    const [reader, writer] = await openConnection({
      hostname: up.hostname,
      port: up.tcpPort ?? up.port,
    });
    try {
      const frame = new Uint8Array(2 + query.length);
      frame[0] = query.length >> 8;
      frame[1] = query.length & 0xff;
      frame.set(query, 2);
      writer.write(frame);
      await writer.drain();
      const lenBytes = await reader.readExactly(2);
      const len = (lenBytes[0]! << 8) | lenBytes[1]!; // readExactly(2)
      const reply = await reader.readExactly(len);
      if (parseHeader(reply).id !== parseHeader(query).id) {
        throw new Error("TCP reply id mismatch");
      }
      return reply;
    } finally {
      writer.close();
      await writer.waitClosed().catch(() => {});
    }
  }

  async close(): Promise<void> {
    this.ep.close();
    await this.ep.waitClosed();
    await this.#reader.catch(() => {});
  }
}
