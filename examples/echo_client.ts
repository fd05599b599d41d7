/**
 * An echo client: connects, sends five lines, checks that each comes back,
 * and exits. Without a port it starts `echo_server.ts`'s server in the same
 * program first, so it runs on its own.
 *
 * Run: `deno run --allow-net=127.0.0.1 examples/echo_client.ts [PORT]`
 *
 * @module
 */

import { openConnection, type Server } from "../io/mod.ts";
import { run } from "../task/mod.ts";
import { startEchoServer } from "./echo_server.ts";

const decoder = new TextDecoder();

await run(async () => {
  let server: Server | null = null;
  let port = Number(Deno.args[0] ?? NaN);
  if (Number.isNaN(port)) {
    server = await startEchoServer(0, 1);
    port = server.port;
    console.log(`started an echo server on 127.0.0.1:${port}`);
  }
  const [reader, writer] = await openConnection({
    hostname: "127.0.0.1",
    port,
  });
  try {
    for (let i = 1; i <= 5; i++) {
      const message = `message ${i}\n`;
      writer.write(message);
      await writer.drain();
      const echoed = decoder.decode(await reader.readLine());
      if (echoed !== message) {
        throw new Error(
          `Expected ${JSON.stringify(message)}, got ${JSON.stringify(echoed)}`,
        );
      }
      console.log(`echoed: ${echoed.trimEnd()}`);
    }
  } finally {
    writer.close();
    await writer.waitClosed();
  }
  if (server !== null) await server.waitClosed();
  console.log("ok: 5 lines echoed");
});
