/**
 * The contract floor: the least code that keeps aio's contract, without aio.
 * Issue 13 asks what the contract costs on its own; the `floor`
 * implementation of `callbacks.ts`, `tasks.ts`, `lock.ts` and `memory.ts`
 * runs on this, so `bench:compare` measures it beside aio and raw Deno.
 *
 * The contract, as far as these workloads touch it:
 * - each task runs in its own async-context frame, so that `currentTask()`
 *   and cancel scopes follow native awaits: one `AsyncLocalStorage.run` per
 *   task;
 * - the library sees each wait start (to tie it to the scope of the code
 *   that waits): a wait is a thenable, awaited through its `then()`;
 * - exact ticks, as asyncio's: a woken wait resumes in the loop's next pass,
 *   and a pass ends once every task it resumed has parked again;
 * - `callSoon()` returns a handle that can cancel the callback.
 *
 * Nothing else: no futures, cancellation, scopes, error paths, debug mode
 * or reports. A ratio of aio over this floor is what aio's own code costs;
 * this floor over raw Deno is what the contract costs.
 *
 * The `floor-native` implementations price the contract change proposed in
 * issue 13: waits are native promises that register with their task when
 * they are made (`nativeWait()`), not when awaited, so `await` takes V8's
 * fast path instead of calling a thenable's `then()`.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";

/** The frame each task runs in: the floor of the scope context. */
const taskContext = new AsyncLocalStorage<object>();

/** A pending wait, resumed by the loop's next pass once woken. */
export class Wait {
  #loop: FloorLoop;
  #resume: ((value: undefined) => void) | null = null;

  constructor(loop: FloorLoop) {
    this.#loop = loop;
  }

  /** Called by `await`: the task parks here. */
  then(resume: (value: undefined) => void): void {
    this.#resume = resume;
    this.#loop.parked();
  }

  /** Called by the loop's pass. */
  resume(): void {
    const resume = this.#resume;
    this.#resume = null;
    resume!(undefined);
  }
}

/** A loop of passes over the woken waits (see the module doc). */
export class FloorLoop {
  #ready: (Wait | (() => void))[] = [];
  /** Tasks resumed or started that have not parked yet. */
  #stepping = 0;
  readonly #parked = (): void => {
    this.#stepping--;
  };

  /** A task's step ended at a wait. */
  parked(): void {
    this.#stepping--;
  }

  /** Resumes `wait` in the next pass. */
  wake(wait: Wait): void {
    this.#ready.push(wait);
  }

  /** `sleep(0)`: a wait woken at once, resumed by the next pass. */
  sleep0(): Wait {
    const wait = new Wait(this);
    this.#ready.push(wait);
    return wait;
  }

  /**
   * A native wait: the task parks on it as it is made (the proposal), and
   * `wakeNative(resume)` resumes it in the next pass.
   */
  nativeWait(): { promise: Promise<void>; resume: () => void } {
    this.#stepping--;
    let resume!: () => void;
    const promise = new Promise<void>((r) => (resume = r));
    return { promise, resume };
  }

  /** Resumes a native wait in the next pass. */
  wakeNative(resume: () => void): void {
    this.#ready.push(resume);
  }

  /** `sleep(0)` as a native wait. */
  nativeSleep0(): Promise<void> {
    const { promise, resume } = this.nativeWait();
    this.#ready.push(resume);
    return promise;
  }

  /** Starts `fn` as a task in a frame of its own. */
  spawn<T>(fn: () => Promise<T>): Promise<T> {
    this.#stepping++;
    const done = taskContext.run({}, fn);
    done.then(this.#parked, this.#parked);
    return done;
  }

  /** Runs passes until `until` settles; returns its value. */
  async run<T>(until: Promise<T>): Promise<T> {
    let settled = false;
    until.then(() => (settled = true), () => (settled = true));
    for (let idle = 0; idle < 8;) {
      while (this.#stepping > 0) await undefined;
      if (settled) return await until;
      const ready = this.#ready;
      if (ready.length === 0) {
        idle++;
        await undefined;
        continue;
      }
      idle = 0;
      this.#ready = [];
      this.#stepping += ready.length;
      for (let i = 0; i < ready.length; i++) {
        const wait = ready[i]!;
        if (typeof wait === "function") wait();
        else wait.resume();
      }
    }
    throw new Error("FloorLoop: nothing is ready and nothing settles");
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
