/**
 * The server side of `fd_exhaustion_test.ts` and
 * `fd_exhaustion_default_handler_test.ts`, run under a low `ulimit -n`:
 * `deno run --allow-net=127.0.0.1 _emfile_server.ts <clients> <pauseMs>
 * <collect|default>` prints its port, says `hi` to each client and waits
 * for it to close, then prints `{ served, reports }` as JSON once `clients`
 * were served. With `collect` the loop's reports are collected; with
 * `default` the default exception handler prints them.
 *
 * @module
 */

import { getRunningLoop } from "../../loop/mod.ts";
import { run } from "../../task/mod.ts";
import { startServer } from "../../io/mod.ts";

const clients = Number(Deno.args[0]);
const pause = Number(Deno.args[1]);
const collect = Deno.args[2] !== "default";
const result = await run(async () => {
  const reports: string[] = [];
  if (collect) {
    getRunningLoop().setExceptionHandler((_loop, ctx) => {
      reports.push(ctx.message);
    });
  }
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
  return { served, reports };
});
console.log(JSON.stringify(result));
