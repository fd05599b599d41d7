import assert from "node:assert/strict";
import { run } from "../task/mod.ts";
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
