import assert from "node:assert/strict";
import { denoScript, figure, greetAll, size, spawn } from "./_util.ts";

const CLIENTS = size(150, 2_000);
const LIMIT = 80;
const PAUSE_MS = 50;

Deno.test(
  `a server out of file descriptors (ulimit -n ${LIMIT}) pauses accepting and serves all ${CLIENTS} clients`,
  {
    ignore: Deno.build.os === "windows",
  },
  async () => {
    const server = denoScript(
      ["--allow-net=127.0.0.1"],
      "_emfile_server.ts",
      [String(CLIENTS), String(PAUSE_MS), "collect"],
    );
    await using child = spawn("sh", [
      "-c",
      `ulimit -n ${LIMIT} && exec "$0" "$@"`,
      server.cmd,
      ...server.args,
    ]);
    const port = Number(await child.line());
    // Far more clients at once than the server has descriptors for, though
    // no more than its listen backlog holds (511): a connection the full
    // backlog drops would wait for ever, whatever the server does. Each
    // reads the greeting, then hangs up, which frees a descriptor.
    const greetings = await greetAll(port, CLIENTS, 300);
    const result = JSON.parse(await child.line()) as {
      served: number;
      reports: string[];
    };
    const { code, stderr } = await child.exit();
    assert.equal(code, 0, stderr);
    assert.equal(greetings.filter((g) => g === "hi\n").length, CLIENTS);
    assert.equal(result.served, CLIENTS);
    // One report per pause, and pauses are few: before the fix the accept
    // loop retried at once and reported ~60,000 times a second.
    assert.ok(result.reports.length >= 1, "the server ran out of descriptors");
    assert.ok(
      result.reports.length <= CLIENTS / 10,
      `${result.reports.length} reports`,
    );
    for (const message of result.reports) {
      assert.match(message, /^Out of system resources .* 50 ms$/);
    }
    figure("fd exhaustion", {
      clients: CLIENTS,
      ulimit: LIMIT,
      reports: result.reports.length,
    });
  },
);
