import assert from "node:assert/strict";
import { FloorLoop } from "./_floor.ts";

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
