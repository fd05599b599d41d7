/**
 * A task that writes small lines over TLS and awaits `drain()` after each
 * one (the documented backpressure loop) starves every other task and
 * timer of the loop for seconds: a `sleep(300)` in another task returns
 * after 1-12 s.
 *
 * What happens: the peer is `openssl s_server` (output to /dev/null, so a
 * fast reader). The client connects with `openConnection({ tls })`; one
 * task loops `w.write(line); await w.drain()` with 131-byte lines while
 * the main task sleeps 300 ms. On HEAD the sleep returns after
 * 1,000-12,000 ms (the test tries up to four connections: the stall does
 * not come on every one; three of three runs failed) while the writer
 * task wrote ~450,000-600,000 lines: it keeps stepping and the loop's tick
 * does not end. The same loop over plain TCP to a fast reader is on time
 * (300 ms), and so is raw `Deno.TlsConn.write()` in a loop with a
 * `setTimeout` (300-490 ms). Seen while attacking `s_server` with
 * `Q`/`q`/SIGKILL sent from the sleeping task: the command went out
 * seconds late.
 *
 * Expected: the writer task lets the loop run often enough that a 300 ms
 * timer fires near its deadline, as on f5296cc.
 *
 * f5296cc: passes (three of three runs; the sleep returns after
 * ~301-306 ms, ~55,000 lines written). A regression of text gathering:
 * once the writer kept up with the peer, `drain()` never had to wait, so
 * the task never parked and the loop's tick never ended. Fixed: `drain()`
 * waits one tick once per MiB written without a wait (the sleep returns
 * after 301-311 ms).
 */

import assert from "node:assert/strict";
import { openConnection } from "../../io/mod.ts";
import { createTask, run, sleep } from "../../task/mod.ts";
import { hasCommand } from "../../io/_test_util.ts";

const dir = new URL("../../io/testdata/", import.meta.url);
const certPath = new URL("cert.pem", dir).pathname;
const keyPath = new URL("key.pem", dir).pathname;

const openssl = await hasCommand("openssl", ["version"]);

Deno.test({
  name: "a write+drain loop over TLS does not starve the loop's timers",
  ignore: !openssl,
}, async () => {
  const server = new Deno.Command("openssl", {
    args: [
      "s_server",
      "-4",
      "-accept",
      "127.0.0.1:0",
      "-cert",
      certPath,
      "-key",
      keyPath,
      "-naccept",
      "4",
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  // s_server prints "ACCEPT <host>:<port>" once it listens, then what it
  // receives, which is read and dropped.
  const out = server.stdout.getReader();
  const decoder = new TextDecoder();
  let seen = "";
  let match: RegExpExecArray | null = null;
  while ((match = /ACCEPT\s+\S*:(\d+)/.exec(seen)) === null) {
    const { value, done } = await out.read();
    if (done) throw new Error(`openssl s_server did not listen: ${seen}`);
    seen += decoder.decode(value, { stream: true });
  }
  const port = Number(match[1]);
  const dropping = (async () => {
    while (!(await out.read()).done) {
      // What the client wrote: not looked at.
    }
  })();
  try {
    const cert = Deno.readTextFileSync(certPath);
    const attempt = () =>
      run(async () => {
        const [_r, w] = await openConnection({
          port,
          tls: { hostname: "localhost", caCerts: [cert] },
        });
        let stop = false;
        let wrote = 0;
        const writer = createTask(async () => {
          const line = "x".repeat(130) + "\n";
          try {
            while (!stop) {
              w.write(line);
              wrote++;
              await w.drain();
            }
          } catch {
            // The peer went away: not what this test is about.
          }
        });
        const t0 = Date.now();
        await sleep(300);
        const slept = Date.now() - t0;
        stop = true;
        await writer;
        w.abort();
        await w.waitClosed();
        return { slept, wrote };
      });
    // A bound for starvation (seconds), not a timing: a loaded machine may
    // make a sleep late by some tens of milliseconds. The mechanism is
    // checked on the virtual clock in io/stream_writer_test.ts.
    let out = await attempt();
    for (let i = 1; i < 4 && out.slept < 1000; i++) out = await attempt();
    assert.ok(
      out.slept < 1000,
      `sleep(300) took up to ${out.slept} ms (${out.wrote} lines written meanwhile)`,
    );
  } finally {
    try {
      server.kill("SIGKILL");
    } catch {
      // Gone.
    }
    await server.stdin.close().catch(() => {});
    await server.status;
    await dropping;
  }
});
