/**
 * Handles to scheduled callbacks: what `callSoon`, `callLater` and `callAt`
 * return, so a callback can be cancelled before it runs.
 *
 * @module
 */

import { describeValue } from "./describe_value.ts";

// deno-lint-ignore no-explicit-any
type Callback = (...args: any[]) => unknown;

// Markers in a handle's argument fields. Private objects, so no argument a
// caller passes can be mistaken for one.
const NO_ARGS = {};
const ONE_ARG = {};
const MANY_ARGS = {};
const CANCELLED = {};

/** The arguments of a handle that takes none, shared. */
export const NO_CALL_ARGS: readonly unknown[] = Object.freeze([]);

/**
 * For the loop: gives a handle made with {@linkcode NO_CALL_ARGS} its call's
 * `count` arguments, up to two, `a0` and `a1`, with no array: the array of a
 * rest parameter is an allocation per call that V8 keeps when the handle
 * may store it (50 B of a timer's 250). Returns the handle.
 */
export let withCallArgs: <H extends Handle>(
  handle: H,
  count: number,
  a0: unknown,
  a1: unknown,
) => H;

/**
 * A callback scheduled on an event loop. Cancelling it before it runs means
 * it never runs.
 *
 * @example Cancel a scheduled callback
 * ```ts
 * import { EventLoop } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const loop = new EventLoop();
 * const ran: string[] = [];
 * const h = loop.callSoon(() => ran.push("a"));
 * loop.callSoon(() => loop.stop());
 * h.cancel();
 * await loop.runForever();
 * loop.close();
 * assert.ok(h.cancelled());
 * assert.deepEqual(ran, []);
 * ```
 */
export class Handle {
  // Three fields, not six: a million handles queued at once are a million
  // objects the young generation copies. The arguments are encoded in
  // `#a0` and `#rest` (see the markers below); `#rest === CANCELLED` is the
  // cancelled state.
  #callback: Callback | null;
  #a0: unknown;
  #rest: unknown;

  /**
   * @ignore Wraps `callback` and its arguments; the loop makes handles.
   *
   * @param callback The function to call.
   * @param args The arguments to call it with.
   *
   * @example Create and run by hand
   * ```ts
   * import { Handle } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * let got = 0;
   * const h = new Handle((n: number) => (got = n), [5]);
   * h.run();
   * assert.equal(got, 5);
   * ```
   */
  constructor(callback: Callback, args: readonly unknown[]) {
    this.#callback = callback;
    switch (args.length) {
      case 0:
        this.#a0 = undefined;
        this.#rest = NO_ARGS;
        break;
      case 1:
        this.#a0 = args[0];
        this.#rest = ONE_ARG;
        break;
      case 2:
        this.#a0 = args[0];
        this.#rest = args[1];
        break;
      default:
        this.#a0 = MANY_ARGS;
        this.#rest = args;
    }
  }

  static {
    withCallArgs = (handle, count, a0, a1) => {
      if (count === 1) {
        handle.#a0 = a0;
        handle.#rest = ONE_ARG;
      } else if (count === 2) {
        handle.#a0 = a0;
        handle.#rest = a1;
      }
      return handle;
    };
  }

  /**
   * Prevents the callback from running. Does nothing if it already ran or
   * was cancelled.
   *
   * @example Cancel
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const h = loop.callSoon(() => {});
   * h.cancel();
   * assert.ok(h.cancelled());
   * ```
   */
  cancel(): void {
    if (this.#rest === CANCELLED) return;
    // Drop the references so a cancelled handle keeps nothing alive.
    this.#callback = null;
    this.#a0 = undefined;
    this.#rest = CANCELLED;
  }

  /**
   * Whether {@linkcode Handle.cancel} was called.
   *
   * @returns `true` once cancelled.
   *
   * @example Check
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * assert.equal(loop.callSoon(() => {}).cancelled(), false);
   * ```
   */
  cancelled(): boolean {
    return this.#rest === CANCELLED;
  }

  /**
   * The callback's name, for reports and debugging.
   *
   * @returns The function name, or `"<anonymous>"`. A name that is not a
   * string is described (see `toString()`); a `name` getter that throws
   * gives `"<anonymous>"`.
   *
   * @example Name
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * function tick() {}
   * assert.equal(loop.callSoon(tick).callbackName, "tick");
   * ```
   */
  get callbackName(): string {
    try {
      const name: unknown = this.#callback?.name;
      if (name !== undefined && name !== "") return describeValue(name);
    } catch {
      // A hostile `name` getter, or a revoked proxy as the callback.
    }
    return "<anonymous>";
  }

  /**
   * @ignore Calls the callback now, unless cancelled. Errors propagate to the
   * caller; the event loop catches them and calls its exception handler.
   * A handle runs once: afterwards it keeps its callback (for reports) but
   * no longer its arguments, so an error whose stack still refers to the
   * handle does not keep them alive.
   *
   * @returns What the callback returned (the loop reports the rejection of
   * an async callback's promise as it reports a throw).
   *
   * @example Run
   * ```ts
   * import { Handle } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * const out: number[] = [];
   * new Handle((a: number, b: number) => out.push(a + b), [1, 2]).run();
   * assert.deepEqual(out, [3]);
   * ```
   */
  run(): unknown {
    const cb = this.#callback;
    if (cb === null) return;
    const a0 = this.#a0;
    const rest = this.#rest;
    // The callback stays, for reports; the arguments go.
    this.#a0 = undefined;
    this.#rest = NO_ARGS;
    if (rest === NO_ARGS) return cb();
    if (rest === ONE_ARG) return cb(a0);
    if (a0 === MANY_ARGS) return cb(...(rest as unknown[]));
    return cb(a0, rest);
  }

  /**
   * A short description for logs: `Handle(name)`. Never throws, whatever
   * the callback and its name (reports call it on any handle).
   *
   * @returns The description.
   *
   * @example Describe
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * function f() {}
   * assert.equal(String(loop.callSoon(f)), "Handle(f)");
   * ```
   */
  toString(): string {
    let kind = "Handle";
    try {
      const name: unknown = this.constructor.name;
      if (typeof name === "string" && name !== "") kind = name;
    } catch {
      // A subclass with a hostile `name`.
    }
    return `${kind}(${this.callbackName}${
      this.#rest === CANCELLED ? ", cancelled" : ""
    })`;
  }
}

/**
 * A callback scheduled for a point in time: what `callLater` and `callAt`
 * return.
 *
 * @example When a timer fires
 * ```ts
 * import { EventLoop, VirtualClock } from "@aio/asyncio/loop";
 * import assert from "node:assert/strict";
 *
 * const loop = new EventLoop({ clock: new VirtualClock() });
 * const t = loop.callLater(50, () => {});
 * assert.equal(t.when(), 50);
 * t.cancel();
 * loop.close();
 * ```
 */
export class TimerHandle extends Handle {
  /** @ignore The deadline on the loop's clock, in milliseconds. */
  readonly deadline: number;
  /**
   * @ignore Insertion number: orders timers with equal deadlines first-in
   * first-out.
   */
  readonly seq: number;
  #onCancel: ((h: TimerHandle) => void) | null;

  /**
   * @ignore Creates a timer handle; the loop makes them.
   *
   * @param when The deadline in milliseconds on the loop's clock.
   * @param seq Tie-breaker for equal deadlines; lower runs first.
   * @param callback The function to call.
   * @param args The arguments to call it with.
   * @param onCancel Told once when the timer is cancelled before it ran.
   *
   * @example Create
   * ```ts
   * import { TimerHandle } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * const t = new TimerHandle(10, 0, () => {}, []);
   * assert.equal(t.when(), 10);
   * ```
   */
  constructor(
    when: number,
    seq: number,
    callback: Callback,
    args: readonly unknown[],
    onCancel: ((h: TimerHandle) => void) | null = null,
  ) {
    super(callback, args);
    this.deadline = when;
    this.seq = seq;
    this.#onCancel = onCancel;
  }

  /**
   * The deadline on the loop's clock, in milliseconds.
   *
   * @returns The scheduled time.
   *
   * @example Deadline
   * ```ts
   * import { EventLoop, VirtualClock } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop({ clock: new VirtualClock() });
   * assert.equal(loop.callLater(42, () => {}).when(), 42);
   * ```
   */
  when(): number {
    return this.deadline;
  }

  /**
   * Prevents the callback from running; the loop purges the dead timer from
   * its heap lazily, so cancelling is O(1).
   *
   * @example Cancel a timer
   * ```ts
   * import { EventLoop } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * using loop = new EventLoop();
   * const t = loop.callLater(1, () => {});
   * t.cancel();
   * assert.ok(t.cancelled());
   * ```
   */
  override cancel(): void {
    if (this.cancelled()) return;
    super.cancel();
    const onCancel = this.#onCancel;
    this.#onCancel = null;
    onCancel?.(this);
  }

  /**
   * @ignore Called by the loop when the timer leaves its heap to run: a later
   * `cancel()` then has no heap entry to account for.
   *
   * @example Detach
   * ```ts
   * import { TimerHandle } from "@aio/asyncio/loop";
   * import assert from "node:assert/strict";
   *
   * let told = 0;
   * const t = new TimerHandle(1, 0, () => {}, [], () => told++);
   * t.detach();
   * t.cancel();
   * assert.equal(told, 0);
   * ```
   */
  detach(): void {
    this.#onCancel = null;
  }
}
