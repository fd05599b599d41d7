/**
 * Per-loop bookkeeping of the task module: the loop's unfinished tasks (held
 * strongly, so a task never vanishes because its creator dropped it: the
 * trap of CPython #88831) and the failed futures whose error nobody has
 * retrieved yet, reported when the loop closes.
 */

import type { EventLoop } from "../loop/mod.ts";

interface LoopState {
  readonly tasks: Set<object>;
  readonly unretrieved: Set<object>;
}

const states = new WeakMap<EventLoop, LoopState>();

export function loopState(loop: EventLoop): LoopState {
  let state = states.get(loop);
  if (state === undefined) {
    state = { tasks: new Set(), unretrieved: new Set() };
    states.set(loop, state);
  }
  return state;
}

export function trackUnretrieved(loop: EventLoop, future: object): void {
  loopState(loop).unretrieved.add(future);
}

export function untrackUnretrieved(loop: EventLoop, future: object): void {
  states.get(loop)?.unretrieved.delete(future);
}
