/**
 * A server out of file descriptors, with the default exception handler.
 *
 * `fd_exhaustion_test.ts` installs its own exception handler, which only
 * counts messages. With the default one, the server's report of the pause
 * ("Out of system resources accepting a connection") prints the `EMFILE`
 * error's stack, and Deno 2.9.6 panics formatting the stack of an error
 * made while no descriptor is free (`stacker` cannot read
 * `/proc/self/maps`: "assertion `left == right` failed, left: 24"): the
 * whole process dies at the first pause and serves none of the clients.
 * (Formatting the stack of any `Error` created while descriptors are
 * exhausted panics the same way, so any default report of such an error
 * does.)
 *
 * Expected (asyncio's accept loop, and this library's docs: "A server
 * pauses accepting for `acceptPauseMs` (1 s) when it runs out of
 * descriptors or memory"): the report is printed, the server pauses, and
 * goes on serving every client.
 */

import assert from "node:assert/strict";
import { denoScript, greetAll, spawn } from "./_util.ts";

const CLIENTS = 150;
const LIMIT = 80;
const PAUSE_MS = 50;

Deno.test(
  `a server out of file descriptors (ulimit -n ${LIMIT}) with the default exception handler survives its report and serves all ${CLIENTS} clients`,
  {
    ignore: Deno.build.os === "windows",
  },
  async () => {
    const server = denoScript(
      ["--allow-net=127.0.0.1"],
      "_emfile_server.ts",
      [String(CLIENTS), String(PAUSE_MS), "default"],
    );
    await using child = spawn("sh", [
      "-c",
      `ulimit -n ${LIMIT} && exec "$0" "$@"`,
      server.cmd,
      ...server.args,
    ]);
    const port = Number(await child.line());
    // As in fd_exhaustion_test.ts: more clients at once than the server has
    // descriptors for; each reads the greeting, then hangs up. A client
    // whose server died sees EOF or a refused connection.
    const greetings = await greetAll(port, CLIENTS, CLIENTS);
    await child.closeStdin();
    const { code, stderr } = await child.exit();
    assert.doesNotMatch(stderr, /panicked/, stderr.slice(0, 2_000));
    assert.equal(code, 0, stderr.slice(0, 2_000));
    assert.equal(greetings.filter((g) => g === "hi\n").length, CLIENTS);
    assert.match(stderr, /Out of system resources accepting a connection/);
  },
);
