// Child of loop_channel_hostile_callbacks_crash_test.ts. Deno.args[0]:
// "getter" (a callback behind a throwing getter) or "proxy" (a callbacks
// object whose traps all throw). Prints JSON with the reports the loop got.
import { EventLoop } from "../../loop/mod.ts";
import { LoopChannel, RemoteLoop } from "../../executor/mod.ts";

const callbacks: Record<string, (...a: unknown[]) => unknown> =
  Deno.args[0] === "getter"
    ? Object.defineProperty({}, "work", {
      enumerable: true,
      get() {
        throw new Error("getter boom");
      },
    })
    : new Proxy({}, {
      get() {
        throw new Error("trap boom");
      },
      has() {
        throw new Error("trap boom");
      },
      ownKeys() {
        throw new Error("trap boom");
      },
      getOwnPropertyDescriptor() {
        throw new Error("trap boom");
      },
    });
const loop = new EventLoop();
const reports: string[] = [];
loop.setExceptionHandler((_l, c) => reports.push(c.message));
const channel = new LoopChannel(loop, callbacks);
const remote = new RemoteLoop(channel.port); // as a Worker would
remote.callSoonThreadsafe("work", 1);
loop.callLater(200, () => loop.stop());
await loop.runForever();
remote.close();
channel.close();
loop.close();
console.log(JSON.stringify({ reports }));
