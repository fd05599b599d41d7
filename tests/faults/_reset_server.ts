/**
 * The server side of `reset_flood_test.ts`, with the loop's default
 * exception handler (reports go to stderr): `deno run
 * --allow-net=127.0.0.1 _reset_server.ts [debug]` prints its port and
 * echoes a line per connection until its stdin ends.
 *
 * @module
 */

import { run } from "../../task/mod.ts";
import { startServer } from "../../io/mod.ts";

await run(async () => {
  await using server = await startServer(async (r, w) => {
    try {
      w.write(await r.readLine());
      await w.drain();
    } catch {
      // A peer that reset after it was accepted: nothing to answer.
    }
  }, { port: 0 });
  console.log(server.port);
  for await (const _ of Deno.stdin.readable) {
    // Serve until stdin ends.
  }
}, { debug: Deno.args[0] === "debug" });
