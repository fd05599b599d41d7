/**
 * Async I/O on asyncio's model: buffered streams with backpressure, TCP,
 * TLS and Unix servers and connections, TLS upgrades (`startTls`), UDP
 * endpoints, files and subprocesses. Every wait is on a library future, so
 * cancelling the waiting task (or aborting its `signal`) ends it, and a
 * cancelled read loses no byte.
 *
 * ```ts
 * import { openConnection, startServer } from "@aio/asyncio/io";
 * import { run } from "@aio/asyncio/task";
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
 * ## Cancellation
 *
 * Every method that can wait takes `{ signal }` (a pre-aborted signal
 * rejects at once, even when data is ready) and is a wait on a library
 * future, so cancelling the waiting task ends it too. Reads take bytes out
 * of the buffer only once they can return them, so a cancelled read loses
 * nothing, even when the task is cancelled after data woke it. The
 * functions that open something (`openConnection`, `openUnixConnection`,
 * `openFile`, `copyFile`, `createSubprocessExec`, `startServer`...) return
 * a library future of a cancel scope of their own, so `waitFor()`,
 * `gather()` and deadlines that hold the promise cancel them rather than
 * abandon them. Host operations (a file write, a connect) run to their end;
 * a connection or file opened for a cancelled wait is closed, a cancelled
 * `copyFile()` removes its partial destination, and a child spawned for a
 * cancelled wait is killed.
 *
 * ## Where this differs from asyncio, and why
 *
 * - `writer.write()` returns `void` and never waits (as asyncio); call
 *   `await writer.drain()` for backpressure.
 * - A server handler's connection is closed when the handler returns or
 *   throws (asyncio leaves it open). Deno's sanitizers and resource limits
 *   make a forgotten connection a leak; keep the handler running for as long
 *   as you use the connection.
 * - Servers listen on `127.0.0.1` unless told otherwise (asyncio and Deno
 *   default to every interface).
 * - A reader's pump pauses above `limit` bytes, not twice the limit.
 * - `readLine()` throws `LimitOverrunError` (asyncio: `ValueError`) after
 *   dropping the over-long line, as asyncio does.
 * - Large reads (16 KiB or more) may hand the reader's storage over instead
 *   of copying it (mind `byteOffset`); the reader never changes bytes it
 *   returned, and no two results share memory.
 * - `reader.readInto(buffer)` reads into a buffer of yours (asyncio's
 *   streams have no `readinto()`); on a socket, with the reader's buffer
 *   empty, the socket reads straight into it. Deno cannot cancel a socket
 *   read, so after a `readInto()` cancelled while waiting, `buffer` may
 *   still receive that read's bytes; the reader keeps a copy of them for
 *   the next read, and a `readInto()` with the same `buffer` takes the read
 *   over.
 * - A connection is read when a read waits for data, never ahead of the
 *   reader; asyncio reads whenever the socket is readable. So no read is
 *   pending between reads, which `writer.startTls()` needs: Deno can neither
 *   cancel a socket read nor upgrade a socket that has one. An idle
 *   connection holds a 256-byte read (about 6 KB in all, asyncio's figure),
 *   whatever it carried before, except after a transfer that ended exactly
 *   on a full read: nothing tells that the peer went quiet, and it holds a
 *   64 KiB read until the peer sends again. Data a handler does not read
 *   waits in the kernel, which applies TCP's own backpressure.
 * - A stream that fails (a connection reset, a stream's error) hands out the
 *   bytes that arrived before the error first: a read throws the error
 *   only where it would wait for more (`read(n)` returns what is left,
 *   then throws; `read()` to EOF throws and leaves the bytes for `read(n)`).
 *   asyncio's `set_exception()` makes every read raise at once, and those
 *   bytes are lost.
 * - A TLS peer that hangs up without a `close_notify` alert (Python's `ssl`
 *   socket closed without `unwrap()`, HTTP/1.0 bodies, peers that crash)
 *   ends the stream: reads return what it sent, then EOF, as asyncio's SSL
 *   protocol does. Deno reports it as `UnexpectedEof`, which aio takes as
 *   EOF; a hang-up during the handshake stays an error. A cut connection
 *   looks the same, so a protocol that must know its data is complete
 *   delimits it itself (a length, an end marker). A peer that closes with
 *   bytes of ours unread (TLS 1.3 session tickets a Python client never
 *   read, say) is reset by its kernel instead: the reads return what it
 *   sent, then throw `ConnectionReset`, as in asyncio; `read()` to EOF
 *   throws at once and leaves those bytes for `read(n)`.
 * - `writer.startTls()` upgrades the client side only (`Deno.startTls`);
 *   Deno has no server-side upgrade, so a server starts with `tls` instead.
 * - A TLS connection closed before its handshake finished keeps its socket
 *   until the peer sends something or hangs up: Deno 2.9 runs the handshake
 *   in a task that nothing in its API stops. aio's side closes at once (a
 *   TLS server, which runs the handler only after the handshake, counts the
 *   connection gone), but a client that never sends a ClientHello holds a
 *   descriptor after `closeClients()` or `abortClients()`, or after its
 *   handshake time limit let it go, and so does a `startTls()` or TLS
 *   `openConnection()` cancelled or timed out while its peer stalls.
 *   asyncio closes the socket at once.
 * - A TLS handshake has `handshakeTimeoutMs` to finish (60 s by default,
 *   asyncio's `ssl_handshake_timeout`; `null` for no limit): a server's
 *   `tls` option closes a client that has not finished by then (reported
 *   in debug mode only, its handler never runs), and `openConnection({
 *   tls })` and `writer.startTls()` fail with `TimeoutError`, the
 *   connection closed. The timer runs on the loop's clock.
 * - UDP endpoints have no protocol object: `send()`, `await recv()`,
 *   `for await`; Deno 2.9 needs `--unstable-net` for them. Without a
 *   `localAddr` they bind loopback (asyncio leaves them unbound).
 * - `stderr: "stdout"` runs the program through `/bin/sh`, which gives the
 *   program one pipe as both descriptors so that the kernel keeps the
 *   order: Deno cannot pass one pipe twice. Not on Windows.
 * - A server pauses accepting for `acceptPauseMs` (1 s) when it runs out of
 *   descriptors or memory, as asyncio; peers that reset before accept are
 *   skipped without a report (debug mode reports them).
 * - Out of descriptors or memory, the functions that open something
 *   (`openConnection()`, `openFile()`, `startServer()`,
 *   `createSubprocessExec()`, `createDatagramEndpoint()`...) fail with the
 *   host's error (`code` `EMFILE`...) whose stack is just `Name: message`:
 *   Deno 2.9 panics formatting a stack while no descriptor is free, and a
 *   caller logging the error must not kill the process.
 *
 * @module
 */

export { CancelledError, type SignalOptions } from "../loop/mod.ts";
export { AsyncFile, type AsyncFileOptions } from "./async_file.ts";
export { copyFile, type CopyFileOptions } from "./copy_file.ts";
export {
  createDatagramEndpoint,
  type CreateDatagramEndpointOptions,
} from "./create_datagram_endpoint.ts";
export {
  createSubprocessExec,
  type StdioOption,
  type SubprocessOptions,
} from "./create_subprocess_exec.ts";
export { createSubprocessShell } from "./create_subprocess_shell.ts";
export {
  type Datagram,
  type DatagramAddress,
  DatagramEndpoint,
  type DatagramEndpointOptions,
} from "./datagram_endpoint.ts";
export { IncompleteReadError, LimitOverrunError } from "./errors.ts";
export {
  openConnection,
  type OpenConnectionOptions,
  type TlsClientOptions,
} from "./open_connection.ts";
export { openFile, type OpenFileOptions } from "./open_file.ts";
export {
  openUnixConnection,
  type OpenUnixConnectionOptions,
} from "./open_unix_connection.ts";
export {
  Process,
  type ProcessOptions,
  type ProcessWaitOptions,
} from "./process.ts";
export {
  readerFromStream,
  type ReaderFromStreamOptions,
} from "./reader_from_stream.ts";
export {
  type ConnectionHandler,
  Server,
  type ServerOptions,
} from "./server.ts";
export {
  startServer,
  type StartServerOptions,
  type TlsServerOptions,
} from "./start_server.ts";
export {
  startUnixServer,
  type StartUnixServerOptions,
} from "./start_unix_server.ts";
export {
  DEFAULT_LIMIT,
  type Separator,
  StreamReader,
  type StreamReaderOptions,
} from "./stream_reader.ts";
export {
  type StartTlsOptions,
  StreamWriter,
  type StreamWriterOptions,
  type WriteSink,
} from "./stream_writer.ts";
export { writerFromStream } from "./writer_from_stream.ts";
