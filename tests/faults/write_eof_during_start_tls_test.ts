/**
 * `write()` refuses while `startTls()` is in progress ("await it, then
 * write"), but `writeEof()` does not: called while `startTls()` waits for
 * the clear-text bytes to go out, it half-closes the connection first, and
 * `startTls()` then upgrades a connection whose write side is shut (the TLS
 * handshake can only fail; the peer saw EOF before the ClientHello).
 * `startTls()` checks `writeEof()` only on entry. Pre-existing (f5296cc).
 */
import assert from "node:assert/strict";
import { StreamWriter } from "../../io/mod.ts";
import { run, sleep } from "../../task/mod.ts";
import { VirtualClock } from "../../loop/mod.ts";

Deno.test("writeEof() while startTls() is in progress does not half-close the connection before the upgrade", async () => {
  const events: string[] = [];
  await run(async () => {
    let release: (() => void) | undefined;
    const w = new StreamWriter({
      write: async () => void events.push("write"),
      closeWrite: () => void events.push("closeWrite"),
      close: () => void events.push("close"),
      startTls: () => {
        events.push("startTls");
        return new Promise<void>((resolve) => (release = resolve));
      },
    });
    w.write("STARTTLS\n");
    const upgrading = w.startTls({});
    upgrading.catch(() => {});
    let refused = false;
    try {
      w.writeEof(); // as write() does, this should throw while upgrading
    } catch {
      refused = true;
    }
    for (let i = 0; i < 10 && release === undefined; i++) await sleep(1);
    release?.();
    await upgrading.catch(() => {});
    w.abort();
    await w.waitClosed();
    // Either writeEof() refused, or it did not reach the sink before the
    // upgrade.
    if (!refused) {
      const eof = events.indexOf("closeWrite");
      const tls = events.indexOf("startTls");
      assert.ok(
        eof === -1 || (tls !== -1 && eof > tls),
        `half-closed before the upgrade: ${events.join(", ")}`,
      );
    }
  }, { clock: new VirtualClock() });
});
