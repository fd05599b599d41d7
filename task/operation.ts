/**
 * Operations: multi-step waits of the library written as async functions
 * (a stream read waiting for data, a drain, a datagram `recv()`), made
 * cancellable when they are handed to a combinator.
 *
 * An operation waits on one library future at a time; those waits register
 * with the caller's scope as usual, so a cancellation of the caller reaches
 * them directly, and `await reader.read()` stays a native await, as cheap
 * as any async function. What a plain promise cannot do is be cancelled by
 * `waitFor(reader.read(), ms)`, `gather(...)` or a `timeout()` that holds
 * it: so each operation's promise is registered with its `Operation`, and
 * the combinators (through `toFuture`) turn it into a future whose
 * `cancel()` cancels the operation. Cancelling it cancels the wait it is
 * in; between two waits (it was woken and has not resumed yet), its next
 * `checkpoint()` throws instead, before it takes anything (bytes stay in
 * the buffer). A request that the operation ends without meeting goes back
 * to its source, as for a task.
 *
 * @module
 */

import {
  cancelledError,
  checkpoint,
  currentRequest,
  handBack,
  inlineWait,
  isCancelledError,
} from "../loop/cancel_scope.ts";
import type { CancelledError } from "../loop/errors.ts";
import type { EventLoop } from "../loop/event_loop.ts";
import { Future, settleNow } from "../loop/future.ts";

const FULFILLED = 1;
const CANCELLED = 3;
const REJECTED = 2;

/**
 * The key under which an operation's promise carries its `Operation`: a
 * property on the promise keeps it a plain native promise (its `await`
 * stays fast) and costs far less than a `WeakMap` entry per read.
 */
const operationKey: unique symbol = Symbol("aio.operation");
let register: (promise: Promise<unknown>, operation: Operation) => void;

/** What an operation's code uses to be cancellable. */
export class Operation {
  /** The library future the operation awaits right now; set around waits. */
  current: PromiseLike<unknown> | null = null;
  /** A cancellation requested between waits. */
  #request: CancelledError | null = null;
  #promise: Promise<unknown> | null = null;

  /**
   * Throws a cancellation requested since the last wait, or pending on the
   * caller's scope; the operation calls it after waking, before taking
   * anything.
   */
  checkpoint(): void {
    const request = this.#request;
    if (request !== null) {
      this.#request = null;
      throw request;
    }
    checkpoint();
  }

  /**
   * Cancels the operation: the wait it is in, or its next checkpoint.
   *
   * @param msg The message of the `CancelledError`.
   * @returns `true`: an operation is cancelled by request, like a task.
   */
  cancel(msg?: string): boolean {
    const current = this.current;
    if (current instanceof Future && !current.done() && current.cancel(msg)) {
      return true;
    }
    if (this.#request === null) {
      const request = this.#request = currentRequest() ??
        cancelledError(msg, null);
      // Given back to its source if the operation ends without meeting it:
      // with a value, or with an error of its own (a read woken by the
      // stream's failure, then cancelled before it resumed, rejects with
      // that failure: the cancellation must still reach the caller's next
      // wait, as for a task that fails with a request undelivered).
      const back = () => {
        if (this.#request === request) handBack(request);
      };
      this.#promise?.then(back, (error) => {
        if (!isCancelledError(error)) back();
      });
    }
    return true;
  }

  static {
    register = (promise, operation) => {
      operation.#promise = promise;
      (promise as { [operationKey]?: Operation })[operationKey] = operation;
    };
  }
}

/**
 * Runs `body` as an operation and returns its promise, registered so that
 * the combinators can cancel it.
 *
 * @param body The operation's code, given its `Operation`.
 * @returns The promise of its outcome.
 */
export function runOperation<T>(
  body: (operation: Operation) => Promise<T>,
): Promise<T> {
  const operation = new Operation();
  const promise = body(operation);
  register(promise, operation);
  return promise;
}

/**
 * Registers `promise`, the outcome of code running as `operation`, as
 * {@linkcode runOperation} does: for hot paths, which make the
 * `Operation`, call their code with it and pass its promise here, without
 * a closure per call.
 *
 * @param operation The operation the code was given.
 * @param promise The promise of its outcome.
 * @returns `promise`.
 */
export function operationPromise<T>(
  operation: Operation,
  promise: Promise<T>,
): Promise<T> {
  register(promise, operation);
  return promise;
}

/**
 * The future a combinator waits on for an operation's promise: it settles
 * with the promise, inline, and `cancel()` cancels the operation.
 *
 * @param loop The loop.
 * @param promise A promise from {@linkcode runOperation}.
 * @returns The future, or `undefined` if `promise` is no operation's.
 */
export function operationFuture<T>(
  loop: EventLoop,
  promise: PromiseLike<T>,
): Future<T> | undefined {
  const operation = (promise as { [operationKey]?: Operation })[operationKey];
  if (operation === undefined) return undefined;
  const future = new OperationFuture<T>(loop, operation);
  promise.then(
    (value) => future[settleNow](FULFILLED, value),
    (error) =>
      future[settleNow](isCancelledError(error) ? CANCELLED : REJECTED, error),
  );
  return future;
}

class OperationFuture<T> extends Future<T> {
  readonly #operation: Operation;

  constructor(loop: EventLoop, operation: Operation) {
    super(loop);
    this.#operation = operation;
  }

  /** Settles inline, in the step of the operation's code. */
  get [inlineWait](): true {
    return true;
  }

  override cancel(msg?: string): boolean {
    return this.done() ? false : this.#operation.cancel(msg);
  }
}
