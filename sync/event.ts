/**
 * `Event`: a flag that tasks can wait for.
 *
 * @module
 */

import { given, takeTurn } from "../loop/settled.ts";
import { rejectIfAborted } from "../loop/signal_options.ts";
import { getRunningLoop } from "../loop/mod.ts";
import type { SignalOptions } from "../loop/signal_options.ts";
import { WaiterQueue, waitIn } from "./_waiters.ts";

/**
 * An event, as `asyncio.Event`: `set()` wakes every task waiting in
 * {@linkcode Event.wait} (in the order they began to wait) and lets later
 * waits through until `clear()`.
 *
 * @example Wait for a signal from another task
 * ```ts
 * import { createTask, run, sleep } from "@aio/asyncio/task";
 * import { VirtualClock } from "@aio/asyncio/loop";
 * import { Event } from "@aio/asyncio/sync";
 * import assert from "node:assert/strict";
 *
 * const log = await run(async () => {
 *   const ready = new Event();
 *   const log: string[] = [];
 *   const waiter = createTask(async () => {
 *     await ready.wait();
 *     log.push("woken");
 *   });
 *   await sleep(5);
 *   log.push("set");
 *   ready.set();
 *   await waiter;
 *   return log;
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(log, ["set", "woken"]);
 * ```
 */
export class Event {
  #set = false;
  #waiters = new WaiterQueue<true>("Event.wait");

  /**
   * Waits until the event is set; resolves at once if it is set already.
   *
   * **Cancellation**: a cancelled or aborted wait rejects (`CancelledError`
   * or `signal.reason`) and leaves the line at once; the event is not
   * affected. A waiter woken by `set()` resolves even if its task is
   * cancelled right after (the cancellation reaches the task's next wait).
   *
   * @param options An abort signal.
   * @returns `true` once the event is set.
   *
   * @example Already set
   * ```ts
   * import { run } from "@aio/asyncio/task";
   * import { Event } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * await run(async () => {
   *   const e = new Event();
   *   e.set();
   *   assert.equal(await e.wait(), true);
   * });
   * ```
   */
  wait(options?: SignalOptions): Promise<true> {
    const signal = options?.signal;
    const rejected = rejectIfAborted(signal);
    if (rejected !== null) return rejected;
    if (this.#set) {
      const turn = takeTurn();
      return turn instanceof Promise ? turn : given(true, turn);
    }
    return waitIn(this.#waiters, getRunningLoop(), signal);
  }

  /**
   * Sets the event and wakes every waiter. Setting a set event does
   * nothing.
   *
   * The waiters resume in the loop's next tick, as in asyncio, not at once:
   * other tasks go on until their next wait first (a worker may take one
   * more job from a queue). Code that must stop at once checks `isSet()`
   * after its own waits.
   *
   * @example Set
   * ```ts
   * import { Event } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * const e = new Event();
   * e.set();
   * assert.ok(e.isSet());
   * ```
   */
  set(): void {
    if (this.#set) return;
    this.#set = true;
    this.#waiters.wakeAll(true);
  }

  /**
   * Clears the event: later waits block until the next `set()`. Waiters
   * already woken are not affected.
   *
   * @example Clear
   * ```ts
   * import { Event } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * const e = new Event();
   * e.set();
   * e.clear();
   * assert.equal(e.isSet(), false);
   * ```
   */
  clear(): void {
    this.#set = false;
  }

  /**
   * Whether the event is set.
   *
   * @returns `true` between `set()` and `clear()`.
   *
   * @example Unset at first
   * ```ts
   * import { Event } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(new Event().isSet(), false);
   * ```
   */
  isSet(): boolean {
    return this.#set;
  }

  /**
   * A short description: `Event(unset, waiters=1)`.
   *
   * @returns The description.
   *
   * @example Describe
   * ```ts
   * import { Event } from "@aio/asyncio/sync";
   * import assert from "node:assert/strict";
   *
   * assert.equal(String(new Event()), "Event(unset)");
   * ```
   */
  toString(): string {
    const n = this.#waiters.length;
    return `Event(${this.#set ? "set" : "unset"}${
      n > 0 ? `, waiters=${n}` : ""
    })`;
  }
}
