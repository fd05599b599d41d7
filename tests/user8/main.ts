/**
 * The crawl service as a program: crawls the local origin until done, the
 * deadline, or Ctrl-C (SIGINT cancels the main task: `run()` does it), and
 * always closes the origin. Prints one line per event.
 *
 * `deno run -A --config deno.json tests/user8/main.ts [deadlineMs]`
 *
 * @module
 */

import { CancelledError, run } from "@aio/asyncio/task";
import { crawlService } from "./service.ts";

const deadlineMs = Number(Deno.args[0] ?? 30_000);
const log: string[] = [];
const print = (line: string) => {
  log.push(line);
  console.log(line);
};
const logged = new Proxy(log, {
  get: (t, p) => p === "push" ? (s: string) => print(s) : Reflect.get(t, p),
});

try {
  const report = await run(() =>
    crawlService({
      origin: { pageMs: 200, slowMs: 60_000 },
      requestTimeoutMs: 60_000,
      deadlineMs,
      log: logged,
      onEvent: (e) => {
        if (e.kind === "page") print(`page ${new URL(e.url).pathname}`);
      },
    })
  );
  print(`stopped by ${report.stoppedBy}`);
} catch (e) {
  if (!(e instanceof CancelledError)) throw e;
  print("interrupted");
}
