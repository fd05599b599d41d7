/**
 * The one waiter mechanism under every primitive of the sync module.
 *
 * A {@linkcode Waiter} is a library `Future` that is also a node of an
 * intrusive doubly-linked {@linkcode WaiterQueue}: FIFO, O(1) push, shift and
 * removal from the middle, no allocation beyond the future itself.
 *
 * The invariant that makes the primitives cancellation-safe: **a queue holds
 * only pending waiters**. Every way a waiter can complete goes through the
 * queue first: a wakeup (`shift()` then `setResult`), a task cancellation
 * (`Task.cancel()` calls the waiter's `cancel()`, which unlinks it at once),
 * a signal abort (unlinks, then completes it with the reason), and a direct
 * `setResult`/`setException`/`cancel` by whoever holds the future. So a wakeup
 * always lands on a waiter that can take it: a waiter cancelled at the moment
 * it would have been woken is already out of the line, and the wakeup passes
 * on to the next one.
 *
 * Primitives hand the resource over with the wakeup (the lock stays locked
 * and passes to the woken waiter; a permit or a queue item goes with it), so
 * `locked()`, `value` and `qsize()` are right at every instant, and a newcomer
 * cannot overtake a waiter that was woken but has not run yet. Once a waiter
 * is woken, the `await` on it completes with the resource even if the task is
 * cancelled right after: the `CancelledError` then reaches the task at its
 * next wait, and nothing is lost.
 *
 * @module
 */

import type { EventLoop } from "../loop/mod.ts";
import { Future } from "../loop/future.ts";
import { Granted, grantNextTick, isSettled, settled } from "../loop/settled.ts";
import { Guard, type Releasable } from "./guard.ts";

/**
 * A pending wait: a `Future` linked into one {@linkcode WaiterQueue}.
 * `payload` carries what the waiter brings (the item of a blocked `put()`).
 */
export class Waiter<T> extends Future<T> {
  /** The queue this waiter is linked into, or `null` once out of it. */
  queue: WaiterQueue<T> | null = null;
  prev: Waiter<T> | null = null;
  next: Waiter<T> | null = null;
  payload: unknown = undefined;
  /**
   * Turns the value handed over into what the caller gets (`lock()` gets a
   * `Guard` where `acquire()` gets `true`).
   */
  mapResult: ((value: T) => unknown) | null = null;
  override cancel(msg?: string): boolean {
    this.#leave();
    return super.cancel(msg);
  }

  override setResult(value: T): void {
    this.#leave();
    const map = this.mapResult;
    super.setResult(map === null ? value : map(value) as T);
  }

  override setException(error: unknown): void {
    this.#leave();
    super.setException(error);
  }

  #leave(): void {
    this.queue?.remove(this);
  }
}

/** A FIFO line of pending {@linkcode Waiter}s. */
export class WaiterQueue<T> {
  /** Names the waits in task trees: `"Lock.acquire"`, `"Queue.get"`. */
  readonly label: string;
  #head: Waiter<T> | null = null;
  #tail: Waiter<T> | null = null;
  #length = 0;

  constructor(label: string) {
    this.label = label;
  }

  /** The number of waiters in line (all pending). */
  get length(): number {
    return this.#length;
  }

  /** Appends `w` at the back. */
  push(w: Waiter<T>): void {
    w.queue = this;
    w.prev = this.#tail;
    w.next = null;
    if (this.#tail === null) this.#head = w;
    else this.#tail.next = w;
    this.#tail = w;
    this.#length++;
  }

  /** Removes and returns the front waiter, or `null` when empty. */
  shift(): Waiter<T> | null {
    const w = this.#head;
    if (w !== null) this.remove(w);
    return w;
  }

  /** Unlinks `w` (O(1)); does nothing if `w` is not in this queue. */
  remove(w: Waiter<T>): void {
    if (w.queue !== this) return;
    if (w.prev === null) this.#head = w.next;
    else w.prev.next = w.next;
    if (w.next === null) this.#tail = w.prev;
    else w.next.prev = w.prev;
    w.prev = w.next = null;
    w.queue = null;
    this.#length--;
  }

  /**
   * Completes the front waiter with `value`.
   *
   * @returns `false` if nobody was waiting.
   */
  wakeFirst(value: T): boolean {
    const w = this.#head;
    if (w === null) return false;
    this.remove(w);
    w.setResult(value);
    return true;
  }

  /** Completes every waiter in line with `value`, in FIFO order. */
  wakeAll(value: T): void {
    while (this.wakeFirst(value));
  }

  /** Fails every waiter in line with `error` (a fresh one per waiter). */
  rejectAll(error: () => unknown): void {
    for (let w = this.shift(); w !== null; w = this.shift()) {
      w.setException(error());
    }
  }
}

/**
 * Puts a new waiter at the back of `queue` and returns what to await: the
 * waiter itself, or, with a signal, a promise that rejects with exactly
 * `signal.reason` if the signal aborts first. The caller has checked that
 * the signal is not aborted yet.
 */
export function waitIn<T>(
  queue: WaiterQueue<T>,
  loop: EventLoop,
  signal: AbortSignal | undefined,
  payload?: unknown,
): Promise<T> {
  const w = new Waiter<T>(loop);
  w.label = queue.label;
  w.payload = payload;
  // Listening first: a signal that cannot be listened to leaves no waiter
  // in line to take what the primitive hands out next.
  if (signal !== undefined) w.abortOn(signal);
  queue.push(w);
  return w;
}

/** A settled promise of `undefined`, for waits that take nothing. */
export const RESOLVED_VOID: Promise<void> = Promise.resolve();

/**
 * A guard for `resource` once `acquired` resolves; without an extra
 * async frame, and settled at once on the uncontended path.
 */
export function guarded(
  resource: Releasable,
  acquired: Promise<true>,
): Promise<Guard> {
  if (acquired instanceof Waiter) {
    // Still waiting: the hand-over itself makes the guard, so cancelling the
    // returned future cancels the wait (no wrapper to abandon).
    acquired.mapResult = () => new Guard(resource);
    return acquired as unknown as Promise<Guard>;
  }
  if (acquired instanceof Granted) {
    return grantNextTick(acquired.getLoop(), new Guard(resource));
  }
  return isSettled(acquired)
    ? settled(new Guard(resource))
    : acquired.then(() => new Guard(resource));
}
