/**
 * The server side of `idle_partial_frame_holds_burst_storage_test.ts`:
 * `deno run --allow-net=127.0.0.1 --allow-run --allow-read
 * --v8-flags=--expose-gc _idle_partial_frame_server.ts <n> <size>` serves
 * `n` clients (`_bulk_client.ts`, in its own process) that each send
 * `size + 2` bytes: a `size`-byte record, then the first 2 bytes of a
 * 4-byte header whose rest never comes. Each handler reads the record with
 * `readExactly(size)`, then waits in `readExactly(4)` with 2 bytes
 * buffered. Once all wait, prints `{ bytes }`: the JS heap plus external
 * memory after full GCs, per connection, over what it was before.
 *
 * @module
 */

import { IncompleteReadError, startServer } from "../../io/mod.ts";
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
    // Wait until the 2 bytes are buffered, so that the next read waits
    // with a partial header (not on an empty reader).
    while (r.bufferSize < 2) await new Promise((res) => setTimeout(res, 1));
    const header = r.readExactly(4);
    if (++idle === n) allIdle.set();
    try {
      await header;
      throw new Error("a header came");
    } catch (error) {
      if (!(error instanceof IncompleteReadError)) throw error;
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
      String(size + 2),
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
