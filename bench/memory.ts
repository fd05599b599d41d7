/**
 * `memory`: bytes of heap per idle task, from `n` tasks blocked on one event;
 * then the event is set and every task must finish with its own result.
 *
 * - `aio`: `n` tasks from `createTask()` awaiting `Event.wait()`.
 * - `raw`: the floor, `n` pending async functions awaiting one promise.
 * - `floor`: the contract's floor (`_floor.ts`): `n` tasks, each in its own
 *   context frame, awaiting one event whose `then()` queues each waiter.
 *
 * Heap used (`Deno.memoryUsage().heapUsed`) after a full GC, before and
 * after the tasks are blocked, divided by `n`. Needs
 * `--v8-flags=--expose-gc`.
 *
 * Run: `deno run --v8-flags=--expose-gc bench/memory.ts aio n=100000`
 *
 * @module
 */

import { createTask, gather, run, sleep, type Task } from "@aio/asyncio";
import { Event } from "@aio/asyncio/sync";
import { FloorLoop, type Resume } from "./_floor.ts";
import { check, main, param, unknownImpl } from "./_util.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("Run with --v8-flags=--expose-gc");
const heapUsed = (): number => {
  gc();
  gc();
  return Deno.memoryUsage().heapUsed;
};

async function measure(
  impl: string,
  params: Record<string, number>,
): Promise<Record<string, number>> {
  const n = param(params, "n");
  let bytes: number;
  let results: number[];
  if (impl === "aio") {
    [bytes, results] = await run(async () => {
      const event = new Event();
      const body = async (i: number): Promise<number> => {
        await event.wait();
        return i;
      };
      const tasks: Task<number>[] = new Array(n);
      const before = heapUsed();
      for (let i = 0; i < n; i++) tasks[i] = createTask(() => body(i));
      await sleep(0);
      await sleep(0);
      check(tasks.every((t) => !t.done()), "a task finished early");
      const after = heapUsed();
      event.set();
      return [(after - before) / n, await gather(tasks)] as const;
    }, { handleSigint: false });
  } else if (impl === "raw") {
    const gate = Promise.withResolvers<void>();
    const body = async (i: number): Promise<number> => {
      await gate.promise;
      return i;
    };
    const pending: Promise<number>[] = new Array(n);
    const before = heapUsed();
    for (let i = 0; i < n; i++) pending[i] = body(i);
    await null;
    const after = heapUsed();
    bytes = (after - before) / n;
    gate.resolve();
    results = await Promise.all(pending);
  } else if (impl === "floor" || impl === "floor-native") {
    const loop = new FloorLoop();
    const native = impl === "floor-native";
    // One event: each waiter's resolve function in its list, queued as its
    // task parks (thenable) or makes the wait (native).
    const waiters: Resume[] = [];
    const event = {
      then(resume: Resume): void {
        waiters.push(resume);
        loop.parked();
      },
    } as unknown as PromiseLike<void>;
    const body = async (i: number): Promise<number> => {
      await (native ? loop.nativeWait(waiters) : event);
      return i;
    };
    const pending: Promise<number>[] = new Array(n);
    const before = heapUsed();
    for (let i = 0; i < n; i++) pending[i] = loop.spawn(() => body(i));
    await null;
    await null;
    check(waiters.length === n, "a task did not park");
    const after = heapUsed();
    bytes = (after - before) / n;
    for (const resume of waiters) loop.resumeNext(resume);
    results = await loop.run(Promise.all(pending));
  } else {
    unknownImpl(impl);
  }
  check(results.length === n, `${results.length} of ${n} tasks finished`);
  check(results.every((v, i) => v === i), "results out of place");
  return { bytes, n };
}

await main(measure, ["n"]);
