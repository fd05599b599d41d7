/**
 * The classic `call_soon` demo: two handlers scheduled on an explicit loop;
 * the second stops it.
 *
 * Run: `deno run examples/call_soon.ts`
 *
 * @module
 */

import { EventLoop } from "../mod.ts";

function handler(loop: EventLoop, stop = false): void {
  console.log("Event handler called");
  if (stop) {
    console.log("stopping the loop");
    loop.stop();
  }
}

const loop = new EventLoop();
try {
  loop.callSoon(handler, loop);
  loop.callSoon(handler, loop, true);
  console.log("starting event loop");
  await loop.runForever();
} finally {
  console.log("closing event loop");
  loop.close();
}
