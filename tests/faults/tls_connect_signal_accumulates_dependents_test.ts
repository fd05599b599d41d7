/**
 * `openConnection({ tls, signal })` with a long-lived signal (a client's
 * shutdown signal, passed to every connect).
 *
 * Since a454e48 the TLS handshake's time limit is a signal of its own,
 * combined with the caller's by `AbortSignal.any([signal, deadline])`
 * (io/_handshake_timeout.ts). Deno 2.9 records each signal made so in its
 * source's `[[dependentSignals]]` set and never removes the entry until
 * the source aborts, even once the combined signal is unreachable: every
 * TLS connect (and `writer.startTls()`) with the same signal adds one for
 * good. Measured: 200,000 `AbortSignal.any([long, fresh])` keep 71 MB on
 * `long`; 20 connects leave 20 entries. A client that connects over TLS
 * per request with its shutdown signal grows for as long as it runs.
 * (Before a454e48 the caller's signal was used as it was: nothing
 * accumulated.)
 *
 * Expected: a connect adds nothing that outlives it to the caller's
 * signal (listen to the caller's signal and the deadline separately, as
 * the futures' shared listeners already do, rather than combining them
 * with `AbortSignal.any`).
 *
 * The test reads Deno's internal set through its symbol's description;
 * where Deno has no such set, it passes.
 *
 * Fixed: the handshake's deadline listens to the caller's signal and
 * removes its listener when the handshake ends, instead of
 * `AbortSignal.any()`.
 */

import assert from "node:assert/strict";
import { openConnection, startServer } from "@aio/asyncio/io";
import { run } from "@aio/asyncio/task";

const cert = await Deno.readTextFile(
  new URL("../../io/testdata/cert.pem", import.meta.url),
);
const key = await Deno.readTextFile(
  new URL("../../io/testdata/key.pem", import.meta.url),
);

/** How many dependent signals Deno keeps on `signal` (0 if it keeps none). */
function dependents(signal: AbortSignal): number {
  const symbol = Object.getOwnPropertySymbols(signal).find((s) =>
    s.description === "[[dependentSignals]]"
  );
  if (symbol === undefined) return 0;
  const set = (signal as unknown as Record<symbol, { size?: number }>)[symbol];
  return set?.size ?? 0;
}

Deno.test("TLS connects with one long-lived signal leave nothing on it", async () => {
  const shutdown = new AbortController();
  const counts = await run(async () => {
    await using server = await startServer(() => {}, {
      port: 0,
      tls: { cert, key },
    });
    const before = dependents(shutdown.signal);
    for (let i = 0; i < 10; i++) {
      const [, w] = await openConnection({
        port: server.port,
        signal: shutdown.signal,
        tls: { hostname: "localhost", caCerts: [cert] },
      });
      await w[Symbol.asyncDispose]();
    }
    return { before, after: dependents(shutdown.signal) };
  });
  assert.deepEqual(counts, { before: 0, after: 0 });
});
