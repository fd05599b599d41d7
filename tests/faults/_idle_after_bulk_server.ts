/**
 * The server side of `idle_after_bulk_test.ts`: `deno run
 * --allow-net=127.0.0.1 --allow-run --allow-read --v8-flags=--expose-gc
 * _idle_after_bulk_server.ts <n> <size>` serves `n` clients (started in
 * their own process, `_bulk_client.ts`) that each send `size` bytes; each
 * handler reads them with `readExactly(size)`, then waits in `read()`.
 * Once all `n` wait, prints `{ bytes }`: the JS heap plus external memory
 * (`ArrayBuffer`s) after full GCs, per connection, over what it was before
 * the clients connected. Then the clients hang up and every handler sees
 * EOF.
 *
 * @module
 */

import { startServer } from "../../io/mod.ts";
import { Event } from "../../sync/mod.ts";
import { run } from "../../task/mod.ts";

const gc = (globalThis as { gc?: () => void }).gc!;
const [n, size] = Deno.args.map(Number) as [number, number];

async function usage(): Promise<number> {
  gc();
  await new Promise((r) => setTimeout(r, 0));
  gc();
  const m = Deno.memoryUsage();
  return m.heapUsed + m.external;
}

const result = await run(async () => {
  let idle = 0;
  let finished = 0;
  const allIdle = new Event();
  const allDone = new Event();
  await using server = await startServer(async (r) => {
    await r.readExactly(size);
    if (++idle === n) allIdle.set();
    const rest = await r.read();
    if (rest.length !== 0) throw new Error("data after the upload");
    if (++finished === n) allDone.set();
  }, { port: 0 });
  const before = await usage();
  const client = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--quiet",
      "--allow-net=127.0.0.1",
      new URL("_bulk_client.ts", import.meta.url).pathname,
      String(server.port),
      String(n),
      String(size),
    ],
    stdin: "piped",
    stdout: "null",
  }).spawn();
  await allIdle.wait();
  const after = await usage();
  await client.stdin.close();
  await client.status;
  await allDone.wait();
  return { n, size, bytes: Math.round((after - before) / n) };
});
console.log(JSON.stringify(result));
