/**
 * `callLater` and `callAt` on the loop's clock: the callbacks fire in
 * deadline order, whatever order they were scheduled in.
 *
 * Run: `deno run examples/call_later.ts`
 *
 * @module
 */

import { EventLoop } from "../mod.ts";

const loop = new EventLoop();
const start = loop.time();
const elapsed = (): string => `${Math.round(loop.time() - start)} ms`;

try {
  loop.callLater(300, () => {
    console.log(`callLater(300) fired after ~${elapsed()}`);
    loop.stop();
  });
  loop.callAt(start + 200, () => {
    console.log(`callAt(time() + 200) fired after ~${elapsed()}`);
  });
  loop.callLater(
    100,
    () => console.log(`callLater(100) fired after ~${elapsed()}`),
  );
  loop.callSoon(() => console.log("callSoon fired first"));
  console.log(
    "scheduled: callLater(300), callAt(+200), callLater(100), callSoon",
  );
  await loop.runForever();
} finally {
  loop.close();
}
