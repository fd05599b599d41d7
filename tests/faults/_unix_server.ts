/**
 * A child of `unix_stale_socket_test.ts`:
 *
 * - `_unix_server.ts raw <path>`: `Deno.listen`s on `path`, prints `ready`
 *   and waits to be killed (a crashed server leaves its socket file);
 * - `_unix_server.ts aio <path>`: starts an aio Unix server on `path`,
 *   prints `started`, or the error it failed with, then closes it.
 *
 * @module
 */

import { startUnixServer } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";

const [mode, path] = Deno.args as [string, string];
if (mode === "raw") {
  const listener = Deno.listen({ transport: "unix", path });
  console.log("ready");
  // A pending accept keeps the process alive until it is killed (a bare
  // pending promise would let Deno exit, and remove the file on the way).
  await listener.accept();
} else {
  const outcome = await run(async () => {
    try {
      const server = await startUnixServer(() => {}, { path });
      server.close();
      await server.waitClosed();
      return "started";
    } catch (error) {
      return String(error);
    }
  });
  console.log(outcome);
}
