import assert from "node:assert/strict";
import { run } from "../task/mod.ts";
import { getRunningLoop } from "../loop/mod.ts";
import {
  openConnection,
  openUnixConnection,
  Server,
  startServer,
  startUnixServer,
} from "./mod.ts";

Deno.test("the entries that make readers later refuse a bad limit or handler at once, naming it", async () => {
  await run(async () => {
    const ok = () => {};
    const cases: [string, () => Promise<unknown>, RegExp][] = [
      [
        "startServer limit",
        () => startServer(ok, { hostname: "127.0.0.1", port: 0, limit: 0 }),
        /^RangeError: Cannot call startServer\(\): limit must be a positive integer, got 0$/,
      ],
      [
        "startServer handler",
        () => startServer(5 as never, { hostname: "127.0.0.1", port: 0 }),
        /^TypeError: Cannot call startServer\(\): handler must be a function, got 5$/,
      ],
      [
        "startUnixServer limit",
        () =>
          startUnixServer(ok, { path: "/tmp/aio-test-io-7.sock", limit: 1.5 }),
        /^RangeError: Cannot call startUnixServer\(\): limit must be a positive integer, got 1\.5$/,
      ],
      [
        "openConnection limit",
        () => openConnection({ hostname: "127.0.0.1", port: 1, limit: -5 }),
        /^RangeError: Cannot call openConnection\(\): limit must be a positive integer, got -5$/,
      ],
      [
        "openUnixConnection limit",
        () => openUnixConnection("/tmp/aio-test-io-7.sock", { limit: NaN }),
        /^RangeError: Cannot call openUnixConnection\(\): limit must be a positive integer, got NaN$/,
      ],
    ];
    for (const [name, call, want] of cases) {
      await assert.rejects(call(), (e: unknown) => want.test(String(e)), name);
    }
    // A Server made on a listener of one's own checks the same.
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    try {
      assert.throws(
        () => new Server(listener, ok, { limit: -1 }),
        /Cannot create Server: limit must be a positive integer, got -1/,
      );
    } finally {
      listener.close();
    }
  });
});

Deno.test("a connection the server cannot set up is closed and reported, and the server goes on accepting", async () => {
  const events: string[] = [];
  const addr = { transport: "tcp", hostname: "127.0.0.1", port: 1 } as const;
  const fakeConn = (name: string, hostile: boolean) => {
    const conn = {
      localAddr: addr,
      remoteAddr: addr,
      read: () => Promise.resolve(null),
      write: (p: Uint8Array) => Promise.resolve(p.length),
      close: () => void events.push(`close ${name}`),
      setNoDelay: () => {},
    };
    if (hostile) {
      Object.defineProperty(conn, "closeWrite", {
        get() {
          throw new Error("hostile getter");
        },
      });
    } else {
      Object.assign(conn, { closeWrite: () => Promise.resolve() });
    }
    return conn;
  };
  const queue = [fakeConn("bad", true), fakeConn("good", false)];
  let stop: () => void = () => {};
  const listener = {
    addr,
    accept: () =>
      queue.length > 0
        ? Promise.resolve(queue.shift()!)
        : new Promise((_, reject) => {
          stop = () => reject(new Deno.errors.BadResource("closed"));
        }),
    close: () => stop(),
    [Symbol.asyncIterator]() {
      throw new Error("not used");
    },
  } as unknown as Deno.Listener;
  await run(async () => {
    getRunningLoop().setExceptionHandler((_loop, context) => {
      events.push(`reported ${context.message}: ${context.exception}`);
    });
    const handled = Promise.withResolvers<void>();
    const server = new Server(listener, async (_reader, writer) => {
      events.push("handler");
      writer.close();
      await writer.waitClosed();
      handled.resolve();
    });
    await handled.promise;
    server.close();
    await server.waitClosed();
  });
  assert.equal(events[0], "close bad");
  assert.match(
    events[1]!,
    /^reported Cannot serve a connection of Server\(127\.0\.0\.1:1\): Error: hostile getter$/,
  );
  assert.ok(events.includes("handler"));
  assert.ok(events.includes("close good"));
});
