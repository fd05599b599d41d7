/**
 * A loop that always has work (a task yielding with `sleep(0)` in a loop,
 * the asyncio idiom for cooperative CPU work) kept data that arrived on a
 * socket waiting for about 250 ms per read.
 *
 * The loop yields to the host every 4 ms of work with `setImmediate`, and
 * Deno polls its sockets only when it has nothing to run, or once every 61
 * of its turns (measured with raw Deno: a pending `conn.read()` resolved
 * after 61 `setImmediate` hops, after one `setTimeout(0)` hop). So a read
 * waited 61 yields: 250 ms with one round trip, seconds for a chain of
 * them.
 *
 * Expected: once the loop has not waited on the host for `PARK_EVERY_MS`
 * (50 ms), its yield is a `setTimeout(0)`, which lets the host poll; a
 * busy loop keeps arrived data waiting one such yield at most. Speed is
 * not asserted (no timed assertion in a test): the test spies on the host
 * timers and asserts that the data arrives within three of the loop's
 * polling yields, and that the busy loop makes them at all.
 */

import assert from "node:assert/strict";
import { openConnection, startServer } from "../../io/mod.ts";
import { Event } from "../../sync/mod.ts";
import { run, sleep } from "../../task/mod.ts";

const text = new TextDecoder();

Deno.test("a loop busy with sleep(0) lets the host poll its sockets", async () => {
  const realSetTimeout = globalThis.setTimeout;
  let parks = 0;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    if (ms === 0) parks++;
    return realSetTimeout(fn, ms);
  }) as typeof setTimeout;
  try {
    const [parksToArrive, lines] = await run(async () => {
      const connected = new Event();
      const lines: string[] = [];
      await using server = await startServer(async (r, w) => {
        connected.set();
        for (let line; (line = await r.readLine()).length > 0;) {
          lines.push(text.decode(line).trim());
          w.write(line);
        }
      }, { port: 0, hostname: "127.0.0.1" });
      const [r, w] = await openConnection({
        port: server.port,
        hostname: "127.0.0.1",
      });
      await connected.wait();
      const parksBefore = parks;
      // Busy from here on: three round trips while a task spins on sleep(0).
      let echoed = 0;
      const spinner = (async () => {
        while (echoed < 3) await sleep(0);
      })();
      for (const word of ["a", "b", "c"]) {
        w.write(`${word}\n`);
        assert.equal(text.decode(await r.readLine()), `${word}\n`);
        echoed++;
      }
      await spinner;
      const parksToArrive = parks - parksBefore;
      await w[Symbol.asyncDispose]();
      return [parksToArrive, lines] as const;
    });
    assert.deepEqual(lines, ["a", "b", "c"]);
    // Each round trip is a write, a read at the server, a write back and a
    // read here: a few polls each, each poll one park at most.
    assert.ok(parksToArrive >= 1, "the busy loop never let the host poll");
    assert.ok(
      parksToArrive <= 3 * 4,
      `${parksToArrive} polling yields for three round trips`,
    );
  } finally {
    globalThis.setTimeout = realSetTimeout;
  }
});
