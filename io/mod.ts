/**
 * Async I/O on asyncio's model: buffered streams with backpressure, TCP,
 * TLS and Unix servers and connections, files and subprocesses. Every wait
 * is on a library future, so cancelling the waiting task (or aborting its
 * `signal`) ends it, and a cancelled read loses no byte.
 *
 * ```ts
 * import { openConnection, startServer } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const echoed = await run(async () => {
 *   await using server = await startServer(async (reader, writer) => {
 *     for await (const line of reader) {
 *       writer.write(line);
 *       await writer.drain();
 *     }
 *   }, { port: 0 });
 *   const [reader, writer] = await openConnection({ port: server.port });
 *   writer.write("hello\n");
 *   const line = new TextDecoder().decode(await reader.readLine());
 *   writer.close();
 *   await writer.waitClosed();
 *   return line;
 * });
 * assert.equal(echoed, "hello\n");
 * ```
 *
 * @module
 */

export * from "./open_connection.ts";
export * from "./open_unix_connection.ts";
export * from "./server.ts";
export * from "./start_server.ts";
export * from "./start_unix_server.ts";
export * from "./stream_reader.ts";
export * from "./stream_writer.ts";
export * from "./reader_from_stream.ts";
export * from "./writer_from_stream.ts";
export * from "./async_file.ts";
export * from "./open_file.ts";
export * from "./create_subprocess_exec.ts";
export * from "./create_subprocess_shell.ts";
export * from "./process.ts";
