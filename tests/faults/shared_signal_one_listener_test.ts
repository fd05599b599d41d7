/**
 * Many waits listening to one `AbortSignal` (a shutdown signal handed to
 * every consumer's `queue.get({ signal })`, `lock.acquire({ signal })`,
 * ...), then the signal aborts.
 *
 * `Future.abortOn()` (loop/future.ts) adds its listener with
 * `{ once: true }`; when the abort fires, the listener fails the future,
 * whose completion calls `#dropAbort()`, which calls
 * `signal.removeEventListener()` for a listener the dispatch has already
 * taken off. Deno's `EventTarget` looks for it through the whole listener
 * list, so each of the n listeners costs O(n): the `abort()` call is
 * O(n^2), and blocks the process while it runs (about 0.2 s at 8,000
 * waiters, 0.9 s at 16,000, 4.5 s at 40,000 here; the same signal with
 * 40,000 plain `once` listeners aborts in about 50 ms).
 *
 * Expected: aborting a signal shared by n waits costs O(n), and so does
 * ending them one by one.
 *
 * Fixed: the futures listening to one signal share one listener
 * (loop/_abort_listeners.ts): a wait joins and leaves a set, and the
 * signal's listener is added once and removed once, after the last wait.
 * Checked by counting the signal's listener calls, not by timing.
 */

import assert from "node:assert/strict";
import { Queue } from "../../sync/mod.ts";
import { createTask, run, sleep, wait } from "../../task/mod.ts";

const N = 1_000;

/** A controller whose signal counts its `abort` listener calls. */
function countingController() {
  const controller = new AbortController();
  const calls = { add: 0, remove: 0 };
  const signal = controller.signal;
  const add = signal.addEventListener.bind(signal);
  const remove = signal.removeEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<typeof add>) => {
    if (args[0] === "abort") calls.add++;
    add(...args);
  }) as typeof add;
  signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
    if (args[0] === "abort") calls.remove++;
    remove(...args);
  }) as typeof remove;
  return { controller, calls };
}

Deno.test("many waits on one signal share one listener, which an abort leaves in place", async () => {
  const [calls, reasons] = await run(async () => {
    const q = new Queue<number>();
    const { controller, calls } = countingController();
    const getters = Array.from(
      { length: N },
      () => createTask(() => q.get({ signal: controller.signal })),
    );
    await sleep(0);
    controller.abort(new Error("shutting down"));
    await wait(getters);
    const reasons = new Set(
      getters.map((t) => (t.exception() as Error).message),
    );
    return [calls, [...reasons]] as const;
  });
  assert.deepEqual(calls, { add: 1, remove: 0 });
  assert.deepEqual(reasons, ["shutting down"]);
});

Deno.test("many waits on one signal that end one by one remove its listener once, after the last", async () => {
  const [calls, got] = await run(async () => {
    const q = new Queue<number>();
    const { controller, calls } = countingController();
    const getters = Array.from(
      { length: N },
      () => createTask(() => q.get({ signal: controller.signal })),
    );
    await sleep(0);
    for (let i = 0; i < N; i++) q.putNowait(i);
    const got = await Promise.all(getters);
    controller.abort(); // nobody listens any more
    return [calls, got] as const;
  });
  assert.deepEqual(calls, { add: 1, remove: 1 });
  assert.deepEqual(got, Array.from({ length: N }, (_, i) => i));
});
