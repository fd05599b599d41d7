/**
 * Cross-Worker wake-ups: a Worker schedules a callback on the main thread's
 * event loop through a `MessagePort`.
 *
 * Functions cannot cross Workers, so the main side names its callbacks:
 * `new LoopChannel(loop, { progress })` listens on one end of a
 * `MessageChannel`; its `port` goes to the Worker (as an argument of
 * `runInExecutor()`, which transfers ports, or in `postMessage`'s transfer
 * list). There, `new RemoteLoop(port).callSoonThreadsafe("progress", 3)`
 * posts the call; the main loop runs `progress(3)` in a tick, waking up if
 * it was idle. Arguments are structured-cloned.
 *
 * Messages on a channel keep their order. A job's result travels on another
 * channel (the pool's own), so the pool holds it back until the channels of
 * the job's `MessagePort` arguments have received the calls the job posted
 * through them before it returned: as in asyncio, whose executor thread
 * and `call_soon_threadsafe()` share the loop's one queue, those calls run
 * before the job's future completes. The calls are counted where they are
 * posted (`RemoteLoop`) and the count travels with the job's answer
 * (`_worker.js`). Calls posted through a port that was not among the
 * job's arguments keep no such order. A port closed by a `RemoteLoop`, or
 * by the job's own `port.close()` in a pool's Worker, refuses later calls
 * through another, rather than drop them (the count would wait for them
 * for ever). A call dropped otherwise (on a port the job transferred
 * onward) holds the answer only while calls keep arriving: after two checks
 * 50 ms apart with none, the answer goes, and the loop's exception handler
 * is told.
 *
 * @module
 */

import { describeArgument, describeValue } from "../loop/describe_value.ts";
import type { EventLoop } from "../loop/event_loop.ts";

// deno-lint-ignore no-explicit-any
type Callback = (...args: any[]) => unknown;

/** More arguments than this reach a callback through `applyArgs()`. */
const MAX_SPREAD_ARGS = 1024;

/** Calls `callback` with `args`, however many: a throw is the call's. */
function applyArgs(callback: Callback, args: unknown[]): unknown {
  return Reflect.apply(callback, undefined, args);
}

interface CallMessage {
  name: string;
  args: unknown[];
}

/**
 * This Worker's ports: how many calls were posted through each, and which a
 * `RemoteLoop` closed. Kept under a global symbol, where `_worker.js` reads
 * the counts when a job answers, and where a job that imports another copy
 * of this library counts too.
 */
const PORTS = Symbol.for("aio.executor.ports");

interface PortsTable {
  readonly sent: WeakMap<MessagePort, number>;
  readonly closed: WeakSet<MessagePort>;
}

function portsTable(): PortsTable {
  const scope = globalThis as unknown as { [PORTS]?: PortsTable };
  let table = scope[PORTS];
  if (table === undefined) {
    table = { sent: new WeakMap(), closed: new WeakSet() };
    Object.defineProperty(globalThis, PORTS, { value: table });
  }
  return table;
}

/** What a channel received, and who waits for a count of it. */
interface Received {
  count: number;
  closed: boolean;
  waits: { count: number; then: () => void }[];
  /** Reports calls that never came (see `watch()`). */
  readonly report: (missing: number) => void;
  /** The stall check while answers wait; see `watch()`. */
  timer: ReturnType<typeof setTimeout> | undefined;
  seen: number;
  stalls: number;
}

/** How often a channel that answers wait for checks that calls still come. */
const STALL_CHECK_MS = 50;

/** By the port a channel hands out (`LoopChannel.port`). */
const receivedBy = new WeakMap<MessagePort, Received>();

function release(received: Received, giveUp = false): void {
  const waits = received.waits;
  if (waits.length === 0) return;
  received.waits = [];
  let missing = 0;
  for (const wait of waits) {
    if (received.closed || received.count >= wait.count) wait.then();
    else if (giveUp) {
      missing = Math.max(missing, wait.count - received.count);
      wait.then();
    } else received.waits.push(wait);
  }
  if (received.waits.length === 0 && received.timer !== undefined) {
    clearTimeout(received.timer);
    received.timer = undefined;
  }
  if (missing > 0) received.report(missing);
}

/**
 * While answers wait for calls, checks that calls still arrive: the calls
 * were posted before the answer, so they are all on their way, and arrive
 * one after another. A call posted on a port the job had detached (closed
 * by other means than the ones the Worker marks, or transferred onward) is
 * counted but never comes: after two checks in a row with nothing new, the
 * answers go, and the loop's exception handler is told, rather than the
 * job's caller waiting for ever. Two checks, not one: a main thread busy for
 * longer than a check delays the calls and the timer alike.
 */
function watch(received: Received): void {
  if (received.timer !== undefined) {
    received.stalls = 0; // a new answer waits: two full checks for it too
    return;
  }
  received.seen = received.count;
  received.stalls = 0;
  const check = (): void => {
    received.timer = undefined;
    if (received.waits.length === 0) return;
    if (received.count !== received.seen) {
      received.seen = received.count;
      received.stalls = 0;
    } else if (++received.stalls >= 2) {
      release(received, true);
      return;
    }
    received.timer = setTimeout(check, STALL_CHECK_MS);
  };
  received.timer = setTimeout(check, STALL_CHECK_MS);
}

/**
 * @ignore For the pool: calls `then` once the channel of each of `ports`
 * received the count of calls `sent` gives for it (in the order of the
 * ports), or was closed. At once for a port with no channel (of this copy
 * of the library) or nothing to wait for.
 */
export function afterCalls(
  ports: readonly MessagePort[],
  sent: readonly number[] | undefined,
  then: () => void,
): void {
  let left = 1;
  const one = (): void => {
    if (--left === 0) then();
  };
  if (sent !== undefined) {
    for (let k = 0; k < ports.length; k++) {
      const count = sent[k];
      const received = receivedBy.get(ports[k]!);
      if (
        typeof count !== "number" || received === undefined ||
        received.closed || received.count >= count
      ) {
        continue;
      }
      left++;
      received.waits.push({ count, then: one });
      watch(received);
    }
  }
  one();
}

/**
 * The main thread's end of a {@linkcode RemoteLoop}: it runs the named
 * callbacks on `loop` when a Worker asks, in the order they were posted.
 * Open ports keep the process alive: close it when done.
 *
 * Given to a job (`runInExecutor(url, name, channel.port)`), the calls the
 * job posted before it returned or threw have all run when its future
 * completes, so closing the channel then loses none. (Through
 * `WorkerPool.submit()`, whose promise is the host's, they are queued on the
 * loop by then, and run in its next tick; closing the channel loses none
 * either.)
 *
 * @example A handle calls back into the loop
 * ```ts
 * import { EventLoop } from "@aio/asyncio/loop";
 * import { LoopChannel, RemoteLoop } from "@aio/asyncio/executor";
 * import assert from "node:assert/strict";
 *
 * using loop = new EventLoop();
 * const seen: number[] = [];
 * using channel = new LoopChannel(loop, {
 *   done: (n: number) => {
 *     seen.push(n);
 *     loop.stop();
 *   },
 * });
 * using handle = new RemoteLoop(channel.port); // usually inside a Worker
 * handle.callSoonThreadsafe("done", 42);
 * await loop.runForever();
 * assert.deepEqual(seen, [42]);
 * ```
 */
export class LoopChannel implements Disposable {
  /** The port to give to the Worker (transfer it, do not clone it). */
  readonly port: MessagePort;
  readonly #local: MessagePort;
  readonly #received: Received;
  #closed = false;

  /**
   * Opens a channel whose calls run on `loop`.
   *
   * @param loop The loop that runs the callbacks.
   * @param callbacks The callbacks a Worker may call, by name.
   * @throws {TypeError} If `callbacks` is not an object.
   *
   * @example Open and close
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { LoopChannel } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const channel = new LoopChannel(loop, {});
   * assert.ok(channel.port instanceof MessagePort);
   * channel.close();
   * channel.port.close(); // the Worker's end, had it not been sent
   * ```
   */
  constructor(loop: EventLoop, callbacks: Readonly<Record<string, Callback>>) {
    // Checked here: the message handler looks names up in it, and a throw
    // there would end the program.
    if (typeof callbacks !== "object" || callbacks === null) {
      throw new TypeError(
        `Cannot create LoopChannel: callbacks must be an object of functions by name, got ${
          describeArgument(callbacks)
        }`,
      );
    }
    const { port1, port2 } = new MessageChannel();
    this.#local = port1;
    this.port = port2;
    const received: Received = {
      count: 0,
      closed: false,
      waits: [],
      report: (missing) => {
        if (loop.isClosed()) return;
        loop.callExceptionHandler({
          message:
            `LoopChannel: a job answered, but ${missing} of the calls it posted before had not arrived ${
              2 * STALL_CHECK_MS
            } ms after the last one came (posted on a port it had closed or transferred?); its answer went without them`,
        });
      },
      timer: undefined,
      seen: 0,
      stalls: 0,
    };
    this.#received = received;
    receivedBy.set(port2, received);
    const deliver = (event: MessageEvent<unknown>): void => {
      if (loop.isClosed()) return;
      // Whatever a Worker posts on the port: a throw here would end the
      // program, so anything but a call is reported.
      const data = event.data as Partial<CallMessage> | null;
      const name = data?.name;
      const args = data?.args;
      if (typeof name !== "string" || !Array.isArray(args)) {
        loop.callExceptionHandler({
          message: `LoopChannel got a message that is not a call: ${
            describeValue(data)
          }; send calls with RemoteLoop.callSoonThreadsafe()`,
        });
        return;
      }
      let callback: ((...args: unknown[]) => unknown) | undefined;
      try {
        callback = Object.hasOwn(callbacks, name) ? callbacks[name] : undefined;
      } catch (error) {
        // A getter or a proxy trap of the callbacks object threw.
        loop.callExceptionHandler({
          message: `LoopChannel could not look up callback "${name}"`,
          exception: error,
        });
        return;
      }
      if (typeof callback !== "function") {
        let known: string;
        try {
          known = Object.keys(callbacks).join(", ");
        } catch {
          known = "[the callbacks object cannot list its keys]";
        }
        loop.callExceptionHandler({
          message:
            `LoopChannel got a call to unknown callback "${name}"; known: ${known}`,
        });
        return;
      }
      if (args.length <= MAX_SPREAD_ARGS) {
        loop.callSoonThreadsafe(callback, ...args);
      } else {
        // Spread twice on the way to the handle, tens of thousands of
        // arguments overflow the stack: handed over as one array instead.
        loop.callSoonThreadsafe(applyArgs, callback, args);
      }
    };
    port1.onmessage = (event: MessageEvent<unknown>) => {
      received.count++;
      try {
        deliver(event);
      } finally {
        // A job's answer held back for this call goes after it.
        release(received);
      }
    };
  }

  /**
   * Stops listening and closes the main thread's port (the Worker's end is
   * closed by the Worker or when it ends). Idempotent.
   *
   * @example Close twice
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { LoopChannel } from "@aio/asyncio/executor";
   *
   * using loop = new EventLoop();
   * const channel = new LoopChannel(loop, {});
   * channel.close();
   * channel.close();
   * channel.port.close();
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#local.onmessage = null;
    this.#local.close();
    // No more calls arrive: answers held back for them go now.
    this.#received.closed = true;
    release(this.#received);
  }

  /**
   * Same as {@linkcode LoopChannel.close}, for `using`.
   *
   * @example Close at scope exit
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { LoopChannel } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * let port: MessagePort;
   * {
   *   using channel = new LoopChannel(loop, {});
   *   port = channel.port;
   * }
   * port.close();
   * assert.ok(port);
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }
}

/**
 * A Worker's handle to the main thread's event loop: the other end of a
 * {@linkcode LoopChannel}. Close it when the job ends (`using` does), or the
 * port stays open in the Worker.
 *
 * @example Call back from a Worker job
 * ```ts ignore
 * // work.ts, run with runInExecutor(url, "count", channel.port)
 * import { RemoteLoop } from "@aio/asyncio/executor";
 *
 * export function count(port: MessagePort): number {
 *   using loop = new RemoteLoop(port);
 *   for (let i = 1; i <= 3; i++) loop.callSoonThreadsafe("progress", i);
 *   return 3;
 * }
 * ```
 */
export class RemoteLoop implements Disposable {
  readonly #port: MessagePort;
  #closed = false;

  /**
   * Wraps the port of a {@linkcode LoopChannel}.
   *
   * @param port The port the Worker received.
   *
   * @example Wrap a port
   * ```ts
   * import { RemoteLoop } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * const { port1, port2 } = new MessageChannel();
   * using handle = new RemoteLoop(port1);
   * port2.close();
   * assert.ok(handle);
   * ```
   */
  constructor(port: MessagePort) {
    this.#port = port;
  }

  /**
   * Asks the main loop to run the callback registered as `name` with `args`
   * in its next tick; an idle loop wakes up. Returns at once.
   *
   * @param name The callback's name in the `LoopChannel`.
   * @param args Its arguments, structured-cloned.
   * @throws {Error} If the handle is closed, or its port was closed (by
   * another `RemoteLoop`, or by `port.close()` in a pool's Worker): the call
   * would be dropped.
   * @throws {DOMException} If an argument cannot be cloned.
   *
   * @example Post a call
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import { LoopChannel, RemoteLoop } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * let got = "";
   * using channel = new LoopChannel(loop, {
   *   hello: (who: string) => {
   *     got = who;
   *     loop.stop();
   *   },
   * });
   * using handle = new RemoteLoop(channel.port);
   * handle.callSoonThreadsafe("hello", "worker");
   * await loop.runForever();
   * assert.equal(got, "worker");
   * ```
   */
  callSoonThreadsafe(name: string, ...args: unknown[]): void {
    if (this.#closed) {
      throw new Error(
        `Cannot call callSoonThreadsafe("${name}"): the RemoteLoop is closed`,
      );
    }
    const port = this.#port;
    const table = portsTable();
    if (table.closed.has(port)) {
      // The port would drop the call without a word.
      throw new Error(
        `Cannot call callSoonThreadsafe("${name}"): its port was closed (by another RemoteLoop, or port.close()); close a port once its last call is posted`,
      );
    }
    port.postMessage({ name, args } satisfies CallMessage);
    table.sent.set(port, (table.sent.get(port) ?? 0) + 1);
  }

  /**
   * Closes the port. Idempotent.
   *
   * @example Closed handles refuse calls
   * ```ts
   * import { RemoteLoop } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * const { port1, port2 } = new MessageChannel();
   * const handle = new RemoteLoop(port1);
   * handle.close();
   * port2.close();
   * assert.throws(() => handle.callSoonThreadsafe("x"), /closed/);
   * ```
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#port.close();
    portsTable().closed.add(this.#port);
  }

  /**
   * Same as {@linkcode RemoteLoop.close}, for `using`.
   *
   * @example Close at scope exit
   * ```ts
   * import { RemoteLoop } from "@aio/asyncio/executor";
   * import assert from "node:assert/strict";
   *
   * const { port1, port2 } = new MessageChannel();
   * let handle: RemoteLoop;
   * {
   *   using h = new RemoteLoop(port1);
   *   handle = h;
   * }
   * port2.close();
   * assert.throws(() => handle.callSoonThreadsafe("x"), /closed/);
   * ```
   */
  [Symbol.dispose](): void {
    this.close();
  }
}
