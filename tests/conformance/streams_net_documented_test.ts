/**
 * CPython `Lib/test/test_asyncio/test_streams.py`, class `StreamTests`: the
 * connection cases where aio differs from asyncio on purpose. Each test
 * asserts aio's documented behaviour, names its CPython original and cites
 * the doc line.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  createSubprocessExec,
  openConnection,
  openUnixConnection,
  startServer,
  startUnixServer,
  type StreamReader,
  type StreamWriter,
} from "@aio/asyncio/io";
import { type ExceptionContext, getRunningLoop } from "@aio/asyncio/loop";
import { createTask, type Task } from "@aio/asyncio/task";
import {
  b,
  caught,
  netRun,
  runTestServer,
  str,
  unixPath,
} from "./_streams_util.ts";

function collectMessages(): ExceptionContext[] {
  const messages: ExceptionContext[] = [];
  getRunningLoop().setExceptionHandler((_loop, ctx) => messages.push(ctx));
  return messages;
}

// README, "How it differs from asyncio" (io module doc, "Where this differs
// from asyncio"): "A server handler's connection is closed when the handler
// returns or throws (asyncio leaves it open)." CPython's test_start_server
// and test_start_unix_server also run a *callback* handler that starts a
// task and returns; in asyncio that task echoes the line. In aio the
// connection closes when the callback returns: the client reads EOF, and
// the task's write() finds the writer closing.

/** CPython's `MyServer.handle_client_callback`, keeping the task it starts. */
function callbackHandler(tasks: Task<string>[]) {
  return (r: StreamReader, w: StreamWriter): void => {
    tasks.push(createTask(async () => {
      const e = await caught(async () => w.write(await r.readLine()));
      return String(e);
    }));
  };
}

/**
 * CPython's `client(addr)`. A server that closes with the client's line
 * unread makes the kernel reset the connection (Linux does so on Unix
 * sockets, and on TCP when the line arrived first): that is returned as
 * `"reset"`.
 */
async function client([r, w]: [StreamReader, StreamWriter]): Promise<string> {
  w.write(b("hello world!\n"));
  let msgback: string;
  try {
    msgback = str(await r.readLine());
  } catch (e) {
    if (!(e instanceof Deno.errors.ConnectionReset)) throw e;
    msgback = "reset";
  }
  w.close();
  await w.waitClosed().catch(() => {});
  return msgback;
}

Deno.test("StreamTests.test_start_server (callback handler): the connection closes when the callback returns (asyncio: the task echoes)", async () => {
  await netRun(async () => {
    const messages = collectMessages();
    const tasks: Task<string>[] = [];
    const server = await startServer(callbackHandler(tasks), {
      hostname: "127.0.0.1",
      port: 0,
    });
    const msg = await client(
      await openConnection({ hostname: "127.0.0.1", port: server.port }),
    );
    server.close();
    await server.waitClosed();
    // CPython: b"hello world!\n". aio: EOF (or a reset, see client()).
    assert.ok(msg === "" || msg === "reset", msg);
    assert.equal(tasks.length, 1);
    assert.match(await tasks[0]!, /closing|reset|lost/i);
    assert.deepEqual(messages, []);
  });
});

Deno.test("StreamTests.test_start_unix_server (callback handler): the connection closes when the callback returns (asyncio: the task echoes)", async () => {
  const path = unixPath("documented");
  await netRun(async () => {
    const messages = collectMessages();
    const tasks: Task<string>[] = [];
    const server = await startUnixServer(callbackHandler(tasks), { path });
    const msg = await client(await openUnixConnection(path));
    server.close();
    await server.waitClosed();
    assert.ok(msg === "" || msg === "reset", msg);
    assert.equal(tasks.length, 1);
    assert.match(await tasks[0]!, /closing|reset|lost/i);
    assert.deepEqual(messages, []);
  });
});

// StreamWriter.write()'s doc: "@throws {Error} If the writer is closing".
// asyncio's write() after close() does not raise (the test's drain() does).

Deno.test("StreamTests.test_async_writer_api_exception_after_close: write() after close() throws at once (asyncio: drain() raises ConnectionResetError)", async () => {
  const httpd = runTestServer();
  await netRun(async () => {
    const [rd, wr] = await openConnection({
      hostname: "127.0.0.1",
      port: httpd.port,
    });
    wr.write(b("GET / HTTP/1.0\r\n\r\n"));
    assert.equal(str(await rd.readLine()), "HTTP/1.0 200 OK\r\n");
    assert.ok(str(await rd.read()).endsWith("\r\n\r\nTest message"));
    wr.close();
    assert.throws(() => wr.write(b("data")), /closing/);
    await wr.waitClosed();
  });
  await httpd.close();
});

// README: "Servers listen on `127.0.0.1` unless told otherwise (asyncio and
// Deno default to every interface)." CPython's test_start_server passes
// host='127.0.0.1' (or a socket bound there); aio needs no host.

Deno.test("StreamTests.test_start_server (no host): the server listens on 127.0.0.1 by default", async () => {
  await netRun(async () => {
    await using server = await startServer(async (r, w) => {
      w.write(await r.readLine());
    }, { port: 0 });
    assert.equal((server.addrs[0] as Deno.NetAddr).hostname, "127.0.0.1");
    assert.equal(
      await client(await openConnection({ port: server.port })),
      "hello world!\n",
    );
  });
});

// README: "Deno upgrades only the client side, so a server cannot
// `startTls()` its accepted connections." CPython's test_start_tls upgrades
// both sides; here the server side is CPython's own handler (python3 on
// asyncio), and aio is the client, as in the test's `client(addr)`.

const START_TLS_SERVER = `
import asyncio, ssl, sys
async def handle(reader, writer):
    data1 = await reader.readline()
    writer.write(data1)
    await writer.drain()
    assert writer.get_extra_info('sslcontext') is None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    await writer.start_tls(ctx)
    assert writer.get_extra_info('sslcontext') is not None
    data2 = await reader.readline()
    writer.write(data2)
    await writer.drain()
    writer.close()
    await writer.wait_closed()
    done.set_result(None)
async def main():
    global done
    done = asyncio.get_running_loop().create_future()
    server = await asyncio.start_server(handle, '127.0.0.1', 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    await done
    server.close()
    await server.wait_closed()
asyncio.run(main())
`;

Deno.test("StreamTests.test_start_tls: aio's client upgrades mid-stream against asyncio's start_tls() server", async () => {
  const testdata = new URL("../../io/testdata/", import.meta.url);
  const cert = Deno.readTextFileSync(new URL("cert.pem", testdata));
  await netRun(async () => {
    const messages = collectMessages();
    await using proc = await createSubprocessExec("python3", [
      "-c",
      START_TLS_SERVER,
      new URL("cert.pem", testdata).pathname,
      new URL("key.pem", testdata).pathname,
    ], { stdout: "piped" });
    const port = Number(str(await proc.stdout!.readLine()).trim());
    const [reader, writer] = await openConnection({
      hostname: "127.0.0.1",
      port,
    });
    writer.write(b("hello world 1!\n"));
    await writer.drain();
    const msgback1 = str(await reader.readLine());
    await writer.startTls({ hostname: "localhost", caCerts: [cert] });
    writer.write(b("hello world 2!\n"));
    await writer.drain();
    const msgback2 = str(await reader.readLine());
    writer.close();
    await writer.waitClosed();
    assert.equal(await proc.wait(), 0);
    assert.deepEqual(messages, []);
    assert.equal(msgback1, "hello world 1!\n");
    assert.equal(msgback2, "hello world 2!\n");
  });
});
