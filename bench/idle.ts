/**
 * `idle`: memory per idle connection. A client process opens `n`
 * connections to a server on 127.0.0.1, sends one line on each and reads
 * the echo, then holds them open; the server's memory is measured while
 * every handler waits for more input. Then the client closes them and every
 * handler must see EOF and finish.
 *
 * - `aio`: `startServer()`; the handler echoes a line (`readLine()`,
 *   `write()`, `drain()`), then waits in `read()` until EOF.
 * - `raw`: the floor, `Deno.listen()` and an async function per
 *   connection that reads the line into a 256-byte buffer (the size of
 *   aio's read on a quiet connection), writes it back and waits in
 *   `read()` on the same buffer until EOF.
 *
 * The figure is the JS heap plus external memory (the `ArrayBuffer`s) after
 * a full GC, measured before the clients connect and once they are all
 * idle, divided by `n` (`bytes`); the change of the resident set size is
 * printed too (`rss`: it also counts the runtime's per-socket state and the
 * allocator's slack). The client is `bench/_idle_client.ts`, in its own
 * process. Needs `--v8-flags=--expose-gc`.
 *
 * Run: `deno run --allow-net=127.0.0.1 --allow-run --allow-read
 * --v8-flags=--expose-gc bench/idle.ts aio n=5000`
 *
 * @module
 */

import { run, sleep } from "@aio/asyncio";
import { startServer } from "@aio/asyncio/io";
import { check, main, param, unknownImpl } from "./_util.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("Run with --v8-flags=--expose-gc");

interface Usage {
  bytes: number;
  rss: number;
}

const usage = (): Usage => {
  gc();
  gc();
  const m = Deno.memoryUsage();
  return { bytes: m.heapUsed + m.external, rss: m.rss };
};

/** The client process, holding `n` idle connections once it says ready. */
class Clients {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #lines: ReadableStreamDefaultReader<string>;

  constructor(port: number, n: number) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--quiet",
        "--allow-net=127.0.0.1",
        new URL("_idle_client.ts", import.meta.url).pathname,
        String(port),
        String(n),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#lines = this.#child.stdout.pipeThrough(new TextDecoderStream())
      .getReader();
  }

  /** Resolves once every connection echoed its line. */
  async ready(): Promise<void> {
    let text = "";
    while (!text.includes("ready\n")) {
      const { value, done } = await this.#lines.read();
      if (done) throw new Error("The client ended before it was ready");
      text += value;
    }
  }

  /** Closes every connection and waits for the client to exit. */
  async close(): Promise<void> {
    await this.#stdin.close();
    const status = await this.#child.status;
    await this.#lines.cancel();
    check(status.success, `the client failed (exit ${status.code})`);
  }
}

async function measure(
  impl: string,
  params: Record<string, number>,
): Promise<Record<string, number>> {
  const n = param(params, "n");
  let idle = 0;
  let finished = 0;
  let before: Usage;
  let after: Usage;
  if (impl === "aio") {
    [before, after] = await run(async () => {
      const server = await startServer(async (reader, writer) => {
        writer.write(await reader.readLine());
        await writer.drain();
        idle++;
        const rest = await reader.read();
        check(rest.length === 0, "data after the line");
        finished++;
      }, { port: 0 });
      const before = usage();
      const clients = new Clients(server.port, n);
      await clients.ready();
      while (idle < n) await sleep(1);
      const after = usage();
      await clients.close();
      server.close();
      await server.waitClosed();
      return [before, after] as const;
    }, { handleSigint: false });
  } else if (impl === "raw") {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const serve = async (conn: Deno.Conn): Promise<void> => {
      const buf = new Uint8Array(256);
      try {
        let got = 0;
        while (got === 0 || buf[got - 1] !== 10) {
          const r = await conn.read(buf.subarray(got));
          if (r === null) throw new Error("EOF before the line");
          got += r;
        }
        let off = 0;
        while (off < got) off += await conn.write(buf.subarray(off, got));
        idle++;
        check(await conn.read(buf) === null, "data after the line");
        finished++;
      } finally {
        conn.close();
      }
    };
    const accepting = (async () => {
      const served: Promise<void>[] = [];
      for await (const conn of listener) served.push(serve(conn));
      await Promise.all(served);
    })();
    before = usage();
    const clients = new Clients((listener.addr as Deno.NetAddr).port, n);
    await clients.ready();
    while (idle < n) await new Promise((r) => setTimeout(r, 1));
    after = usage();
    await clients.close();
    while (finished < n) await new Promise((r) => setTimeout(r, 1));
    listener.close();
    await accepting;
  } else {
    unknownImpl(impl);
  }
  check(finished === n, `${finished} of ${n} handlers finished`);
  return {
    bytes: (after.bytes - before.bytes) / n,
    rss: (after.rss - before.rss) / n,
    n,
  };
}

await main(measure, ["n"]);
