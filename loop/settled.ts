/**
 * What a wait that need not wait returns. The call has already acted (the
 * lock is taken, the item is out of the queue), so what it returns must
 * never lose that: a combinator cancelled around it (`gather(q.get())`)
 * gives the value back, and on a busy tick (see the loop's `busyTick`) the
 * value comes a tick later through a future that refuses cancellation.
 * Internal: the layers above use it; no `mod.ts` exports it.
 *
 * @module
 */

import { busyTick, callSoonJob, type EventLoop } from "./event_loop.ts";
import {
  type CancelScope,
  checkpoint,
  currentScope,
  sourceOf,
} from "./cancel_scope.ts";
import { getRunning } from "./_running.ts";
import { Future } from "./future.ts";
import { isThenable } from "./thenable.ts";

/** A base class whose constructor returns the object it is given. */
class Adopt {
  constructor(target: object) {
    return target;
  }
}

/**
 * The value of a promise {@linkcode settled} made, in a private field its
 * constructor adds to that promise (a class returning another object from
 * its base constructor gets its fields added there): invisible to
 * reflection, unforgeable, and only ever on promises `settled()` made
 * itself, so no user promise is marked. Not a `WeakMap`: a fast path runs
 * a million times a second, and each entry of a weak table costs the
 * garbage collector (the table was half of a queue hand-off's time).
 */
class SettledValue extends Adopt {
  #value: unknown;

  constructor(promise: Promise<unknown>, value: unknown) {
    super(promise);
    this.#value = value;
  }

  static has(promise: Promise<unknown>): boolean {
    return #value in promise;
  }

  static get(promise: Promise<unknown>): unknown {
    return (promise as unknown as SettledValue).#value;
  }
}

/**
 * A new settled promise of `value`, which combinators take as a done
 * future. A thenable value (a queue's item may be a promise) is adopted as
 * `await` would, and not marked: its outcome is still to come.
 *
 * @param value The value.
 * @returns The promise.
 */
export function settled<T>(value: T): Promise<T> {
  if (isThenable(value)) return Promise.resolve(value);
  const promise = Promise.resolve(value);
  // A native promise whose `then` is shadowed is no thenable, and comes
  // back as it is: the user's, not ours to mark.
  if (promise === (value as unknown)) return promise;
  new SettledValue(promise, value);
  return promise;
}

/**
 * The done future for a promise {@linkcode settled} made, or for a
 * {@linkcode Granted} (of a value that is not a thenable): what the call
 * behind either handed over. `undefined` for any other value.
 *
 * @param loop The loop of the future.
 * @param value What a combinator was given.
 * @returns The future, or `undefined`.
 */
export function settledFuture<T>(
  loop: EventLoop,
  value: unknown,
): Future<T> | undefined {
  let result: unknown;
  if (value instanceof Granted) {
    // A thenable is adopted when the grant resolves, as settled() does.
    if (isThenable(value.value)) return undefined;
    result = value.value;
  } else if (value instanceof Promise && SettledValue.has(value)) {
    result = SettledValue.get(value);
  } else return undefined;
  const done = new Future<T>(loop);
  done.setResult(result as T);
  return done;
}

/**
 * Whether `value` is a promise {@linkcode settled} made.
 *
 * @param value Anything.
 * @returns `true` for one.
 */
export function isSettled(value: unknown): boolean {
  return value instanceof Promise && SettledValue.has(value);
}

/**
 * A future that resolves with `value` in the next tick, for a call on a
 * busy tick that has already acted. As with a woken waiter, a cancellation
 * meanwhile does not take it back: `cancel()` refuses, and the task gets
 * the `CancelledError` at its next wait.
 *
 * @param loop The running loop.
 * @param value What the caller gets.
 * @returns The future.
 */
export function grantNextTick<T>(loop: EventLoop, value: T): Granted<T> {
  const granted = new Granted<T>(loop, value);
  callSoonJob(loop, grant, granted);
  return granted;
}

/** See {@linkcode grantNextTick}. */
export class Granted<T> extends Future<T> {
  /** What the caller gets. */
  readonly value: T;

  /**
   * Creates the future; {@linkcode grantNextTick} completes it.
   *
   * @param loop The loop.
   * @param value What the caller gets.
   */
  constructor(loop: EventLoop, value: T) {
    super(loop);
    this.value = value;
  }

  /**
   * Refused: what it stands for is the caller's already.
   *
   * @returns `false`.
   */
  override cancel(): boolean {
    return false;
  }
}

function grant(granted: Granted<unknown>): void {
  granted.setResult(granted.value);
}

/**
 * Asked by a wait that need not wait (a free lock, a queue with an item)
 * before it acts. `null`: act, and return the value settled (see
 * {@linkcode given}). The loop: code that never parks has held the loop's
 * tick too long (see the loop's `busyTick`), so act and resolve in the next
 * tick. A rejected promise: it is such a tick and a cancellation is pending
 * for the caller (its last wait refused it, having acted already): it is
 * delivered here, before anything is taken, as at a wait that waits, or a
 * loop of such waits would run on uncancelled for ever (stream reads do
 * the same with {@linkcode busyNow} and {@linkcode busyCheckpoint}).
 */
export function takeTurn(): EventLoop | null | Promise<never> {
  const loop = getRunning() as EventLoop | null;
  if (loop === null || !loop[busyTick]()) return null;
  try {
    busyCheckpoint();
  } catch (error) {
    return Promise.reject(error);
  }
  return loop;
}

/**
 * The cancellation a wait on a busy tick took last, in the code running
 * now, and the scope of that code; cleared at the next microtask.
 */
let refused: { scope: CancelScope | undefined; request: unknown } | null = null;

function outermost(scope: CancelScope | undefined): CancelScope | undefined {
  while (scope?.parent) scope = scope.parent;
  return scope;
}

function forgetRefused(): void {
  refused = null;
}

/**
 * For a wait on a busy tick, before it acts: throws a cancellation pending
 * for the running code. Later such waits of the same code, before it next
 * awaits (`gather(q.get(), q.get())`), throw the same: asyncio would have
 * run none of them, the task being cancelled at its first suspension, so
 * none may take an item the cancelled code would drop. Code that caught the
 * cancellation (a `finally`) runs in a later microtask, and waits as usual.
 *
 * @throws {CancelledError} The cancellation.
 */
export function busyCheckpoint(): void {
  const scope = currentScope();
  if (refused !== null && scope !== undefined) {
    // The same code, or code in a scope the cancellation covers (a
    // `timeout()` body beside the task's root, in one `gather()`); for an
    // untagged one (a scope's future cancelled directly), the whole code it
    // came to, from its outermost scope.
    const covered = sourceOf(refused.request) ?? outermost(refused.scope);
    if (covered !== undefined && scope.within(covered)) throw refused.request;
  }
  try {
    checkpoint();
  } catch (error) {
    if (refused === null) queueMicrotask(forgetRefused);
    refused = { scope, request: error };
    throw error;
  }
}

/**
 * What a wait that need not wait returns, once the primitive has handed
 * `value` over: a settled promise that combinators take as done; or, on a
 * busy tick ({@linkcode takeTurn} gave `busy`), a future that resolves in
 * the next tick, so the loop runs between.
 */
export function given<T>(value: T, busy: EventLoop | null): Promise<T> {
  return busy === null ? settled(value) : grantNextTick(busy, value);
}

/**
 * Whether the running loop's tick is busy (see the loop's `busyTick`): for
 * an operation that would not wait, and waits a tick first when it is
 * (stream reads). Counts as one such operation.
 */
export function busyNow(): boolean {
  const loop = getRunning() as EventLoop | null;
  return loop !== null && loop[busyTick]();
}
