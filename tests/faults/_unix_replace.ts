/**
 * A child of `unix_server_replaced_test.ts` (run with `unix:` permission for
 * its path only): two aio Unix servers on one path, the second started
 * while the first still serves (`while-serving`) or right after the first's
 * `close()` (`reload`). Once the first has closed, prints whether the
 * socket file exists and whether a client reaches the second server.
 * `keep`: one server with `cleanup: false`; once closed, prints whether
 * its socket file exists (Deno removes a Unix listener's path when it
 * drops it) and `client: none`.
 *
 * @module
 */

import { openUnixConnection, startUnixServer } from "../../io/mod.ts";
import { run } from "../../task/mod.ts";

const [mode, path] = Deno.args as [string, string];

await run(async () => {
  const handler = async (_r: unknown, w: { write(s: string): void }) => {
    w.write("second\n");
  };
  if (mode === "keep") {
    const server = await startUnixServer(() => {}, { path, cleanup: false });
    server.close();
    await server.waitClosed();
    console.log(`file: ${Deno.lstatSync(path).isSocket ? "exists" : "gone"}`);
    console.log("client: none");
    return;
  }
  const first = await startUnixServer(() => {}, { path });
  let second;
  if (mode === "while-serving") {
    second = await startUnixServer(handler, { path });
    first.close();
  } else {
    first.close();
    second = await startUnixServer(handler, { path });
  }
  await first.waitClosed();
  let exists = true;
  try {
    Deno.lstatSync(path);
  } catch {
    exists = false;
  }
  console.log(`file: ${exists ? "exists" : "gone"}`);
  try {
    const [reader, writer] = await openUnixConnection(path);
    console.log(`client: ${new TextDecoder().decode(await reader.readLine())}`);
    writer.close();
    await writer.waitClosed();
  } catch (error) {
    console.log(`client: ${String(error)}`);
  }
  second.close();
  await second.waitClosed();
});
