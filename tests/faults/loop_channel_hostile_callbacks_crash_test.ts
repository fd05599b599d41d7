/**
 * Attack round 25: a LoopChannel whose `callbacks` object throws when a
 * name is looked up (a getter that throws; a Proxy whose traps throw) ends
 * the whole program at the first call from the Worker.
 *
 * What I did (child process `_loop_channel_hostile.ts`): `new
 * LoopChannel(loop, callbacks)` with (a) `{ get work() { throw } }`, (b) a
 * Proxy whose get/has/ownKeys/getOwnPropertyDescriptor traps throw; then
 * `new RemoteLoop(channel.port).callSoonThreadsafe("work", 1)`, the loop run
 * for 200 ms with an exception handler installed.
 *
 * What happened (measured, every run): the process dies with "error:
 * Uncaught Error: getter boom" (resp. "trap boom"), exit code 1; the
 * exception handler gets nothing.
 *
 * Cause: executor/loop_channel.ts, the port's onmessage handler:
 * `Object.hasOwn(callbacks, name) ? callbacks[name] : undefined` (and the
 * unknown-callback report's `Object.keys(callbacks)`) run outside any try;
 * the constructor only checks `typeof callbacks === "object"`.
 *
 * Expected: the handler's own comment: "Whatever a Worker posts on the
 * port: a throw here would end the program, so anything but a call is
 * reported" — a callback that cannot be looked up must be reported through
 * the loop's exception handler too (as the round's brief asks of proxies
 * that throw on every trap), never kill the process.
 *
 * Fixed: the lookup (and the list of known names) is guarded; a throw is
 * reported to the loop's exception handler with the error.
 */

import assert from "node:assert/strict";

for (const kind of ["getter", "proxy"]) {
  Deno.test(`LoopChannel with a ${kind} that throws: reported, the program goes on`, async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--quiet",
        new URL("_loop_channel_hostile.ts", import.meta.url).pathname,
        kind,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr.split("\n").slice(0, 2).join("\n"));
    const { reports } = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.equal(reports.length, 1, JSON.stringify(reports));
  });
}
