import assert from "node:assert/strict";
import { FloorLoop, FloorTimers } from "./_floor.ts";

for (const native of [false, true]) {
  Deno.test(`FloorLoop: a pass ends once every resumed task parks (native: ${native})`, async () => {
    const loop = new FloorLoop();
    const sleep0 = () => native ? loop.nativeSleep0() : loop.sleep0();
    const log: string[] = [];
    const a = async (): Promise<void> => {
      await sleep0();
      log.push("a1");
      // Native awaits do not park: the pass waits for them.
      for (let i = 0; i < 20; i++) await null;
      log.push("a1 after native awaits");
      await sleep0();
      log.push("a2");
    };
    const b = async (): Promise<void> => {
      for (let i = 1; i <= 3; i++) {
        await sleep0();
        log.push(`b${i}`);
      }
    };
    await loop.run(Promise.all([loop.spawn(a), loop.spawn(b)]));
    assert.deepEqual(log, [
      "a1",
      "b1",
      "a1 after native awaits",
      "b2",
      "a2",
      "b3",
    ]);
  });
}

Deno.test("FloorLoop: run() rejects when nothing is ready and nothing settles", async () => {
  const loop = new FloorLoop();
  await assert.rejects(
    loop.run(new Promise<void>(() => {})),
    /nothing is ready/,
  );
});

Deno.test("FloorTimers: deadline order, a cancelled timer never runs", async () => {
  const timers = new FloorTimers();
  const log: number[] = [];
  const { promise, resolve } = Promise.withResolvers<void>();
  const push = (i: number): void => {
    log.push(i);
    if (i === 1) resolve();
  };
  // Ties keep their order through aio's heap (tested in loop/_heap_test.ts).
  timers.callLater(40, push, 1);
  timers.callLater(20, push, 2);
  timers.callLater(0, push, 3);
  timers.callLater(10, push, 4).cancel();
  await promise;
  assert.deepEqual(log, [3, 2, 1]);
});
