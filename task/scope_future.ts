/**
 * Code run inline, in the current task, inside a new nested cancel scope,
 * with a `Future` of its outcome: what `timeout()`, `waitFor()`,
 * `taskGroup()` and the library's multi-step waits (`Condition.wait()`, a
 * stream read) return. Cancelling that future cancels the scope, so whoever
 * holds it (`waitFor`, `gather`, a deadline) stops the underlying waits
 * instead of abandoning them; the future ends once the code has unwound.
 *
 * The code runs at once, in the caller's step, like a called async function,
 * and its future settles inline: the code awaiting it goes on in the same
 * step, with no extra loop tick.
 *
 * @module
 */

import type { EventLoop } from "../loop/mod.ts";
import { runningLoopOrNull } from "../loop/running_loop.ts";
import { settleNow } from "../loop/future.ts";
import {
  cancelledError,
  CancelScope,
  currentRequest,
  currentScope,
  inlineWait,
  isCancelledError,
} from "../loop/cancel_scope.ts";
import { Future } from "../loop/future.ts";
import { isThenable } from "../loop/thenable.ts";

/** Scope futures cancelling each other on the stack right now. */
let cancelDepth = 0;
/** How deep they go before the rest waits for the outermost call. */
const MAX_CANCEL_DEPTH = 100;
/** The cancellations left for the outermost call. */
let deferredCancels: (() => void)[] | null = null;

function runDeferredCancels(): void {
  while (deferredCancels !== null) {
    const batch = deferredCancels;
    deferredCancels = null;
    cancelDepth++;
    try {
      for (const cancel of batch) cancel();
    } finally {
      cancelDepth--;
    }
  }
}

const FULFILLED = 1;
const REJECTED = 2;
const CANCELLED = 3;

/**
 * The future of code running in its own scope. `cancel()` is a request, as
 * for a task: the scope is cancelled and the future ends when the code does.
 *
 * @typeParam T The result type.
 */
export class ScopeFuture<T> extends Future<T> {
  readonly #scope: CancelScope;

  /**
   * @param loop The loop.
   * @param scope The scope the code runs in.
   */
  constructor(loop: EventLoop, scope: CancelScope) {
    super(loop);
    this.#scope = scope;
  }

  /** Ends inline, in the step of the code it runs, whose scope this is. */
  get [inlineWait](): CancelScope {
    return this.#scope;
  }

  /** The scope the code runs in. */
  get scope(): CancelScope {
    return this.#scope;
  }

  /**
   * Cancels the scope; the future ends when its code has unwound.
   *
   * @param msg The message of the `CancelledError`.
   * @returns `false` if already done.
   */
  override cancel(msg?: string): boolean {
    if (this.done()) return false;
    // The request being fanned out, if any: given back to its source if
    // the code ends without meeting it.
    const request = currentRequest() ?? cancelledError(msg, null);
    if (cancelDepth >= MAX_CANCEL_DEPTH) {
      // Scope futures awaiting each other a thousand deep (`waitFor()` of
      // `waitFor()`...) would cancel each other deeper on this stack until
      // it overflowed, half-way down the chain: the rest of the chain is
      // cancelled by the outermost call, before it returns, a stack's worth
      // at a time.
      (deferredCancels ??= []).push(() => {
        if (!this.done()) this.#scope.cancel(request);
      });
      return true;
    }
    cancelDepth++;
    try {
      this.#scope.cancel(request);
    } finally {
      if (--cancelDepth === 0) runDeferredCancels();
    }
    return true;
  }

  /**
   * Not allowed: the result is what the code returns.
   *
   * @param _value Ignored.
   */
  override setResult(_value: T): never {
    throw new Error(
      "Cannot call setResult() on the future of a running scope: its result is what its code returns",
    );
  }

  /**
   * Not allowed: the code fails by throwing.
   *
   * @param _error Ignored.
   */
  override setException(_error: unknown): never {
    throw new Error(
      "Cannot call setException() on the future of a running scope: cancel() it instead",
    );
  }
}

/**
 * Runs `body(scope)` now, inside `scope` (by default a new scope nested in
 * the current one), and returns the future of its outcome. A body that
 * throws or rejects with a `CancelledError` ends the future cancelled.
 *
 * @param body The code.
 * @param scopeOrLabel The scope to run in, or the label of a new one.
 * @returns The future.
 */
export function runInScope<T>(
  body: (scope: CancelScope) => T | PromiseLike<T>,
  scopeOrLabel: CancelScope | string,
): Promise<T> {
  const scope = typeof scopeOrLabel === "string"
    ? newScope(scopeOrLabel)
    : scopeOrLabel;
  const loop = scope.owner?.getLoop() ?? runningLoopOrNull();
  if (loop === null) {
    // No loop runs: nothing can wait or be cancelled; just run the code.
    try {
      return Promise.resolve(body(scope)).finally(() => scope.exit());
    } catch (error) {
      scope.exit();
      return Promise.reject(error);
    }
  }
  const future = new ScopeFuture<T>(loop, scope);
  let result: T | PromiseLike<T>;
  try {
    result = scope.enter(body, scope);
  } catch (error) {
    finish(future, REJECTED, error);
    return future;
  }
  try {
    if (isThenable(result)) {
      // Awaited inside the scope: a library future returned by the body is
      // one of the scope's waits, cancelled with it.
      scope.enter(() =>
        result.then(
          (value) => finish(future, FULFILLED, value),
          (error) => finish(future, REJECTED, error),
        )
      );
    } else {
      finish(future, FULFILLED, result);
    }
  } catch (error) {
    // The stack ran out (scopes nested a thousand deep). The body's
    // promise, left unawaited, would reject unhandled and end the program
    // although the error reaches the caller.
    if (result instanceof Promise) result.then(undefined, ignore);
    throw error;
  }
  return future;
}

/**
 * A new scope nested in the current one (its owner is the current task, if
 * any).
 *
 * @param label The label for task trees.
 * @returns The scope.
 */
export function newScope(label: string): CancelScope {
  const parent = currentScope()?.live() ?? null;
  return new CancelScope(parent?.owner ?? null, parent, label);
}

function ignore(): void {}

function finish<T>(
  future: ScopeFuture<T>,
  state: 1 | 2,
  value: unknown,
): void {
  // Settled first, so that it is no longer one of the waits of the code
  // around it: a cancellation the scope held and gives back on exit (its code
  // ended without meeting it) goes to that code's next wait, not to this
  // future again, whose scope has exited and would drop it.
  if (state === REJECTED && isCancelledError(value)) {
    future[settleNow](CANCELLED, value);
  } else {
    future[settleNow](state, value);
  }
  future.scope.exit();
}
