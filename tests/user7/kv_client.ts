/** A client for kv_server.ts with a pool of connections (a LifoQueue). */
import {
  openConnection,
  type StreamReader,
  type StreamWriter,
} from "@aio/asyncio/io";
import { LifoQueue } from "@aio/asyncio/sync";

export class KvConn {
  #d = new TextDecoder();
  constructor(readonly reader: StreamReader, readonly writer: StreamWriter) {}

  static async open(port: number, signal?: AbortSignal): Promise<KvConn> {
    const [r, w] = await openConnection({
      hostname: "127.0.0.1",
      port,
      signal,
    });
    return new KvConn(r, w);
  }

  async readReply(signal?: AbortSignal): Promise<string> {
    const line = await this.reader.readLine({ signal });
    if (line.length === 0) throw new Deno.errors.UnexpectedEof("server closed");
    return this.#d.decode(line).replace(/\n$/, "");
  }

  /** Sends every command before reading any reply (pipelining). */
  async pipeline(
    cmds: readonly string[],
    signal?: AbortSignal,
  ): Promise<string[]> {
    this.writer.writeLines(cmds.map((c) => c + "\n"));
    // Read while the writes drain: a server that answers as it reads would
    // otherwise fill both directions and deadlock.
    const [, out] = await Promise.all([
      this.writer.drain({ signal }),
      (async () => {
        const out: string[] = [];
        for (let i = 0; i < cmds.length; i++) {
          out.push(await this.readReply(signal));
        }
        return out;
      })(),
    ]);
    return out;
  }

  async command(cmd: string, signal?: AbortSignal): Promise<string> {
    return (await this.pipeline([cmd], signal))[0]!;
  }

  async close(): Promise<void> {
    this.writer.close();
    await this.writer.waitClosed().catch(() => {});
  }
}

export class KvPool {
  #idle = new LifoQueue<KvConn>();
  #all = new Set<KvConn>();
  #opening = 0;
  #closed = false;
  constructor(readonly port: number, readonly size = 8) {}

  get opened(): number {
    return this.#all.size;
  }

  async #acquire(signal?: AbortSignal): Promise<KvConn> {
    if (this.#closed) throw new Error("pool closed");
    if (this.#idle.empty() && this.#all.size + this.#opening < this.size) {
      this.#opening++;
      try {
        const c = await KvConn.open(this.port, signal);
        this.#all.add(c);
        return c;
      } finally {
        this.#opening--;
      }
    }
    return await this.#idle.get({ signal });
  }

  /** Runs `fn` with a pooled connection; a failed one is dropped. */
  async use<T>(
    fn: (c: KvConn) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    const c = await this.#acquire(signal);
    let ok = false;
    try {
      const v = await fn(c);
      ok = true;
      return v;
    } finally {
      if (ok && !this.#closed) this.#idle.putNowait(c);
      else {
        this.#all.delete(c);
        await c.close();
      }
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#idle.shutdown(true);
    await Promise.all([...this.#all].map((c) => c.close()));
    this.#all.clear();
  }
}
