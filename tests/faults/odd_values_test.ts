import assert from "node:assert/strict";
import { openConnection, startServer } from "../../io/mod.ts";
import { run, timeout } from "../../task/mod.ts";
import { figure, size } from "./_util.ts";

const PER_VALUE = size(20, 1_000);

/** Values a handler can throw that cannot become a string. */
function oddValues(): unknown[] {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  return [
    Object.create(null),
    Symbol("odd"),
    {
      toString() {
        throw new Error("no string for you");
      },
    },
    revoked.proxy,
    undefined,
  ];
}

Deno.test(`${PER_VALUE} connections per odd thrown value all close, with the default exception handler`, async () => {
  const values = oddValues();
  const printed: unknown[][] = [];
  const original = console.error;
  console.error = (...args: unknown[]) => void printed.push(args);
  let got: { eofs: number; open: number; echo: string };
  try {
    got = await run(async () => {
      const server = await startServer(async (r, w) => {
        const line = new TextDecoder().decode(await r.readLine());
        if (line === "echo\n") return w.write(line);
        throw values[Number(line)];
      }, { port: 0 });
      // Every value at once, many times over.
      const clients = Array.from(
        { length: values.length * PER_VALUE },
        async (_, i) => {
          const [r, w] = await openConnection({ port: server.port });
          w.write(`${i % values.length}\n`);
          const eof = (await r.read()).length === 0;
          await w[Symbol.asyncDispose]();
          return eof;
        },
      );
      // A bound, so that a connection left open fails the test (before
      // issue 11 it hung for ever) instead of hanging CI.
      const eofs = (await timeout(60_000, () => Promise.all(clients)))
        .filter(Boolean).length;
      // The server still serves.
      const [r, w] = await openConnection({ port: server.port });
      w.write("echo\n");
      const echo = new TextDecoder().decode(await r.readLine());
      await w[Symbol.asyncDispose]();
      server.close();
      await server.waitClosed();
      return { eofs, open: server.connectionCount, echo };
    });
  } finally {
    console.error = original;
  }
  assert.deepEqual(got, {
    eofs: values.length * PER_VALUE,
    open: 0,
    echo: "echo\n",
  });
  // Each failure said something, and nothing threw out of a report.
  assert.ok(printed.length >= values.length * PER_VALUE);
  figure("odd values", {
    connections: values.length * PER_VALUE,
    reports: printed.length,
  });
});
