/**
 * The contract floor: the least code that keeps aio's contract, without aio.
 * Issue 13 asks what the contract costs on its own; the `floor`
 * implementation of `callbacks.ts`, `timers.ts`, `tasks.ts`, `lock.ts` and
 * `memory.ts` runs on this, so `bench:compare` measures it beside aio and raw Deno.
 *
 * The contract, as far as these workloads touch it:
 * - each task runs in its own async-context frame, so that `currentTask()`
 *   and cancel scopes follow native awaits: one `AsyncLocalStorage.run` per
 *   task (its store a task id: the frame is the cost, not the store);
 * - the library sees each wait start (to tie it to the scope of the code
 *   that waits): a wait is a thenable, awaited through its `then()`;
 * - exact ticks, as asyncio's: a woken wait resumes in the loop's next pass,
 *   and a pass ends once every task it resumed has parked again;
 * - `callSoon()` returns a handle that can cancel the callback, and
 *   `callLater()` a handle per timer, read from the clock when called; timers
 *   with equal deadlines run in the order they were made.
 *
 * Nothing else: no futures, cancellation, scopes, error paths, debug mode
 * or reports. A ratio of aio over this floor is what aio's own code costs;
 * this floor over raw Deno is what the contract costs.
 *
 * Lean where the contract allows: a wait that is woken when it is awaited
 * (`sleep(0)`, an event's waiters) is one shared thenable whose `then()`
 * queues V8's resolve function, so a wait allocates nothing of its own; the
 * loop queues resolve functions, in two arrays it swaps; and the last task
 * of a pass to park starts the next pass from its `then()`, so the loop
 * does not poll with `await`.
 *
 * The `floor-native` implementations price the contract change proposed in
 * issue 13: waits are native promises that register with their task when
 * they are made (`nativeWait()`), not when awaited, so `await` takes V8's
 * fast path instead of calling a thenable's `then()`.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { Heap, type HeapEntry } from "../loop/_heap.ts";

/** The frame each task runs in: the floor of the scope context. */
const taskContext = new AsyncLocalStorage<number>();

/** What `await` passes a thenable's `then()`: it resumes the task. */
export type Resume = (value?: unknown) => void;

/**
 * A wait queued before it is awaited, such as a lock's waiter (served in
 * the order `acquire()` was called): it may be woken before its `then()`.
 */
export class Wait {
  #loop: FloorLoop;
  #resume: Resume | null = null;
  #woken = false;
  #value: unknown = undefined;

  constructor(loop: FloorLoop) {
    this.#loop = loop;
  }

  /** Called by `await`: the task parks here. */
  then(resume: Resume): void {
    if (this.#woken) this.#loop.resumeNext(resume, this.#value);
    else this.#resume = resume;
    this.#loop.waitStarted();
  }

  /** Resumes the waiting task in the loop's next pass, with `value`. */
  wake(value?: unknown): void {
    if (this.#resume !== null) this.#loop.resumeNext(this.#resume, value);
    else {
      this.#woken = true;
      this.#value = value;
    }
  }
}

/** `sleep(0)`: one thenable per loop, woken as it is awaited. */
class Sleep0 {
  #loop: FloorLoop;

  constructor(loop: FloorLoop) {
    this.#loop = loop;
  }

  then(resume: Resume): void {
    this.#loop.resumeNext(resume);
    this.#loop.waitStarted();
  }
}

/** A loop of passes over the woken waits (see the module doc). */
export class FloorLoop {
  /** The tasks to resume in the next pass, and the values they get. */
  #ready: Resume[] = [];
  #values: unknown[] = [];
  #spare: Resume[] = [];
  #spareValues: unknown[] = [];
  /** Tasks resumed or started that have not parked yet. */
  #stepping = 0;
  #ids = 0;
  #running = false;
  #idle = 0;
  #fail: ((error: Error) => void) | null = null;
  /** Tasks may wait on the host (sockets): nothing ready is not a hang. */
  readonly #io: boolean;
  /** Idle, with tasks parked on the host: the next wake starts a pass. */
  #asleep = false;
  readonly #sleep0 = new Sleep0(this);
  readonly #parked = (): void => this.parked();
  readonly #recheck = (): void => {
    if (this.#stepping === 0) this.#pass();
  };

  /** `io`: tasks wait on the host too, so the loop may sit idle. */
  constructor(options?: { io?: boolean }) {
    this.#io = options?.io === true;
  }
  /** `nativeWait()`'s queue for `sleep(0)`: the next pass. */
  readonly #next = { push: (resume: Resume): void => this.resumeNext(resume) };

  /**
   * A wait starts: it is tied to the task whose frame is current (the
   * lookup aio makes to register a wait with its scope), and the task
   * parks.
   */
  waitStarted(): void {
    this.#waiting = taskContext.getStore();
    this.parked();
  }

  /** The task of the last wait that started. */
  #waiting: number | undefined;

  /** A task's step ended at a wait (or the task ended). */
  parked(): void {
    if (--this.#stepping === 0 && this.#running) this.#pass();
  }

  /** Resumes a parked task in the next pass, with `value`. */
  resumeNext(resume: Resume, value?: unknown): void {
    this.#ready.push(resume);
    this.#values.push(value);
    if (this.#asleep) {
      // Woken by the host while idle, as aio's loop is by a callSoon().
      this.#asleep = false;
      queueMicrotask(this.#recheck);
    }
  }

  /** `sleep(0)`: a wait woken at once, resumed by the next pass. */
  sleep0(): PromiseLike<void> {
    return this.#sleep0 as unknown as PromiseLike<void>;
  }

  /**
   * A native wait: the task parks on it as it is made (the proposal); its
   * resolver goes to `waiters`, and `resumeNext(resolver)` resumes it.
   */
  nativeWait<T = void>(waiters: { push(resume: Resume): void }): Promise<T> {
    const promise = new Promise<T>((resolve) =>
      waiters.push(resolve as Resume)
    );
    this.waitStarted();
    return promise;
  }

  /** `sleep(0)` as a native wait. */
  nativeSleep0(): Promise<void> {
    return this.nativeWait(this.#next);
  }

  /** Starts `fn` as a task in a frame of its own. */
  spawn<T>(fn: () => Promise<T>): Promise<T> {
    this.#stepping++;
    const done = taskContext.run(++this.#ids, fn);
    done.then(this.#parked, this.#parked);
    return done;
  }

  /** Starts a pass, once every task has parked. */
  #pass(): void {
    if (!this.#running) return;
    const ready = this.#ready;
    if (ready.length === 0) {
      if (this.#io) {
        this.#asleep = true;
        return;
      }
      // Idle: `until` should settle within a few microtasks.
      if (++this.#idle > 8) {
        this.#fail!(
          new Error("FloorLoop: nothing is ready and nothing settles"),
        );
      } else queueMicrotask(this.#recheck);
      return;
    }
    this.#idle = 0;
    const values = this.#values;
    this.#ready = this.#spare;
    this.#values = this.#spareValues;
    this.#stepping += ready.length;
    for (let i = 0; i < ready.length; i++) ready[i]!(values[i]);
    ready.length = 0;
    values.length = 0;
    this.#spare = ready;
    this.#spareValues = values;
  }

  /** Runs passes until `until` settles; returns its value. */
  run<T>(until: Promise<T>): Promise<T> {
    const failed = new Promise<never>((_, reject) => (this.#fail = reject));
    const stop = (): void => {
      this.#running = false;
    };
    until.then(stop, stop);
    this.#running = true;
    if (this.#stepping === 0) this.#pass();
    return Promise.race([until, failed]);
  }
}

/** `callSoon()`'s floor: one cancellable handle per call. */
export class FloorHandle {
  callback: ((arg: number) => void) | null;
  arg: number;

  constructor(callback: (arg: number) => void, arg: number) {
    this.callback = callback;
    this.arg = arg;
  }

  /** The callback will not run. */
  cancel(): void {
    this.callback = null;
  }
}

/** `callLater()`'s floor: one cancellable handle per timer. */
export class FloorTimer implements HeapEntry {
  readonly deadline: number;
  readonly seq: number;
  callback: ((arg: number) => void) | null;
  readonly arg: number;

  constructor(
    deadline: number,
    seq: number,
    callback: (arg: number) => void,
    arg: number,
  ) {
    this.deadline = deadline;
    this.seq = seq;
    this.callback = callback;
    this.arg = arg;
  }

  /** The callback will not run. */
  cancel(): void {
    this.callback = null;
  }
}

/**
 * Timers on one host timer. The heap is aio's own (`loop/_heap.ts`: keys in
 * flat arrays, ties in the order the timers were made), so that aio over
 * this floor prices the rest of aio's timers, not a different heap.
 */
export class FloorTimers {
  readonly #heap = new Heap<FloorTimer>();
  readonly #fireBound = (): void => this.#fire();
  #seq = 0;
  #armedFor = Infinity;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** Calls `callback(arg)` in `delayMs` milliseconds, unless cancelled. */
  callLater(
    delayMs: number,
    callback: (arg: number) => void,
    arg: number,
  ): FloorTimer {
    const timer = new FloorTimer(
      performance.now() + delayMs,
      this.#seq++,
      callback,
      arg,
    );
    this.#heap.push(timer);
    if (timer.deadline < this.#armedFor) this.#arm();
    return timer;
  }

  #arm(): void {
    const next = this.#heap.peek();
    if (next === undefined || next.deadline >= this.#armedFor) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#armedFor = next.deadline;
    this.#timer = setTimeout(
      this.#fireBound,
      Math.max(0, next.deadline - performance.now()),
    );
  }

  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const heap = this.#heap;
    const now = performance.now();
    for (let t = heap.peek(); t !== undefined; t = heap.peek()) {
      if (t.deadline > now) break;
      heap.pop();
      if (t.callback !== null) t.callback(t.arg);
    }
    this.#arm();
  }
}
