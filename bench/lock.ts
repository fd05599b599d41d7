/**
 * `lock`: `tasks` tasks each take a lock `rounds` times and wait once while
 * holding it; the shared counter they update across the wait proves that no
 * two ever held it together.
 *
 * - `aio`: `Lock.acquire()`/`release()`, `sleep(0)` inside.
 * - `raw`: the floor, a minimal FIFO lock on promises (plain methods, a
 *   ring-buffer FIFO of waiters), one microtask yield inside (`await` of a
 *   shared resolved promise: `await null` would allocate one each time).
 * - `async-mutex`: `npm:async-mutex`'s `Mutex`, the same yield inside.
 * - `floor`: the contract's floor (`_floor.ts`): the same FIFO lock handing
 *   itself over through the next loop pass, `sleep(0)` inside.
 *
 * Run: `deno run bench/lock.ts aio tasks=100 rounds=1000`
 *
 * @module
 */

import { gather, run, sleep } from "@aio/asyncio";
import { Lock } from "@aio/asyncio/sync";
import { Mutex } from "async-mutex";
import { Fifo, RESOLVED } from "./_fifo.ts";
import { FloorLoop, type Resume, Wait } from "./_floor.ts";
import { check, main, param, unknownImpl } from "./_util.ts";

/**
 * A FIFO lock that hands itself to the next waiter: the least a lock does.
 * `acquire()` is a plain method: the shared resolved promise when the lock
 * is free, else a pending one queued in a ring-buffer FIFO.
 */
class RawLock {
  #locked = false;
  readonly #waiters = new Fifo<() => void>();

  acquire(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return RESOLVED;
    }
    return new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    const next = this.#waiters.shift();
    // Handed over: the lock stays locked for the next holder.
    if (next !== undefined) next();
    else this.#locked = false;
  }
}

/** {@linkcode RawLock} under the contract: a woken waiter resumes next pass. */
class FloorLock {
  #locked = false;
  readonly #loop: FloorLoop;
  readonly #native: boolean;
  readonly #waiters = new Fifo<Wait | Resume>();

  /** `native`: its waits are native promises (`floor-native`). */
  constructor(loop: FloorLoop, native: boolean) {
    this.#loop = loop;
    this.#native = native;
  }

  acquire(): PromiseLike<void> | Wait {
    if (!this.#locked) {
      this.#locked = true;
      return RESOLVED;
    }
    // Queued now, so waiters are served in the order they called acquire().
    if (this.#native) return this.#loop.nativeWait(this.#waiters);
    const wait = new Wait(this.#loop);
    this.#waiters.push(wait);
    return wait;
  }

  release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#locked = false;
    else if (typeof next === "function") this.#loop.resumeNext(next);
    else next.wake();
  }
}

async function measure(
  impl: string,
  params: Record<string, number>,
): Promise<Record<string, number>> {
  const tasks = param(params, "tasks");
  const rounds = param(params, "rounds");
  let counter = 0;
  let ms: number;
  if (impl === "aio") {
    ms = await run(async () => {
      const t0 = performance.now();
      const lock = new Lock();
      const worker = async (): Promise<void> => {
        for (let j = 0; j < rounds; j++) {
          await lock.acquire();
          try {
            const seen = counter;
            await sleep(0);
            counter = seen + 1;
          } finally {
            lock.release();
          }
        }
      };
      await gather(Array.from({ length: tasks }, () => () => worker()));
      return performance.now() - t0;
    }, { handleSigint: false });
  } else if (impl === "raw") {
    const t0 = performance.now();
    const lock = new RawLock();
    const worker = async (): Promise<void> => {
      for (let j = 0; j < rounds; j++) {
        await lock.acquire();
        try {
          const seen = counter;
          await RESOLVED;
          counter = seen + 1;
        } finally {
          lock.release();
        }
      }
    };
    await Promise.all(Array.from({ length: tasks }, () => worker()));
    ms = performance.now() - t0;
  } else if (impl === "floor" || impl === "floor-native") {
    const loop = new FloorLoop();
    const native = impl === "floor-native";
    const t0 = performance.now();
    const lock = new FloorLock(loop, native);
    const worker = async (): Promise<void> => {
      for (let j = 0; j < rounds; j++) {
        await lock.acquire();
        try {
          const seen = counter;
          await (native ? loop.nativeSleep0() : loop.sleep0());
          counter = seen + 1;
        } finally {
          lock.release();
        }
      }
    };
    await loop.run(
      Promise.all(Array.from({ length: tasks }, () => loop.spawn(worker))),
    );
    ms = performance.now() - t0;
  } else if (impl === "async-mutex") {
    const t0 = performance.now();
    const mutex = new Mutex();
    const worker = async (): Promise<void> => {
      for (let j = 0; j < rounds; j++) {
        const release = await mutex.acquire();
        try {
          const seen = counter;
          await RESOLVED;
          counter = seen + 1;
        } finally {
          release();
        }
      }
    };
    await Promise.all(Array.from({ length: tasks }, () => worker()));
    ms = performance.now() - t0;
  } else {
    unknownImpl(impl);
  }
  check(
    counter === tasks * rounds,
    `counter is ${counter}, expected ${tasks * rounds}: two holders at once`,
  );
  return { ms, n: tasks * rounds };
}

await main(measure, ["rounds"]);
