/**
 * A TCP echo server on asyncio-style streams: each connection is handled by
 * its own task, which echoes lines back until the client closes.
 *
 * It prints `listening on 127.0.0.1:PORT`, serves `--clients N` connections
 * (3 by default), then closes and exits. Ctrl-C stops it too.
 *
 * Run: `deno run --allow-net=127.0.0.1 examples/echo_server.ts --port 8888`
 * and talk to it with `examples/echo_client.ts 8888` (or `nc 127.0.0.1 8888`).
 *
 * @module
 */

import { type Server, startServer } from "../io/mod.ts";
import type { StreamReader, StreamWriter } from "../io/mod.ts";
import { run } from "../task/mod.ts";

/** Echoes every line back, flushing as it goes. */
export async function echoHandler(
  reader: StreamReader,
  writer: StreamWriter,
): Promise<void> {
  for await (const line of reader) {
    writer.write(line);
    await writer.drain();
  }
}

/**
 * Starts an echo server on 127.0.0.1 that closes itself after `clients`
 * connections ended.
 */
export async function startEchoServer(
  port = 0,
  clients = Infinity,
): Promise<Server> {
  let served = 0;
  let server: Server | undefined = undefined;
  server = await startServer(async (reader, writer) => {
    try {
      await echoHandler(reader, writer);
    } finally {
      if (++served >= clients) server?.close();
    }
  }, { hostname: "127.0.0.1", port });
  return server;
}

function flag(name: string, fallback: number): number {
  const i = Deno.args.indexOf(name);
  return i === -1 ? fallback : Number(Deno.args[i + 1]);
}

if (import.meta.main) {
  await run(async () => {
    const clients = flag("--clients", 3);
    const server = await startEchoServer(flag("--port", 8888), clients);
    console.log(`listening on 127.0.0.1:${server.port}`);
    await server.waitClosed();
    console.log(`served ${clients} clients, bye`);
  });
}
