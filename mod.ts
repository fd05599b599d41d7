/**
 * aio: Python asyncio's model for Deno. An explicit event loop, futures and
 * tasks with real cancellation, structured concurrency, synchronization
 * primitives and async I/O, with virtual time for tests.
 *
 * ```ts
 * import { createTask, run, sleep, VirtualClock } from "@aio/asyncio";
 * import assert from "node:assert/strict";
 *
 * const result = await run(async () => {
 *   const a = createTask(async () => {
 *     await sleep(200);
 *     return "a";
 *   });
 *   const b = createTask(async () => {
 *     await sleep(100);
 *     return "b";
 *   });
 *   return [await a, await b];
 * }, { clock: new VirtualClock() });
 * assert.deepEqual(result, ["a", "b"]);
 * ```
 *
 * @module
 */

export * from "./loop/mod.ts";
export * from "./executor/mod.ts";
export * from "./task/mod.ts";
export * from "./sync/mod.ts";
export * from "./io/mod.ts";
