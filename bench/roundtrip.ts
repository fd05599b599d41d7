/**
 * `roundtrip`: `n` round trips A→B→A: task A sends `i` to task B through one
 * queue of capacity 1 and waits for B to send it back through another
 * before it sends `i + 1`. Every message is checked at both ends. The
 * figure is messages per second (two per round trip).
 *
 * Unlike `pingpong.ts`, nobody runs ahead: each message waits for the
 * answer to the last, so every hop is a wakeup of the other side.
 *
 * - `aio`: two `new Queue(1)`, `put()` and `get()`, in two tasks.
 * - `raw`: the floor, two minimal promise channels of capacity 1
 *   (`Channel` in `_fifo.ts`) between two async functions.
 * - `floor`, `floor-native`: the contract's floor (`_floor.ts`), the same
 *   channels with waits resumed by the loop's next pass.
 *
 * Run: `deno run bench/roundtrip.ts aio n=100000`
 *
 * @module
 */

import { createTask, run } from "@aio/asyncio";
import { Queue } from "@aio/asyncio/sync";
import { Channel, Fifo, RESOLVED } from "./_fifo.ts";
import { FloorLoop, type Resume, Wait } from "./_floor.ts";
import { check, main, param, unknownImpl } from "./_util.ts";

/** What both implementations' channels offer. */
interface Pipe {
  put(item: number): Promise<void>;
  get(): Promise<number>;
}

/**
 * {@linkcode Channel} of capacity 1 under the contract (`_floor.ts`): a
 * woken getter or putter resumes in the loop's next pass. `native`: its
 * waits are native promises (`floor-native`).
 */
class FloorChannel<T> {
  readonly #loop: FloorLoop;
  readonly #native: boolean;
  readonly #items = new Fifo<T>();
  readonly #getters = new Fifo<Wait | Resume>();
  readonly #putItems = new Fifo<T>();
  readonly #putters = new Fifo<Wait | Resume>();

  constructor(loop: FloorLoop, native: boolean) {
    this.#loop = loop;
    this.#native = native;
  }

  put(item: T): Promise<void> {
    const getter = this.#getters.shift();
    if (getter !== undefined) {
      this.#wake(getter, item);
      return RESOLVED;
    }
    if (this.#items.length === 0) {
      this.#items.push(item);
      return RESOLVED;
    }
    this.#putItems.push(item);
    return this.#wait(this.#putters);
  }

  get(): Promise<T> {
    if (this.#items.length === 0) return this.#wait(this.#getters);
    const item = this.#items.shift()!;
    const putter = this.#putters.shift();
    if (putter !== undefined) {
      this.#items.push(this.#putItems.shift()!);
      this.#wake(putter, undefined);
    }
    return Promise.resolve(item);
  }

  #wait<R>(line: Fifo<Wait | Resume>): Promise<R> {
    if (this.#native) return this.#loop.nativeWait<R>(line);
    const wait = new Wait(this.#loop);
    line.push(wait);
    return wait as unknown as Promise<R>;
  }

  #wake(waiter: Wait | Resume, value: unknown): void {
    if (typeof waiter === "function") this.#loop.resumeNext(waiter, value);
    else waiter.wake(value);
  }
}

async function measure(
  impl: string,
  params: Record<string, number>,
): Promise<Record<string, number>> {
  const n = param(params, "n");
  let echoed = 0;
  let answered = 0;
  // The same two bodies for both columns: only the channels differ.
  const a = async (there: Pipe, back: Pipe): Promise<void> => {
    for (let i = 0; i < n; i++) {
      await there.put(i);
      const v = await back.get();
      if (v !== i) check(false, `A got ${v} back, expected ${i}`);
      answered++;
    }
  };
  const b = async (there: Pipe, back: Pipe): Promise<void> => {
    for (let i = 0; i < n; i++) {
      const v = await there.get();
      if (v !== i) check(false, `B got ${v}, expected ${i}`);
      echoed++;
      await back.put(v);
    }
  };
  let ms: number;
  if (impl === "aio") {
    ms = await run(async () => {
      const t0 = performance.now();
      const there = new Queue<number>(1);
      const back = new Queue<number>(1);
      const taskA = createTask(() => a(there, back));
      const taskB = createTask(() => b(there, back));
      await taskA;
      await taskB;
      return performance.now() - t0;
    }, { handleSigint: false });
  } else if (impl === "raw") {
    const t0 = performance.now();
    const there = new Channel<number>(1);
    const back = new Channel<number>(1);
    await Promise.all([a(there, back), b(there, back)]);
    ms = performance.now() - t0;
  } else if (impl === "floor" || impl === "floor-native") {
    const loop = new FloorLoop();
    const native = impl === "floor-native";
    const t0 = performance.now();
    const there = new FloorChannel<number>(loop, native);
    const back = new FloorChannel<number>(loop, native);
    await loop.run(
      Promise.all([
        loop.spawn(() => a(there, back)),
        loop.spawn(() => b(there, back)),
      ]),
    );
    ms = performance.now() - t0;
  } else {
    unknownImpl(impl);
  }
  check(echoed === n, `B echoed ${echoed} of ${n} messages`);
  check(answered === n, `A got ${answered} of ${n} answers`);
  return { ms, n: 2 * n };
}

await main(measure, ["n"]);
