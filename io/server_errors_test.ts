import assert from "node:assert/strict";
import {
  type ExceptionContext,
  getRunningLoop,
  VirtualClock,
} from "../loop/mod.ts";
import { run, sleep } from "../task/mod.ts";
import { FakeListener, findPython, osError } from "./_test_util.ts";
import { openConnection } from "./open_connection.ts";
import { Server } from "./server.ts";
import { startServer } from "./start_server.ts";
import { hostileValues } from "../loop/_test_util.ts";

for (const [what, value] of hostileValues()) {
  Deno.test(`a handler that throws ${what} is reported once and its connection closes`, async () => {
    const reports: ExceptionContext[] = [];
    const got = await run(async () => {
      getRunningLoop().setExceptionHandler((_loop, ctx) => reports.push(ctx));
      const server = await startServer(async (r) => {
        await r.readLine();
        throw value;
      }, { port: 0 });
      const [r, w] = await openConnection({ port: server.port });
      w.write("go\n");
      const eof = await r.read();
      await w[Symbol.asyncDispose]();
      server.close();
      await server.waitClosed();
      return [eof.length, server.connectionCount];
    });
    assert.deepEqual(got, [0, 0]);
    assert.equal(reports.length, 1);
    assert.equal(
      reports[0]!.message,
      "Unhandled exception in client connected handler",
    );
    assert.ok("exception" in reports[0]!);
    assert.ok(Object.is(reports[0]!.exception, value));
    // The handler task's name, not the task, which would read as pending.
    assert.match(String(reports[0]!.task), /^handler 127\.0\.0\.1:\d+$/);
  });
}

Deno.test("a handler's odd value still closes its connection when the exception handler throws", async () => {
  const printed: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void printed.push(args);
  let got: number[];
  try {
    got = await run(async () => {
      getRunningLoop().setExceptionHandler(() => {
        throw Object.create(null);
      });
      const server = await startServer(async (r) => {
        await r.readLine();
        throw Object.create(null);
      }, { port: 0 });
      const conns = [];
      for (let i = 0; i < 20; i++) {
        conns.push(await openConnection({ port: server.port }));
      }
      for (const [, w] of conns) w.write("go\n");
      let eofs = 0;
      for (const [r, w] of conns) {
        if ((await r.read()).length === 0) eofs++;
        await w[Symbol.asyncDispose]();
      }
      server.close();
      await server.waitClosed();
      return [eofs, server.connectionCount];
    });
  } finally {
    console.error = original;
  }
  assert.deepEqual(got, [20, 0]);
  assert.ok(printed.length >= 20, "every failure said something");
});

Deno.test("accepting pauses acceptPauseMs after EMFILE, with one report per pause", async () => {
  const reports: ExceptionContext[] = [];
  const errors = [osError("EMFILE"), osError("ENFILE"), osError("ENOBUFS")];
  const calls = await run(async () => {
    const loop = getRunningLoop();
    loop.setExceptionHandler((_loop, ctx) => reports.push(ctx));
    const listener = new FakeListener(errors, () => loop.time());
    await using _server = new Server(listener, () => {}, { acceptPauseMs: 20 });
    await listener.parked;
    return listener.calls;
  });
  // Three failed accepts, each followed by a pause (timers never fire
  // early), then one that waits: no retry without a pause.
  assert.equal(calls.length, 4);
  for (let i = 1; i < calls.length; i++) {
    assert.ok(
      calls[i]! - calls[i - 1]! >= 20,
      `pause ${i} was ${calls[i]! - calls[i - 1]!} ms`,
    );
  }
  assert.equal(reports.length, 3);
  for (const [i, report] of reports.entries()) {
    assert.match(report.message, /^Out of system resources .* 20 ms$/);
    assert.equal(report.exception, errors[i]);
    // Its stack is not formatted: Deno panics doing so with no descriptor
    // free (tests/faults/fd_exhaustion_default_handler_test.ts).
    const code = ["EMFILE", "ENFILE", "ENOBUFS"][i];
    assert.equal(
      (report.exception as Error).stack,
      `Error: ${code} (os error)`,
    );
  }
});

Deno.test("accepting pauses after an unknown error too, by default for 1000 ms", async () => {
  const reports: ExceptionContext[] = [];
  const calls = await run(async () => {
    const loop = getRunningLoop();
    loop.setExceptionHandler((_loop, ctx) => reports.push(ctx));
    const listener = new FakeListener(
      [new Error("strange")],
      () => loop.time(),
    );
    await using _server = new Server(listener, () => {});
    await sleep(5_000);
    return listener.calls;
  }, { clock: new VirtualClock() });
  assert.deepEqual(calls, [0, 1000]);
  assert.equal(reports.length, 1);
  assert.match(reports[0]!.message, /^Error accepting a connection/);
});

Deno.test("close() ends an accept pause at once", async () => {
  const calls = await run(async () => {
    const loop = getRunningLoop();
    loop.setExceptionHandler(() => {});
    const listener = new FakeListener([osError("EMFILE")], () => loop.time());
    const server = new Server(listener, () => {}, { acceptPauseMs: 60_000 });
    await sleep(10);
    server.close();
    await server.waitClosed();
    assert.equal(loop.time(), 10);
    return listener.calls;
  }, { clock: new VirtualClock() });
  assert.deepEqual(calls, [0]);
});

Deno.test("a peer that failed before accept is skipped without a report, except in debug mode", async () => {
  const peerErrors = () => [
    new Deno.errors.NotConnected("Transport endpoint is not connected"),
    new Deno.errors.ConnectionAborted("aborted"),
    osError("EPROTO"),
  ];
  for (const debug of [false, true]) {
    const reports: ExceptionContext[] = [];
    const calls = await run(async () => {
      const loop = getRunningLoop();
      loop.setExceptionHandler((_loop, ctx) => reports.push(ctx));
      const listener = new FakeListener(peerErrors(), () => loop.time());
      const server = new Server(listener, () => {});
      await sleep(100);
      server.close();
      await server.waitClosed();
      return listener.calls;
    }, { clock: new VirtualClock(), debug });
    // No pause: the next accept comes at once.
    assert.deepEqual(calls, [0, 0, 0, 0]);
    assert.equal(reports.length, debug ? 3 : 0);
  }
});

Deno.test("startServer() rejects a negative acceptPauseMs with a RangeError", async () => {
  await run(async () => {
    await assert.rejects(
      startServer(() => {}, { port: 0, acceptPauseMs: -1 }),
      (e: unknown) =>
        e instanceof RangeError && /acceptPauseMs.*-1/.test(e.message),
    );
  });
});

Deno.test(
  "200 peers that reset before accept are skipped silently and the server goes on",
  {
    ignore: (await findPython()) === null,
  },
  async () => {
    const python = (await findPython())!;
    const reports: ExceptionContext[] = [];
    const got = await run(async () => {
      getRunningLoop().setExceptionHandler((_loop, ctx) => reports.push(ctx));
      // Resets queue up in the backlog before anything accepts them.
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const resets = await new Deno.Command(python, {
        args: ["-c", RESETTER, String(listener.addr.port), "200"],
        stdout: "null",
      }).output();
      assert.ok(resets.success);
      await using server = new Server(listener, async (r, w) => {
        w.write(await r.readLine());
      });
      const [r, w] = await openConnection({ port: server.port });
      w.write("still serving\n");
      const line = new TextDecoder().decode(await r.readLine());
      await w[Symbol.asyncDispose]();
      return line;
    });
    assert.equal(got, "still serving\n");
    assert.deepEqual(reports, []);
  },
);

/** Connects `n` times to 127.0.0.1:port and resets each (SO_LINGER 0). */
const RESETTER = `
import socket, struct, sys
port, n = int(sys.argv[1]), int(sys.argv[2])
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
`;
