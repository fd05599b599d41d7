/**
 * A server still open when `run()` ends.
 *
 * `run(main)` closes its loop when `main` returns. A `Server` that `main`
 * started and did not close stayed bound to that closed loop: its listener
 * stayed open and its accept loop kept accepting connections, only to
 * close each at once (the loop could not run a handler any more). Clients
 * saw a connection accepted and dropped, `isServing()` stayed `true`, and
 * the pending accept kept Deno's event loop alive: the program never
 * exited after `run()` returned (measured: `await run(async () => { await
 * startServer(h, { port: 0 }) })` then `console.log("done")` printed and
 * hung; the same program with CPython 3.11's `asyncio.run()` and
 * `start_server()` exits at once).
 *
 * Fixed: a server registers with its loop's `onClose` (one listener per
 * loop, for the servers still open on it) and closes as `close()` would
 * when the loop closes: `isServing()` is `false` from then on, the
 * listener goes, so the program can end and clients are refused. Deno drops a
 * listener whose accept is pending at its next turn, as after any
 * `close()`: a client that connects within the same turn is reset rather
 * than refused, so the test lets one turn pass before it connects.
 */

import assert from "node:assert/strict";
import { run } from "../../task/mod.ts";
import { type Server, startServer } from "../../io/mod.ts";

Deno.test("a server left open when run() ends stops listening", async () => {
  let server: Server | undefined;
  await run(async () => {
    server = await startServer(() => {}, { hostname: "127.0.0.1", port: 0 });
  });
  try {
    assert.equal(
      server!.isServing(),
      false,
      "the server's loop is closed, yet it is still serving",
    );
    // Deno's turn that drops the listener (as after any close()).
    await new Promise((resolve) => setTimeout(resolve, 0));
    let outcome: string;
    try {
      const conn = await Deno.connect({
        hostname: "127.0.0.1",
        port: server!.port,
      });
      const n = await conn.read(new Uint8Array(1));
      conn.close();
      outcome = n === null ? "accepted, then dropped" : "accepted";
    } catch (error) {
      outcome = error instanceof Deno.errors.ConnectionRefused
        ? "refused"
        : String(error);
    }
    assert.equal(outcome, "refused");
  } finally {
    // Let the accept loop end so the sanitizers see no listener left.
    server!.close();
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
});

Deno.test("a program whose run() left a server open exits", async () => {
  const io = new URL("../../io/mod.ts", import.meta.url).href;
  const task = new URL("../../task/mod.ts", import.meta.url).href;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      "--ext=ts",
      `import { startServer } from "${io}";
import { run } from "${task}";
await run(async () => {
  await startServer(() => {}, { hostname: "127.0.0.1", port: 0 });
});
console.log("done");`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A bound for a program that hangs, so the test fails instead.
  const guard = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    const { code, signal, stdout } = await child.output();
    assert.deepEqual(
      { code, signal, stdout: new TextDecoder().decode(stdout) },
      { code: 0, signal: null, stdout: "done\n" },
    );
  } finally {
    clearTimeout(guard);
  }
});
