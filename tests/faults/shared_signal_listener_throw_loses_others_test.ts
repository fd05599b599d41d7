/**
 * Futures of two loops listening to one `AbortSignal` (a process-wide
 * shutdown signal), one of them on a loop that was closed while it was
 * still pending with a done callback.
 *
 * Since 1287811 the futures listening to a signal share one `abort`
 * listener (loop/_abort_listeners.ts), which fails each pending one in
 * turn. Failing a future whose loop is closed and which has callbacks
 * throws ("Cannot complete Future(pending): its event loop is closed");
 * the throw leaves the shared listener half-way, and every future after
 * it in the set is never failed: the live loop's wait on the signal hangs
 * although the signal aborted. (Before, each future had its own listener:
 * the closed loop's throw was reported, and the others failed as they
 * should.)
 *
 * Expected: one target's throw does not keep the others from failing
 * (each is failed in its own try, the error reported as before).
 *
 * Fixed: the shared listener fails each future on its own; one that
 * throws is reported with `reportError()`, as a listener's error is.
 */

import assert from "node:assert/strict";
import { EventLoop, Future } from "../../loop/mod.ts";

Deno.test("a future whose completion throws does not keep the other futures on a shared signal from failing", () => {
  const reported: unknown[] = [];
  const onError = (e: ErrorEvent) => {
    e.preventDefault();
    reported.push(e.error);
  };
  globalThis.addEventListener("error", onError);
  try {
    const controller = new AbortController();
    const dead = new EventLoop();
    const stranded = new Future<void>(dead).abortOn(controller.signal);
    stranded.addDoneCallback(() => {});
    dead.close();
    using live = new EventLoop();
    const waiting = new Future<void>(live).abortOn(controller.signal);
    const reason = new Error("shutdown");
    controller.abort(reason);
    assert.equal(waiting.done(), true, "the live loop's future still waits");
    assert.equal(waiting.exception(), reason);
  } finally {
    globalThis.removeEventListener("error", onError);
  }
});
