/**
 * The child of `peer_gone_drain_ignores_reader_limit_test.ts` (run with
 * `unix:` permission for its path only): `_unix_drain_unbounded.ts <path>`
 * connects to the peer at `path` (it shut down reading and sends without
 * end), writes until a write fails, then reads nothing for a second and
 * prints `{ err, buffered, limit }`: the write's error, the reader's
 * `bufferSize` and its `limit`. Then aborts the writer.
 *
 * @module
 */

import { openUnixConnection } from "../../io/mod.ts";
import { run, sleep } from "../../task/mod.ts";

const path = Deno.args[0]!;
const out = await run(async () => {
  const [reader, writer] = await openUnixConnection(path);
  let err = "";
  for (let i = 0; i < 10_000 && err === ""; i++) {
    try {
      writer.write(new Uint8Array(4096));
      await writer.drain();
    } catch (error) {
      err = (error as Error).name;
    }
  }
  await sleep(1);
  const buffered = reader.bufferSize;
  writer.abort();
  await writer.waitClosed();
  return { err, buffered, limit: reader.limit };
});
console.log(JSON.stringify(out));
