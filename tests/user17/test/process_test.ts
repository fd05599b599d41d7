/** The program as a child process: HTTP stats, SIGTERM shutdown within the deadline. */
import assert from "node:assert/strict";
import { createSubprocessExec, run, waitFor } from "../../../mod.ts";
import { RCODE, rcodeOf } from "../wire.ts";
import {
  answerA,
  aRecords,
  Client,
  FakeUdpUpstream,
  questionOf,
} from "./_fakes.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function startChild(upstreamPort: number, extra: string[] = []) {
  const proc = await createSubprocessExec(Deno.execPath(), [
    "run",
    "-A",
    "--unstable-net",
    MAIN,
    "--upstream",
    `127.0.0.1:${upstreamPort}`,
    ...extra,
  ], { stdout: "piped", stderr: "piped" });
  const line = new TextDecoder().decode(
    await waitFor(proc.stdout!.readLine(), 20_000),
  );
  return { proc, ports: JSON.parse(line) as { dns: number; http: number } };
}

Deno.test("process: stats over HTTP, SIGTERM fails a stuck query with SERVFAIL within the deadline", async () => {
  await run(async () => {
    const up = await FakeUdpUpstream.start((m) =>
      questionOf(m).name === "stuck.example" ? null : answerA(m, ["192.0.2.9"])
    );
    const { proc, ports } = await startChild(up.port, [
      "--timeout-ms",
      "30000",
      "--shutdown-ms",
      "300",
    ]);
    const c = await Client.open(ports.dns);
    try {
      assert.deepEqual(aRecords(await c.ask("ok.example")), ["192.0.2.9"]);
      const stats = await (await fetch(`http://127.0.0.1:${ports.http}/stats`))
        .json();
      assert.equal(stats.queries, 1);
      assert.equal(stats.upstreamQueries, 1);

      up.got.clear();
      await c.send("stuck.example");
      await up.got.wait(); // the query is now in flight upstream, which never answers
      const t0 = performance.now();
      proc.terminate();
      const reply = await c.recv(5_000);
      const answeredIn = performance.now() - t0;
      assert.equal(rcodeOf(reply.header.flags), RCODE.SERVFAIL);
      const code = await waitFor(proc.wait(), 5_000);
      const exitedIn = performance.now() - t0;
      assert.equal(code, 0);
      assert.ok(
        answeredIn >= 250 && answeredIn < 2_000,
        `answered in ${answeredIn} ms`,
      );
      assert.ok(exitedIn < 3_000, `exited in ${exitedIn} ms`);
      const err = new TextDecoder().decode(await proc.stderr!.read());
      assert.match(err, /shutdown: \{"finished":0,"cancelled":1\}/);
    } finally {
      if (proc.returncode === null) proc.kill("SIGKILL");
      await proc.wait();
      await c.close();
      await up.close();
    }
  });
});
