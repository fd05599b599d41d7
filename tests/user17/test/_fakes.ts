/** Fake upstreams (UDP, TCP, in-memory) and a client for the tests. */
import {
  createDatagramEndpoint,
  createTask,
  type DatagramEndpoint,
  Event,
  type Server,
  sleep,
  startServer,
  type Task,
  waitFor,
} from "../../../mod.ts";
import {
  AA,
  buildMessage,
  buildQuery,
  CLASS_IN,
  ipv4,
  type Message,
  parseMessage,
  QR,
  type Question,
  RA,
  RCODE,
  RD,
  type RecordSpec,
  soaData,
  TC,
  TYPE,
} from "../wire.ts";
import type { UpstreamTransport } from "../transport.ts";

export type Behaviour = (
  msg: Message,
  raw: Uint8Array,
) => Uint8Array | null | Promise<Uint8Array | null>;

/** The (first) question of a query the fakes answer. */
export function questionOf(msg: Message): Question {
  const q = msg.questions[0];
  if (!q) throw new Error("query has no question");
  return q;
}

export function answerA(
  msg: Message,
  ips: string[],
  ttl = 300,
  extraFlags = 0,
): Uint8Array {
  const q = questionOf(msg);
  const answers: RecordSpec[] = ips.map((ip) => ({
    name: q.name,
    type: TYPE.A,
    ttl,
    data: ipv4(ip),
  }));
  return buildMessage({
    id: msg.header.id,
    flags: QR | AA | RD | RA | extraFlags,
    questions: [q],
    answers: extraFlags & TC ? [] : answers,
  });
}

export function nxdomain(
  msg: Message,
  soaTtl?: number,
  soaMin?: number,
): Uint8Array {
  const q = questionOf(msg);
  return buildMessage({
    id: msg.header.id,
    flags: QR | AA | RD | RA | RCODE.NXDOMAIN,
    questions: [q],
    authority: soaTtl === undefined ? [] : [{
      name: "example",
      type: TYPE.SOA,
      ttl: soaTtl,
      data: soaData(soaMin!),
    }],
  });
}

/** A fake UDP upstream on loopback. */
export class FakeUdpUpstream {
  queries: Message[] = [];
  /** Set on every query received (tests clear it). */
  readonly got = new Event();
  #task: Task<void>;
  private constructor(
    readonly ep: DatagramEndpoint,
    public behaviour: Behaviour,
  ) {
    this.#task = createTask(() => this.#loop());
  }
  static async start(behaviour: Behaviour): Promise<FakeUdpUpstream> {
    return new FakeUdpUpstream(await createDatagramEndpoint(), behaviour);
  }
  get port(): number {
    return this.ep.localAddr.port;
  }
  async #loop(): Promise<void> {
    try {
      for await (const { data, addr } of this.ep) {
        const msg = parseMessage(data);
        this.queries.push(msg);
        this.got.set();
        // Each reply in its own task: a held reply must not block the others.
        createTask(async () => {
          const reply = await this.behaviour(msg, data);
          if (reply && !this.ep.isClosing()) {
            await this.ep.send(reply, addr).catch(() => {});
          }
        });
      }
    } catch (e) {
      if (!this.ep.isClosing()) throw e;
    }
  }
  async close(): Promise<void> {
    this.ep.close();
    await this.ep.waitClosed();
    await this.#task.catch(() => {});
  }
}

/** A fake TCP upstream: 2-byte length-prefixed messages. */
export async function fakeTcpUpstream(
  behaviour: Behaviour,
): Promise<Server & { count: { n: number } }> {
  const count = { n: 0 };
  const server = await startServer(async (reader, writer) => {
    const len = await reader.readExactly(2);
    const raw = await reader.readExactly((len[0]! << 8) | len[1]!);
    count.n++;
    const reply = await behaviour(parseMessage(raw), raw);
    if (reply) {
      const frame = new Uint8Array(2 + reply.length);
      frame[0] = reply.length >> 8;
      frame[1] = reply.length & 0xff;
      frame.set(reply, 2);
      writer.write(frame);
      await writer.drain();
    }
  }, { port: 0 });
  return Object.assign(server, { count });
}

/** An in-memory transport whose upstreams are functions (virtual-clock tests). */
export class MemTransport implements UpstreamTransport {
  calls: { upstream: number; q: Message }[] = [];
  tcpCalls = 0;
  active = 0;
  peak = 0;
  constructor(
    readonly handlers: Behaviour[],
    readonly tcpHandler?: Behaviour,
  ) {}
  get upstreamCount(): number {
    return this.handlers.length;
  }
  async udp(i: number, query: Uint8Array): Promise<Uint8Array> {
    const msg = parseMessage(query);
    this.calls.push({ upstream: i, q: msg });
    this.peak = Math.max(this.peak, ++this.active);
    try {
      const handler = this.handlers[i];
      if (!handler) throw new RangeError(`no upstream ${i}`);
      const r = await handler(msg, query);
      if (!r) {
        await new Event().wait(); // black hole: a library wait, so a timeout ends it
        throw new Error("unreachable");
      }
      return r;
    } finally {
      this.active--;
    }
  }
  async tcp(_i: number, query: Uint8Array): Promise<Uint8Array> {
    this.tcpCalls++;
    return (await this.tcpHandler!(parseMessage(query), query))!;
  }
  async close(): Promise<void> {}
}

/** Waits (bounded) until `cond()` holds, yielding to the loop between checks. */
export async function until(
  cond: () => boolean,
  what: string,
  tries = 2000,
): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await sleep(2);
  }
  throw new Error(`timed out waiting for: ${what}`);
}

export class Client {
  private constructor(readonly ep: DatagramEndpoint) {}
  static async open(port: number, hostname = "127.0.0.1"): Promise<Client> {
    return new Client(
      await createDatagramEndpoint({
        localAddr: { hostname, port: 0 },
        remoteAddr: { hostname: "127.0.0.1", port },
      }),
    );
  }
  #id = 1;
  async send(name: string, type: number = TYPE.A): Promise<number> {
    const id = this.#id++ & 0xffff;
    await this.ep.send(buildQuery(id, { name, type, class: CLASS_IN }));
    return id;
  }
  async recv(ms = 3000): Promise<Message> {
    const { data } = await waitFor(this.ep.recv(), ms);
    return parseMessage(data);
  }
  async ask(name: string, type: number = TYPE.A, ms = 3000): Promise<Message> {
    const id = await this.send(name, type);
    for (;;) {
      const m = await this.recv(ms);
      if (m.header.id === id) return m;
    }
  }
  async close(): Promise<void> {
    this.ep.close();
    await this.ep.waitClosed();
  }
}

export function aRecords(m: Message): string[] {
  return m.answers.filter((a) => a.type === TYPE.A).map((a) =>
    [...a.data].join(".")
  );
}
