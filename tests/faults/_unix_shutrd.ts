/**
 * A child of `unix_peer_stops_reading_test.ts` (run with `unix:` permission
 * for its path only):
 *
 * - `_unix_shutrd.ts client <path>`: connects to the peer at `path`, reads
 *   its line, writes until a write fails (the peer shut down reading), then
 *   `abort()`s the writer: prints `aborted`, then `closed` once
 *   `waitClosed()` returns;
 * - `_unix_shutrd.ts close <path>`: as `client`, but `close()`s the writer
 *   instead (prints `closing`, then `closed` once `waitClosed()` returns),
 *   then prints `next: <bytes>` for the next read (nothing: EOF);
 * - `_unix_shutrd.ts server <path>`: serves on `path` (prints `listening`);
 *   the handler reads a line and writes until a write fails (prints
 *   `write failed`); then the server is closed with `abortClients()`:
 *   prints `closed` once `waitClosed()` returns;
 * - `_unix_shutrd.ts readinto <path>`: connects; a `readInto()` waits while
 *   a write fails (prints `write failed`); once the peer's bytes land in the
 *   buffer, the `readInto()` is cancelled before it resumes: prints
 *   `readInto: <what it ended with>`, then `next: <bytes the next read
 *   got>`.
 *
 * @module
 */

import { openUnixConnection, startUnixServer } from "../../io/mod.ts";
import type { StreamWriter } from "../../io/mod.ts";
import { Event } from "../../sync/mod.ts";
import { createTask, run, sleep } from "../../task/mod.ts";
import { getRunningLoop } from "../../loop/mod.ts";

const [mode, path] = Deno.args as [string, string];

/** Writes until a write fails; returns the error's name. */
async function writeUntilFailure(writer: StreamWriter): Promise<string> {
  const chunk = new Uint8Array(4096);
  for (let i = 0; i < 10_000; i++) {
    try {
      writer.write(chunk);
      await writer.drain();
    } catch (error) {
      return (error as Error).name;
    }
  }
  return "no failure";
}

await run(async () => {
  if (mode === "client") {
    const [reader, writer] = await openUnixConnection(path);
    await reader.readLine();
    console.log(`write: ${await writeUntilFailure(writer)}`);
    writer.abort();
    console.log("aborted");
    await writer.waitClosed();
    console.log("closed");
  } else if (mode === "close") {
    const [reader, writer] = await openUnixConnection(path);
    await reader.readLine();
    console.log(`write: ${await writeUntilFailure(writer)}`);
    writer.close();
    console.log("closing");
    await writer.waitClosed();
    console.log("closed");
    const next = await reader.read(1000);
    console.log(`next: ${new TextDecoder().decode(next)}`);
  } else if (mode === "readinto") {
    const [reader, writer] = await openUnixConnection(path);
    await reader.readLine();
    const buf = new Uint8Array(1000);
    const task = createTask(() => reader.readInto(buf));
    await sleep(20);
    writer.write("x");
    // The write fails (EPIPE): the writer closes and drains the socket.
    while (!writer.isClosing()) await sleep(5);
    console.log("write failed");
    // Cancel the readInto() in the first tick after its bytes landed.
    const loop = getRunningLoop();
    const poll = () => {
      if (buf[0] !== 0) task.cancel();
      else loop.callSoon(poll);
    };
    loop.callSoon(poll);
    try {
      console.log(`readInto: returned ${await task}`);
    } catch (error) {
      console.log(`readInto: ${String(error)}`);
    }
    try {
      const next = await reader.read(1000);
      console.log(`next: ${new TextDecoder().decode(next)}`);
    } catch (error) {
      console.log(`next: ${String(error)}`);
    }
    writer.abort();
  } else {
    const failed = new Event();
    const server = await startUnixServer(async (reader, writer) => {
      await reader.readLine();
      console.log(`write: ${await writeUntilFailure(writer)}`);
      failed.set();
    }, { path });
    console.log("listening");
    await failed.wait();
    server.close();
    server.abortClients();
    console.log("aborted");
    await server.waitClosed();
    console.log("closed");
  }
});
