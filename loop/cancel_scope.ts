/**
 * Cancel scopes: what a cancellation reaches.
 *
 * A task's code can wait on several things at once (`Promise.all`,
 * concurrent `timeout()` blocks, callbacks it schedules), so a task is not
 * "waiting on one future" as a Python coroutine is. Instead every task has a
 * root scope, and `timeout()`, `waitFor()`, `taskGroup()` and the library's
 * multi-step waits (such as `Condition.wait()`) open nested ones. The async
 * context carries the innermost scope: it follows native `await`s,
 * `Promise.all` branches and callbacks created inside it. A future awaited
 * there registers with that scope as one of its waits.
 *
 * A cancellation is a *request* on a scope: a `CancelledError` tagged with
 * the scope it came from (its source). It cancels every pending wait in the
 * scope and in the scopes nested in it, and aborts their signals. If no wait
 * is pending (the code is running, or parked on a host promise), the request
 * stays pending and the next wait started in the scope or below is cancelled
 * at once. A request is delivered once (edge-triggered, as in asyncio): code
 * that catches the `CancelledError` and goes on is not cancelled again.
 *
 * A request handed to something that then ends without being cancelled (a
 * task that returned before the request reached one of its waits, a scope
 * whose code finished first) is not lost: it goes back to its source scope,
 * for the waits pending there or the next one. So a cancelled task never
 * runs on as if nothing happened because what it awaited finished anyway.
 *
 * A request that reaches only plain futures may have reached no code: a
 * `Promise.race` leaves its loser pending, and nothing awaits it any more.
 * Such a request is held as *unseen*: a wait the task starts from code a
 * host promise resumed (outside the loop's ticks) gets it; a move of the
 * task's code in the ticks the futures' rejections take to reach their
 * awaiters (a wait started, a scope left, the end) is its reaction; without
 * one, the request is pending for the next wait. A wait older than another
 * the request reaches (the code moved past it) does not spend it.
 *
 * A scope (like a task) holds one undelivered request. When a second one
 * finds no wait either, the two merge, as two `cancel()` calls merge in
 * asyncio, and the one kept is the one that must not be lost: the request
 * of the enclosing scope (the task's, say) over that of a scope nested in
 * it (a deadline, which its scope drops when its code ends), else the later
 * one.
 *
 * A scope that is cancelled by an enclosing one (or entered while an
 * enclosing request was still pending) remembers that request as `outer`.
 * When such a scope ends with its own cancellation, it passes the outer
 * request on instead of converting or swallowing it: a timeout turns only its
 * own cancellation into `TimeoutError`, never a task's.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { type EventLoop, inTick, watchReactions } from "./event_loop.ts";
import { CancelledError } from "./errors.ts";

/** Tells the owning task that one of its leaf waits began. */
export const waitStarted: unique symbol = Symbol("aio.waitStarted");
/** Tells the owning task that one of its leaf waits ended. */
export const waitEnded: unique symbol = Symbol("aio.waitEnded");
/** The scope of a wait that ends inline; see {@linkcode Wait}. */
export const inlineWait: unique symbol = Symbol("aio.inlineWait");

/** The owner of the scopes of a task that is done. */
const RELEASED: ScopeOwner = {
  getLoop(): EventLoop {
    throw new Error("Cannot get the loop of a finished task's scope");
  },
  done: () => true,
  [waitStarted]() {},
  [waitEnded]() {},
};

/** What a scope needs of the task that owns it. */
export interface ScopeOwner {
  getLoop(): EventLoop;
  done(): boolean;
  /**
   * A leaf wait began: the task's code may have parked (its step may end);
   * `parks` is false for a `catch()` or `finally()`, after which the code
   * usually goes on.
   */
  [waitStarted](parks: boolean): void;
  /** A leaf wait ended: the task will run again (its step begins). */
  [waitEnded](): void;
}

/** What a scope needs of a wait registered with it. */
export interface Wait {
  cancel(msg?: string): boolean;
  done(): boolean;
  /**
   * For a wait that ends inline, in microtasks of a step already running
   * (the future of an operation whose own waits are registered too): `true`,
   * or, for code run in a scope of its own, that scope. Such a wait neither
   * ends nor begins a step, and a cancellation of an enclosing scope reaches
   * the code of a nested scope through the scope rather than the wait.
   */
  readonly [inlineWait]?: CancelScope | true;
}

/** The innermost scope of the running code. */
export const scopeContext: AsyncLocalStorage<CancelScope> =
  new AsyncLocalStorage<CancelScope>();

/** The source scope of each request's `CancelledError`. */
const sources = new WeakMap<object, CancelScope>();
/**
 * Further sources of a task's `CancelledError`, when several scopes asked
 * to cancel the task: each knows the error as its own.
 */
const alsoFrom = new WeakMap<object, CancelScope[]>();
/** When each request was made, by a count of the requests made so far. */
const issuedAt = new WeakMap<object, number>();
let issued = 0;
/**
 * Requests that cancelled a plain future (whose await then throws): they
 * reached code, and are never given back.
 */
const consumed = new WeakSet<object>();
/** The request being fanned out to waits right now. */
let fanningOut: CancelledError | null = null;
/**
 * Whether the wait being cancelled by the fan-out is older than another it
 * reaches: the code moved on past it, so the request is not spent on it.
 */
let cancellingOlder = false;
/** Whether that wait was a plain future (whose await throws). */
let waitWasPlain = false;
/** How many scopes hold a pending request, to skip the lookup when none. */
let pendingCount = 0;
/** How many scopes hold an unseen request (see `CancelScope.#afterFanOut`). */
let unseenCount = 0;

/**
 * A `CancelledError` for a request from `source` (untagged when `null`).
 *
 * @param msg The error's message.
 * @param source The scope the request comes from.
 * @param others Other scopes that asked for the same cancellation.
 * @returns The error.
 */
export function cancelledError(
  msg: string | undefined,
  source: CancelScope | null,
  others?: CancelScope[],
): CancelledError {
  const error = new CancelledError(msg);
  if (source !== null) {
    sources.set(error, source);
    issuedAt.set(error, ++issued);
  }
  if (others !== undefined) alsoFrom.set(error, others);
  return error;
}

/**
 * Whether `error` is a cancellation `scope` asked for (alone, or with other
 * scopes that asked to cancel the same task).
 *
 * @param error Anything thrown.
 * @param scope The scope.
 * @returns `true` if `scope` is a source of `error`.
 */
export function cancelledBy(error: unknown, scope: CancelScope): boolean {
  if (typeof error !== "object" || error === null) return false;
  return sources.get(error) === scope ||
    (alsoFrom.get(error)?.includes(scope) ?? false);
}

/**
 * Whether `value` is a `CancelledError`. Never throws: any thrown value gets
 * here, and `instanceof` throws for a revoked proxy.
 *
 * @param value Anything thrown.
 * @returns `true` for a `CancelledError`.
 */
export function isCancelledError(value: unknown): value is CancelledError {
  try {
    return value instanceof CancelledError;
  } catch {
    return false;
  }
}

/**
 * Whether `error` is a `CancelledError`, or an `AggregateError` of nothing
 * else (a `Promise.any` whose branches all met one).
 */
function isCancellation(error: unknown): boolean {
  return isCancellationWhere(error, () => true);
}

/**
 * Whether `error` is a `CancelledError` that passes `test`, or an
 * `AggregateError` of only such errors.
 */
function isCancellationWhere(
  error: unknown,
  test: (e: CancelledError) => boolean,
): boolean {
  if (isCancelledError(error)) return test(error);
  try {
    if (!(error instanceof AggregateError)) return false;
    const errors: unknown[] = error.errors;
    return errors.length > 0 &&
      errors.every((e) => isCancelledError(e) && test(e));
  } catch {
    // A revoked proxy, a hostile `errors` getter: not a cancellation.
    return false;
  }
}

/**
 * The scope a `CancelledError` came from, if the library made it.
 *
 * @param error Anything thrown.
 * @returns The source scope, or `undefined`.
 */
export function sourceOf(error: unknown): CancelScope | undefined {
  return typeof error === "object" && error !== null
    ? sources.get(error)
    : undefined;
}

/**
 * The request that is cancelling waits right now, for a wait (a task, a
 * gather) that records who cancelled it.
 *
 * @returns The request, or `null` outside a fan-out.
 */
export function currentRequest(): CancelledError | null {
  return fanningOut;
}

/**
 * The source of the request that is cancelling waits right now.
 *
 * @returns The source, or `null` outside a fan-out (or for an untagged one).
 */
export function currentSource(): CancelScope | null {
  return fanningOut === null ? null : sources.get(fanningOut) ?? null;
}

/** The innermost scope of the running code, if any. */
export function currentScope(): CancelScope | undefined {
  return scopeContext.getStore();
}

/**
 * Whether the running code was left behind by a block that has exited (a
 * branch a failed `Promise.all` left running), up to `live`, the scope its
 * waits register with: its moves are not the code's.
 */
function leftBehind(live: CancelScope): boolean {
  for (let s = currentScope(); s !== undefined && s !== live;) {
    if (s.exited) return true;
    const up = s.parent;
    if (up === null) break;
    s = up;
  }
  return false;
}

/**
 * A checkpoint of the running code: if a cancellation is pending on its
 * scope or an enclosing one, it is delivered here (thrown), as at a wait
 * started now. Code that was woken with a resource it has not taken yet
 * (bytes still in a buffer) calls it, so that a cancellation that arrived
 * meanwhile lands before anything is taken.
 *
 * @throws {CancelledError} The pending request.
 */
export function checkpoint(): void {
  if (pendingCount === 0) return;
  const request = currentScope()?.live()?.takePending();
  if (request != null) {
    consumed.add(request);
    throw request;
  }
}

/**
 * Gives `request` back to its source scope: something it was handed to
 * ended without being cancelled by it. The source, if still active,
 * delivers it to its pending waits or to its next one.
 *
 * @param request The request.
 */
export function handBack(request: CancelledError): void {
  if (!consumed.has(request)) giveBack(request);
}

/**
 * Gives a cancellation back to the scope it came from, if that scope is
 * still active: for code that caught one that reached it and could not act
 * on it (the value it waited for came anyway), so the cancellation is not
 * swallowed. A scope that has ended takes nothing back.
 *
 * @param error A `CancelledError` (the request, or one made from it).
 */
export function giveBack(error: CancelledError): void {
  const source = sources.get(error);
  if (source !== undefined && source.live() === source) source.deliver(error);
}

/**
 * Cancels anew, as asyncio's group does its task, a cancellation that
 * reached the running code, which turned it into something else (a
 * `TaskGroup` whose failures win): if its source scope is still active, it
 * goes to the waits pending there now, or else to the next one. Waits left
 * behind in scopes that have exited (a branch a `Promise.all` dropped) are
 * stray code, not the code that goes on: they do not take it.
 *
 * @param error A `CancelledError` (the request, or one made from it).
 */
export function rearm(error: CancelledError): void {
  const source = sources.get(error);
  if (source !== undefined && source.live() === source) {
    source.keepPending(error);
  }
}

/**
 * A plain future is being cancelled: if a request is being fanned out, it
 * reaches code through this future's await, so it is spent.
 */
export function noteConsumed(): void {
  if (fanningOut === null) return;
  waitWasPlain = true;
  if (!cancellingOlder) consumed.add(fanningOut);
}

/**
 * Of two requests that reached something which has delivered neither yet
 * (so they merge into one, as two `cancel()` calls merge in asyncio), the
 * one to keep: `incoming`, unless `held` comes from a scope that encloses
 * the source of `incoming` (or `incoming` is untagged and `held` is not).
 * The outer request is the one that must not be lost: an inner one (a
 * deadline) is dropped by its scope when that scope's code ends, and would
 * take the outer one with it.
 *
 * @param held The request kept so far, if any.
 * @param incoming The request that arrives, if any.
 * @returns The request to keep.
 */
export function outerRequest(
  held: CancelledError | null,
  incoming: CancelledError | null,
): CancelledError | null {
  if (held === null || incoming === null) return held ?? incoming;
  const heldSource = sources.get(held);
  if (heldSource === undefined) return incoming;
  const incomingSource = sources.get(incoming);
  if (incomingSource === undefined) return held;
  return incomingSource !== heldSource && incomingSource.within(heldSource)
    ? held
    : incoming;
}

/**
 * Cancels `wait` on behalf of `scope`: the `CancelledError` it ends with
 * names `scope` as its source, as if `scope` had cancelled its own waits.
 *
 * @param scope The scope that cancels.
 * @param wait The wait.
 * @returns What `wait.cancel()` returned.
 */
export function cancelFor(scope: CancelScope, wait: Wait): boolean {
  return fanOut(cancelledError(undefined, scope), () => wait.cancel());
}

/** Runs `cancelWaits` with `request` as the one being fanned out. */
function fanOut<R>(request: CancelledError, cancelWaits: () => R): R {
  // Fan-outs nest (cancelling a task a wait awaits fans out its request).
  const previous = fanningOut;
  const older = cancellingOlder;
  const plain = waitWasPlain;
  fanningOut = request;
  cancellingOlder = false;
  try {
    return cancelWaits();
  } finally {
    fanningOut = previous;
    cancellingOlder = older;
    waitWasPlain = plain;
  }
}

/** The state most scopes never need, made on first use. */
interface Rare {
  /**
   * A request of an enclosing scope that reached this one while it was
   * active, or was pending when it was entered.
   */
  outer: CancelledError | null;
  /** The undelivered request of this scope. */
  pending: CancelledError | null;
  /** Waits beyond the first, each with its {@linkcode CancelScope.#stamp}. */
  moreWaits: Map<Wait, number> | null;
  children: Set<CancelScope> | null;
  controller: AbortController | null;
  /** The signal handed out: the controller's, joined with the parent's. */
  signal: AbortSignal | null;
  /** Why this scope's signal is aborted (or is to be, once created). */
  abortReason: CancelledError | null;
  /** The scope's own cancellation (its deadline), which nothing takes back. */
  own: CancelledError | null;
  /**
   * A request that reached only plain futures, which the code may have
   * left behind; see `CancelScope.#afterFanOut`.
   */
  unseen: CancelledError | null;
  /** Whether the code can be reacting to `unseen` now. */
  seeing: boolean;
  /**
   * Requests that merged into `pending` from scopes unrelated to its
   * source: delivered with it, or each given back with it.
   */
  merged: CancelledError[] | null;
  /** The requests of this scope made up to this count were taken back. */
  tookBackUpTo: number;
  /**
   * The newest wait here that a request cancelled, until it is woken, and
   * how often the task's code had moved then (see `#cancelInFlight`).
   */
  inFlight: Wait | null;
  inFlightMoves: number;
}

/**
 * What a fan-out reached: nothing; only plain futures (whose await throws,
 * if anything awaits them still); or a task or an operation, which gives
 * the request back if it ends without being cancelled.
 */
const NONE = 0, FUTURES = 1, CODE = 2;

/**
 * A node of the scope tree of one task (or of code outside tasks, with no
 * owner). A task's root scope with one wait at a time holds that wait and
 * nothing else: the rest is made when a cancellation, a nested scope, a
 * second wait or the signal first needs it.
 */
export class CancelScope {
  /**
   * A root's task (`RELEASED` once it is done), or a nested scope's root:
   * the task is reached through the root, which lets it go in one place.
   */
  #owner: ScopeOwner | CancelScope | null;
  /** The enclosing scope; `null` for a task's root. */
  readonly parent: CancelScope | null;
  /** What the scope is, for task trees: `timeout(100)`; `""` for a root. */
  readonly label: string;
  /** Set once the scope's code is done; its waits may still be pending. */
  exited = false;
  #wait: Wait | null = null;
  /** The root's count of leaf waits ended when `#wait` started. */
  #waitStamp = 0;
  /**
   * On a root: how often the task's code moved on (a leaf wait started, a
   * nested scope exited), and how many leaf waits ended.
   */
  #moves = 0;
  #ends = 0;
  #rare: Rare | null = null;

  /**
   * Creates a scope inside `parent`, or a root scope.
   *
   * @param owner The owning task.
   * @param parent The enclosing scope.
   * @param label The label for task trees.
   */
  constructor(
    owner: ScopeOwner | null,
    parent: CancelScope | null,
    label: string,
  ) {
    this.parent = parent;
    this.label = label;
    if (parent === null) {
      this.#owner = owner;
    } else {
      this.#owner = parent.#root();
    }
    if (parent !== null) {
      const rare = parent.#state();
      (rare.children ??= new Set()).add(this);
      if (pendingCount > 0) {
        // A request still undelivered when the scope is entered is the
        // outer one's: this scope must not convert it.
        const pending = parent.#outermostPending();
        if (pending !== null) {
          const own = this.#state();
          own.outer = own.abortReason = pending;
        }
      }
    }
  }

  /**
   * The task whose code runs in this scope; `null` outside tasks, and once
   * the task is done (work left over from it belongs to no task).
   */
  get owner(): ScopeOwner | null {
    const owner = this.#root().#owner;
    return owner === RELEASED ? null : owner as ScopeOwner | null;
  }

  /**
   * The task is done: its scopes let go of it. What its code left behind
   * (a `CancelledError` tagged with one of its scopes, an error whose stack
   * frames hold a scope) then no longer keeps the task, so a failure nobody
   * retrieved can be collected and reported. Called on a root.
   */
  release(): void {
    this.#owner = RELEASED;
  }

  /**
   * A request of an enclosing scope that reached this one while it was
   * active, or was pending when it was entered; `null` if none did.
   */
  get outer(): CancelledError | null {
    return this.#rare?.outer ?? null;
  }

  /**
   * The signal of this scope: aborted, with a `CancelledError` as its
   * reason, when this scope or an enclosing one is cancelled.
   */
  get signal(): AbortSignal {
    const rare = this.#state();
    if (rare.signal !== null) return rare.signal;
    const controller = rare.controller = new AbortController();
    if (rare.abortReason !== null) controller.abort(rare.abortReason);
    // Code can outlive its scope (a Promise.all branch left running when a
    // sibling failed) and the scope then leaves the tree, where cancelling
    // an enclosing scope no longer reaches it: its signal follows theirs.
    // Not an enclosing signal aborted already: that cancellation was
    // delivered before this scope's code asked, and a scope entered to
    // clean up after it gets a signal that works.
    let enclosing = this.parent;
    while (enclosing !== null && enclosing.signal.aborted) {
      enclosing = enclosing.parent;
    }
    return rare.signal = enclosing === null
      ? controller.signal
      : AbortSignal.any([controller.signal, enclosing.signal]);
  }

  /** Whether a request on this scope waits to be delivered. */
  get pending(): boolean {
    return (this.#rare?.pending ?? null) !== null;
  }

  /**
   * Runs `fn(...args)` with this scope as the innermost one.
   *
   * @param fn The code to run.
   * @param args Its arguments.
   * @returns What `fn` returns.
   */
  enter<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
    return scopeContext.run(this, fn, ...args);
  }

  /**
   * The scope a wait started here registers with: this one, or, once it
   * exited, the nearest enclosing one still active; `null` once the owning
   * task is done (work left over from a finished task belongs to no task).
   */
  live(): CancelScope | null {
    if (!this.exited) {
      const owner = this.#root().#owner as ScopeOwner | null;
      return owner?.done() ? null : this;
    }
    return this.parent === null ? null : this.parent.live();
  }

  /** Whether this scope is `ancestor` or nested in it. */
  within(ancestor: CancelScope): boolean {
    if (this === ancestor) return true;
    return this.parent !== null && this.parent.within(ancestor);
  }

  /**
   * Registers a pending wait. If a request is pending on this scope or an
   * enclosing one, it is delivered to this wait, which is cancelled at once,
   * and is no longer pending.
   *
   * @param wait The wait.
   * @param parks Whether the task's code parks on it (see `Future.catch`).
   */
  addWait(wait: Wait, parks = true): void {
    const root = this.#root();
    const stamp = root.#ends;
    if (this.#wait === null) {
      this.#wait = wait;
      this.#waitStamp = stamp;
    } else (this.#state().moreWaits ??= new Map()).set(wait, stamp);
    if (wait[inlineWait] === undefined) {
      this.owner?.[waitStarted](parks);
      if (unseenCount === 0) root.#moves++;
      else if (!leftBehind(this)) {
        root.#moves++;
        if (this.#meetUnseen(wait)) return;
      }
    }
    if (pendingCount === 0) return;
    const holder = this.#outermostHolder();
    if (holder === null) return;
    const { pending: request, merged } = holder.#rare!;
    this.#clearPendingUp();
    this.#deliverTo(wait, request!, merged);
  }

  /**
   * Cancels `wait` with `request` (and the requests merged with it). A wait
   * that refuses and stays pending (a hand-over granted for the next tick,
   * the caller's already) leaves each request pending for the next one.
   */
  #deliverTo(
    wait: Wait,
    request: CancelledError,
    merged: CancelledError[] | null = null,
  ): void {
    if (!fanOut(request, () => wait.cancel(request.message)) && !wait.done()) {
      (sources.get(request) ?? this).keepPending(request);
      if (merged !== null) {
        for (const other of merged) {
          (sources.get(other) ?? this).keepPending(other);
        }
      }
    }
  }

  /**
   * Takes the outermost request pending on this scope or an enclosing one,
   * which is then no longer pending; see {@linkcode checkpoint}.
   *
   * @returns The request, or `null`.
   */
  takePending(): CancelledError | null {
    const request = this.#outermostPending();
    if (request !== null) this.#clearPendingUp();
    return request;
  }

  /**
   * Removes a wait that ended.
   *
   * @param wait The wait.
   */
  removeWait(wait: Wait): void {
    if (this.#wait === wait) this.#wait = null;
    else if (this.#rare?.moreWaits?.delete(wait) !== true) return;
    if (this.#rare !== null && this.#rare.inFlight === wait) {
      this.#rare.inFlight = null;
    }
    if (wait[inlineWait] === undefined) {
      this.#root().#ends++;
      this.owner?.[waitEnded]();
    }
    this.#unlinkIfDone();
  }

  /**
   * Cancels this scope: every pending wait in it and in the scopes nested
   * in it is cancelled, their signals abort, and nested scopes remember the
   * request as an outer one. If no wait was pending, the request stays
   * pending for the next wait started here or below.
   *
   * @param request The request's error, tagged with its source.
   * @returns Whether a pending wait received it.
   */
  cancel(request: CancelledError): boolean {
    const rare = this.#state();
    const source = sources.get(request) ?? null;
    if (source !== this) {
      rare.outer = outerRequest(rare.outer, request);
    } else rare.own ??= request;
    this.#abortTree(request);
    return this.deliver(request);
  }

  /**
   * Whether `request` waits undelivered in an enclosing scope (it will
   * reach the next wait started there).
   *
   * @param request A request.
   * @returns `true` if an enclosing scope holds it pending.
   */
  pendingAbove(request: CancelledError): boolean {
    for (let s = this.parent; s !== null; s = s.parent) {
      if (s.#rare?.pending === request) return true;
    }
    return false;
  }

  /**
   * Delivers `request` as {@linkcode deliver} does, leaving out the waits
   * of exited scopes; see {@linkcode rearm}.
   *
   * @param request The request's error, tagged with its source.
   */
  keepPending(request: CancelledError): void {
    if (this.#rare?.pending === request || this.#tookBack(request)) return;
    // A new round: what the request reached before does not count now.
    consumed.delete(request);
    const newest = this.#newest(this, true);
    const reached = fanOut(
      request,
      () => this.#cancelWaits(request, this, newest, true),
    );
    this.#afterFanOut(request, reached);
  }

  /**
   * Delivers `request` to the waits pending in this scope and the scopes
   * nested in it, or, if none is pending, to the next one started there;
   * signals and `outer` are left as they are. A request given back to its
   * source comes here, and a `TaskGroup` used with `await using` interrupts
   * its enclosing scope this way when a child fails, as asyncio cancels the
   * parent task.
   *
   * @param request The request's error, tagged with its source.
   * @returns Whether a pending wait received it.
   */
  deliver(request: CancelledError): boolean {
    // Given back by several holders (the children of a gather): once.
    if (this.#rare?.pending === request || this.#tookBack(request)) {
      return false;
    }
    consumed.delete(request);
    const newest = this.#newest(this);
    const reached = fanOut(
      request,
      () => this.#cancelWaits(request, this, newest),
    );
    this.#afterFanOut(request, reached);
    return reached !== NONE;
  }

  /**
   * After a fan-out: a request that reached no wait stays pending for the
   * next one. One that reached only plain futures may have reached nobody:
   * the code may have left them behind (a `get()` that lost a
   * `Promise.race` to a host promise, a branch of a `Promise.all` that
   * failed) and be parked elsewhere: it is held as unseen (see the module
   * doc and {@linkcode CancelScope.#meetUnseen}). If the task's code does
   * not go on within two ticks (start a wait, leave a scope, end), the
   * request is pending for its next wait.
   *
   * @param request The request.
   * @param reached What the fan-out reached.
   */
  #afterFanOut(request: CancelledError, reached: number): void {
    if (reached === NONE) {
      // A wait here was cancelled, and the code has not resumed from it
      // yet (the request reached the scope by two paths, a `gather()` of a
      // scope's future and of a task awaiting it; or `cancel()` was called
      // twice): the two merge into the one the code will meet, as two
      // `cancel()` calls before a task resumes do in asyncio.
      if (this.#cancelInFlight()) return;
      this.#setPending(request);
    } else if (reached === FUTURES) {
      const owner = this.owner;
      if (owner === null) return;
      const rare = this.#state();
      if (rare.unseen === null) {
        unseenCount++;
        watchReactions(1);
      }
      rare.unseen = request;
      rare.seeing = false;
      const loop = owner.getLoop();
      const root = this.#root();
      const moves = root.#moves;
      // The cancelled futures reject in the next tick, after which their
      // awaiting code runs, before the tick after it. What the task's code
      // does in the loop's ticks until then may be its reaction.
      const close = () => {
        if (rare.unseen !== request) return;
        this.#clearUnseen();
        if (root.#moves !== moves || this.live() !== this) return;
        this.#setPending(request);
      };
      loop.callSoon(() => {
        if (rare.unseen !== request) return;
        rare.seeing = true;
        loop.callSoon(close);
      });
    }
  }

  /**
   * A leaf wait starts while an enclosing scope holds an unseen request.
   * Started from code a host promise resumed (outside the loop's ticks),
   * the code has not seen the request: this is its next wait, and the
   * request is delivered to it. Started inside the ticks, it is a move of
   * the code: its reaction, once the rejections are out.
   *
   * @returns Whether the request was delivered to `wait`.
   */
  #meetUnseen(wait: Wait): boolean {
    const holder = this.#unseenHolder();
    if (holder === null) return false;
    const rare = holder.#rare!;
    const request = rare.unseen!;
    // Code a host promise resumed, outside the loop's ticks, has not seen
    // the cancelled futures' rejections (they reach code inside ticks):
    // this is its next wait.
    if (this.owner?.getLoop()[inTick]() === false) {
      holder.#clearUnseen();
      this.#deliverTo(wait, request);
      return true;
    }
    // Inside the ticks once the rejections are out, the code reacts to
    // them; before, code the loop resumed (another branch woken by a
    // library wait) may yet see them: its move counts as a reaction.
    if (rare.seeing) holder.#clearUnseen();
    return false;
  }

  /** This scope or the nearest enclosing one that holds an unseen request. */
  #unseenHolder(): CancelScope | null {
    if ((this.#rare?.unseen ?? null) !== null) return this;
    return this.parent === null ? null : this.parent.#unseenHolder();
  }

  #clearUnseen(): void {
    const rare = this.#rare;
    if (rare !== null && rare.unseen !== null) {
      rare.unseen = null;
      unseenCount--;
      watchReactions(-1);
    }
  }

  /**
   * Takes back a pending request from `source`, if this scope holds one
   * that was never delivered.
   *
   * @param source The request's source.
   */
  withdraw(source: CancelScope): void {
    const rare = this.#rare;
    if (rare === null) return;
    const merged = rare.merged;
    if (merged !== null) {
      rare.merged = merged.filter((r) => sources.get(r) !== source);
    }
    const pending = rare.pending;
    if (pending !== null && sources.get(pending) === source) {
      // A request merged with it still waits for the next wait.
      const next = rare.merged?.pop();
      if (next === undefined) this.#clearPending();
      else rare.pending = next;
    }
    if (rare.unseen !== null && sources.get(rare.unseen) === source) {
      this.#clearUnseen();
    }
  }

  /**
   * Takes back every request of this scope, for `Task.uncancel()` down to
   * zero: one still pending is dropped, here or in the nested scope it was
   * handed to (the future of a scope's code was its first wait), and the
   * scopes nested in it forget it as their outer one, so a timeout there
   * converts its own cancellation again. Signals handed out before stay
   * aborted (an `AbortSignal` cannot be reset); the next read of `signal`
   * gets a fresh one.
   */
  reset(): void {
    // This scope's own requests are the ones taken back (a task's cancels).
    const rare = this.#state();
    rare.own = null;
    // Those held where this tree does not reach (the scope of a `timeout()`
    // future made by another task, which this one awaits) are dropped
    // when they come back.
    rare.tookBackUpTo = issued;
    this.#forget(this);
  }

  /** Whether `request`, one of this scope's own, was taken back. */
  #tookBack(request: CancelledError): boolean {
    const upTo = this.#rare?.tookBackUpTo ?? 0;
    return upTo !== 0 && sources.get(request) === this &&
      (issuedAt.get(request) ?? Infinity) <= upTo;
  }

  /**
   * Marks the scope's code as done. A request of its own still pending is
   * dropped; one that came from elsewhere (the scope's future was cancelled
   * while its code ran without a wait) goes back to its source. Waits the
   * code started and left pending stay reachable from enclosing scopes until
   * they end.
   */
  exit(): void {
    if (this.exited) return;
    this.exited = true;
    // Left in a tick, the code's move; left from code a host promise
    // resumed, not a reaction to a cancellation (see #meetUnseen).
    if (this.owner?.getLoop()[inTick]() === true) this.#root().#moves++;
    this.#clearUnseen();
    const pending = this.#rare?.pending ?? null;
    if (pending !== null) {
      const merged = this.#rare!.merged;
      this.#clearPending();
      if (sources.get(pending) !== this) handBack(pending);
      if (merged !== null) {
        for (const request of merged) {
          if (sources.get(request) !== this) handBack(request);
        }
      }
    }
    this.#unlinkIfDone();
  }

  /**
   * How a scope that cancelled itself ends with `error`: `null` when the
   * error is its own cancellation (or an `AggregateError` of nothing else,
   * from a `Promise.any`) and nothing enclosing asked to cancel
   * meanwhile (the caller converts or swallows it); the outer request when
   * one did (it is delivered now, by being thrown); else `error` itself.
   *
   * @param error What the scope's code threw.
   * @returns `null`, or the error to throw.
   */
  ownCancellation(error: unknown): unknown {
    return this.#isOwn(error) ? this.#outerOrNull() : error;
  }

  /**
   * How a scope whose deadline passed (it cancelled its code) ends with
   * `error`: as {@linkcode ownCancellation}, except that any cancellation
   * counts as the scope's own unless something enclosing asked to cancel.
   * The code was told to stop, and a cancellation that another party sent
   * to a task it awaits (one that had swallowed the scope's) is how it
   * stopped: the waiting task was not cancelled, so it gets a
   * `TimeoutError`, as asyncio's and trio's scopes give.
   *
   * @param error What the scope's code threw.
   * @returns `null`, or the error to throw.
   */
  expiredCancellation(error: unknown): unknown {
    return this.#isOwn(error) || isCancellation(error)
      ? this.#outerOrNull()
      : error;
  }

  /**
   * `null`, or the outer request that reached this scope (taken back from
   * the scopes between, since throwing it delivers it).
   */
  #outerOrNull(): CancelledError | null {
    const outer = this.outer;
    if (outer === null) return null;
    const source = sources.get(outer);
    if (source !== undefined) {
      for (let s = this.parent; s !== null; s = s.parent) s.withdraw(source);
    }
    return outer;
  }

  /**
   * Whether `error` is this scope's cancellation, alone or as every error
   * of an `AggregateError` (a `Promise.any` whose branches all met it).
   */
  #isOwn(error: unknown): boolean {
    return isCancellationWhere(error, (e) => cancelledBy(e, this));
  }

  /**
   * What to name as the cause of the `TimeoutError` that this scope's own
   * cancellation `error` becomes: `error`, unless it is the cancellation of
   * a task that an outer scope asked for as well (whose message it
   * carries); then this scope's own request.
   *
   * @param error A cancellation {@linkcode ownCancellation} found ours.
   * @returns The cause.
   */
  causeOf(error: unknown): unknown {
    const own = this.#rare?.own ?? null;
    return own !== null && sourceOf(error) !== this ? own : error;
  }

  /**
   * The waits pending in this scope and in the scopes nested in it, each
   * with the labels of the scopes it sits in, outermost first.
   *
   * @returns The waits and their scope paths.
   */
  pendingWaits(): [Wait, string[]][] {
    const out: [Wait, string[]][] = [];
    const visit = (scope: CancelScope, path: string[]): void => {
      const here = scope.label === "" ? path : [...path, scope.label];
      for (const w of scope.#waits()) if (!w.done()) out.push([w, here]);
      const children = scope.#rare?.children;
      if (children != null) {
        for (const child of children) {
          visit(child, here);
        }
      }
    };
    visit(this, []);
    return out;
  }

  #state(): Rare {
    return this.#rare ??= {
      outer: null,
      pending: null,
      moreWaits: null,
      children: null,
      controller: null,
      signal: null,
      abortReason: null,
      own: null,
      unseen: null,
      seeing: false,
      merged: null,
      tookBackUpTo: 0,
      inFlight: null,
      inFlightMoves: 0,
    };
  }

  #waits(): Wait[] {
    const list: Wait[] = [];
    if (this.#wait !== null) list.push(this.#wait);
    const more = this.#rare?.moreWaits;
    if (more != null) list.push(...more.keys());
    return list;
  }

  #stampedWaits(): [Wait, number][] {
    const list: [Wait, number][] = [];
    if (this.#wait !== null) list.push([this.#wait, this.#waitStamp]);
    const more = this.#rare?.moreWaits;
    if (more != null) list.push(...more);
    return list;
  }

  /** The task's root scope (this one, for a root). */
  #root(): CancelScope {
    // A nested scope's owner is always its root.
    return this.parent === null ? this : this.#owner as CancelScope;
  }

  #hasWaits(): boolean {
    if (this.#wait !== null) return true;
    const more = this.#rare?.moreWaits;
    return more != null && more.size > 0;
  }

  /**
   * An exited scope leaves the tree once nothing in it is pending any more:
   * until then, cancelling an enclosing scope still reaches its waits.
   */
  #unlinkIfDone(): void {
    if (!this.exited || this.#hasWaits()) return;
    const children = this.#rare?.children;
    if (children != null && children.size > 0) return;
    const parent = this.parent;
    if (parent === null) return;
    parent.#rare?.children?.delete(this);
    parent.#unlinkIfDone();
  }

  /**
   * Cancels the pending waits of this scope and its nested ones. The future
   * of a nested scope's code is skipped: that code is reached through its
   * scope, so the request gets there once.
   */
  #cancelWaits(
    request: CancelledError,
    top: CancelScope,
    newest: number,
    activeOnly = false,
  ): number {
    let reached = NONE;
    if (this.#hasWaits()) {
      for (const [w, stamp] of this.#stampedWaits()) {
        const scope = w[inlineWait];
        if (scope instanceof CancelScope && scope.within(top)) continue;
        // A leaf wait older than another the request reaches (started
        // before another of the task's waits ended) is one the code moved
        // on from: a plain future then does not spend the request, which a
        // task or an operation gives back if it ends without being
        // cancelled.
        const leaf = scope === undefined;
        cancellingOlder = leaf && stamp < newest;
        waitWasPlain = false;
        try {
          if (w.cancel(request.message)) {
            reached |= leaf && waitWasPlain ? FUTURES : CODE;
            if (leaf && waitWasPlain && !cancellingOlder) {
              const rare = this.#state();
              rare.inFlight = w;
              rare.inFlightMoves = this.#root().#moves;
            }
          }
        } finally {
          cancellingOlder = false;
        }
      }
    }
    const children = this.#rare?.children;
    if (children != null) {
      for (const child of [...children]) {
        if (activeOnly && child.exited) continue;
        reached |= child.#cancelWaits(request, top, newest, activeOnly);
      }
    }
    return reached === (FUTURES | CODE) ? CODE : reached;
  }

  /**
   * Whether a request cancelled the newest wait here or below, whose code
   * has not resumed from it yet: its wake, which removes it, is to come,
   * and the task's code has not moved since (no wait started, no scope
   * left). A wait cancelled otherwise (a race's loser given up by its
   * producer) may be one the code no longer awaits, and does not count;
   * nor does one in a scope whose code has exited.
   */
  #cancelInFlight(): boolean {
    const rare = this.#rare;
    if (rare === null) return false;
    const w = rare.inFlight;
    if (
      w !== null && (this.#wait === w || rare.moreWaits?.has(w) === true) &&
      this.#root().#moves === rare.inFlightMoves
    ) {
      return true;
    }
    if (rare.children !== null) {
      for (const child of rare.children) {
        if (!child.exited && child.#cancelInFlight()) return true;
      }
    }
    return false;
  }

  /**
   * The stamp of the newest leaf wait pending here and below, as
   * {@linkcode CancelScope.#cancelWaits} walks them.
   */
  #newest(top: CancelScope, activeOnly = false): number {
    let newest = -1;
    if (this.#hasWaits()) {
      for (const [w, stamp] of this.#stampedWaits()) {
        if (w[inlineWait] === undefined && !w.done() && stamp > newest) {
          newest = stamp;
        }
      }
    }
    const children = this.#rare?.children;
    if (children != null) {
      for (const child of children) {
        if (activeOnly && child.exited) continue;
        newest = Math.max(newest, child.#newest(top, activeOnly));
      }
    }
    return newest;
  }

  /** Aborts the signals of this scope and every nested one. */
  #abortTree(request: CancelledError): void {
    const rare = this.#state();
    rare.abortReason ??= request;
    const controller = rare.controller;
    if (controller !== null && !controller.signal.aborted) {
      controller.abort(request);
    }
    if (rare.children !== null) {
      for (const child of rare.children) {
        const state = child.#state();
        state.outer = outerRequest(state.outer, request);
        child.#abortTree(request);
      }
    }
  }

  /** Forgets, here and below, the requests that came from `source`. */
  #forget(source: CancelScope): void {
    const rare = this.#rare;
    if (rare === null) return;
    this.withdraw(source);
    if (rare.outer !== null && sources.get(rare.outer) === source) {
      rare.outer = null;
    }
    if (rare.abortReason !== null && sources.get(rare.abortReason) === source) {
      // A signal aborted by the scope's own cancellation stays aborted.
      rare.abortReason = rare.own;
      if (rare.own === null && rare.controller?.signal.aborted) {
        rare.controller = rare.signal = null;
      }
    }
    if (rare.children !== null) {
      for (const child of rare.children) child.#forget(source);
    }
  }

  /**
   * Holds `request` for the next wait. When another request is held
   * already, the two merge and the outer one stays (see
   * {@linkcode outerRequest}): so a task's cancel that reached a timeout's
   * code before the deadline, and found no wait there, is not replaced by
   * the deadline's request, which the scope drops when its code ends; the
   * task's is given back, for the task's next wait.
   */
  #setPending(request: CancelledError): void {
    const rare = this.#state();
    const held = rare.pending;
    if (held === null) {
      pendingCount++;
      rare.pending = request;
      return;
    }
    if (held === request || rare.merged?.includes(request) === true) return;
    const kept = outerRequest(held, request)!;
    const dropped = kept === held ? request : held;
    rare.pending = kept;
    // Two requests from scopes neither of which encloses the other (two
    // tasks awaiting one `timeout()` future, or one of them and the
    // deadline) merge for delivery, but each must be given back if the
    // code ends without meeting them: dropping one would let its task run
    // on uncancelled.
    const keptSource = sources.get(kept);
    const droppedSource = sources.get(dropped);
    if (
      keptSource !== undefined && droppedSource !== undefined &&
      !keptSource.within(droppedSource) && !droppedSource.within(keptSource)
    ) {
      (rare.merged ??= []).push(dropped);
    }
  }

  #clearPending(): void {
    const rare = this.#rare;
    if (rare !== null && rare.pending !== null) {
      rare.pending = null;
      rare.merged = null;
      pendingCount--;
    }
  }

  /** The outermost pending request from here up to the root. */
  #outermostPending(): CancelledError | null {
    const holder = this.#outermostHolder();
    return holder === null ? null : holder.#rare!.pending;
  }

  /** The outermost scope from here up to the root that holds a request. */
  #outermostHolder(): CancelScope | null {
    const parent = this.parent;
    const above = parent === null ? null : parent.#outermostHolder();
    return above ?? ((this.#rare?.pending ?? null) !== null ? this : null);
  }

  /** Clears the pending requests from here up to the root. */
  #clearPendingUp(): void {
    this.#clearPending();
    if (this.parent !== null) this.parent.#clearPendingUp();
  }
}
