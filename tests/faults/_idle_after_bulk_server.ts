/**
 * The server side of `idle_after_bulk_test.ts` and
 * `idle_partial_frame_holds_burst_storage_test.ts`: `deno run
 * --allow-net=127.0.0.1 --allow-run --allow-read --v8-flags=--expose-gc
 * _idle_after_bulk_server.ts <n> <size> [tail]` serves `n` clients
 * (started in their own process, `_bulk_client.ts`) that each send `size`
 * bytes, then `tail` bytes (default 0) of a 4-byte header whose rest never
 * comes. Each handler reads the `size` bytes with `readExactly(size)`, then
 * waits: in `read()` with an empty buffer, or with `tail` bytes buffered in
 * `readExactly(4)`. Once all `n` wait, prints `{ bytes }`: the JS heap
 * plus external memory (`ArrayBuffer`s) after full GCs, per connection,
 * over what it was before the clients connected. Then the clients hang up
 * and every handler sees EOF.
 *
 * @module
 */

import { IncompleteReadError, startServer } from "../../io/mod.ts";
import { Event } from "../../sync/mod.ts";
import { run } from "../../task/mod.ts";

const gc = (globalThis as { gc?: () => void }).gc!;
const [n, size, tail = 0] = Deno.args.map(Number) as [
  number,
  number,
  number?,
];

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
    if (tail === 0) {
      if (++idle === n) allIdle.set();
      const rest = await r.read();
      if (rest.length !== 0) throw new Error("data after the upload");
    } else {
      // The tail buffered first, so that the next read waits with a
      // partial header (not on an empty reader).
      while (r.bufferSize < tail) await new Promise((t) => setTimeout(t, 1));
      const header = r.readExactly(4);
      if (++idle === n) allIdle.set();
      await header.then(
        () => Promise.reject(new Error("a header came")),
        (error) => {
          if (!(error instanceof IncompleteReadError)) throw error;
        },
      );
    }
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
      String(size + tail),
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
