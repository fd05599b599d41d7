// The echo server and client in both languages, in all four pairings.
import assert from "node:assert/strict";
import { pyLog, startServerProgram, tsLog } from "./_harness.ts";

async function session(server: "py" | "ts", client: "py" | "ts") {
  const srv = await startServerProgram(server, `echo_server.${server}`);
  try {
    const run = client === "py" ? pyLog : tsLog;
    const clientLog = await run(`echo_client.${client}`, [String(srv.port)]);
    return { clientLog, serverLog: await srv.finish() };
  } catch (e) {
    await srv.finish().catch(() => {});
    throw e;
  }
}

Deno.test("echo: every server/client pairing logs what py/py logs", async (t) => {
  const ref = await session("py", "py");
  assert.equal(ref.clientLog.at(-1), "2 closed");
  assert.equal(ref.serverLog.at(-1), "server closed serving=False");
  for (
    const [server, client] of [["ts", "ts"], ["py", "ts"], [
      "ts",
      "py",
    ]] as const
  ) {
    await t.step(`${server} server, ${client} client`, async () => {
      const got = await session(server, client);
      assert.deepEqual(got.clientLog, ref.clientLog);
      assert.deepEqual(got.serverLog, ref.serverLog);
    });
  }
});
