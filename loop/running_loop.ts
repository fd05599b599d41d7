/**
 * Which loop is current: the running one, or the one set for this program.
 * There is no policy system; one loop runs at a time per isolate.
 *
 * @module
 */

import { EventLoop, type EventLoopOptions } from "./event_loop.ts";
import { getRunning } from "./_running.ts";

let current: EventLoop | null = null;

/**
 * The running loop.
 *
 * @returns The loop whose `runForever()` is active.
 * @throws {Error} If no loop is running.
 *
 * @example Inside a callback
 * ```ts
 * import { EventLoop, getRunningLoop } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * using loop = new EventLoop();
 * let seen: EventLoop | undefined;
 * loop.callSoon(() => {
 *   seen = getRunningLoop();
 *   loop.stop();
 * });
 * await loop.runForever();
 * assert.equal(seen, loop);
 * assert.throws(() => getRunningLoop(), /no running event loop/);
 * ```
 */
export function getRunningLoop(): EventLoop {
  const running = getRunning();
  if (running === null) {
    throw new Error(
      "Cannot get the running loop: there is no running event loop; call it from a task or callback, or use run()",
    );
  }
  return running as EventLoop;
}

/**
 * The running loop if there is one, else the loop set with
 * {@linkcode setEventLoop}, else a new loop that becomes the set one.
 *
 * @returns A loop.
 *
 * @example Outside a running loop
 * ```ts
 * import { getEventLoop, setEventLoop } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const loop = getEventLoop();
 * assert.equal(getEventLoop(), loop);
 * setEventLoop(null);
 * loop.close();
 * ```
 */
export function getEventLoop(): EventLoop {
  const running = getRunning();
  if (running !== null) return running as EventLoop;
  if (current === null || current.isClosed()) current = new EventLoop();
  return current;
}

/**
 * Makes `loop` the one {@linkcode getEventLoop} returns when no loop runs.
 *
 * @param loop The loop, or `null` to forget the current one.
 *
 * @example Set a loop
 * ```ts
 * import { EventLoop, getEventLoop, setEventLoop } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * using loop = new EventLoop();
 * setEventLoop(loop);
 * assert.equal(getEventLoop(), loop);
 * setEventLoop(null);
 * ```
 */
export function setEventLoop(loop: EventLoop | null): void {
  current = loop;
}

/**
 * Creates a new loop; it is not made current.
 *
 * @param options Clock and debug settings.
 * @returns The new loop.
 *
 * @example A fresh loop
 * ```ts
 * import { newEventLoop } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * using loop = newEventLoop({ debug: true });
 * assert.ok(loop.getDebug());
 * ```
 */
export function newEventLoop(options?: EventLoopOptions): EventLoop {
  return new EventLoop(options);
}

/**
 * @ignore The running loop, or `null` when none runs; for `run()`, which
 * must not start inside a running loop, and the sync primitives' waits that
 * need not wait. Not public API.
 *
 * @returns The loop or `null`.
 */
export function runningLoopOrNull(): EventLoop | null {
  return getRunning() as EventLoop | null;
}
