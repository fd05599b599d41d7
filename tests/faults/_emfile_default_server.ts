/**
 * The server side of `fd_exhaustion_default_handler_test.ts`, run under a
 * low `ulimit -n`, with the loop's default exception handler (it prints):
 * `deno run --allow-net=127.0.0.1 _emfile_default_server.ts <clients> <pauseMs>`
 * prints its port, says `hi` to each client and waits for it to close,
 * then prints `{ served }` as JSON once `clients` were served.
 *
 * @module
 */

import { run } from "../../task/mod.ts";
import { startServer } from "../../io/mod.ts";

const clients = Number(Deno.args[0]);
const pause = Number(Deno.args[1]);
const result = await run(async () => {
  let served = 0;
  const all = Promise.withResolvers<void>();
  await using server = await startServer(async (r, w) => {
    w.write("hi\n");
    await w.drain();
    await r.read().catch(() => {});
    if (++served === clients) all.resolve();
  }, { port: 0, acceptPauseMs: pause });
  console.log(server.port);
  await all.promise;
  return { served };
});
console.log(JSON.stringify(result));
