// Imports only @aio/asyncio/loop: callbacks, timers, a future, virtual time.
import { EventLoop, VirtualClock } from "@aio/asyncio/loop";

using loop = new EventLoop({ clock: new VirtualClock() });
const order: string[] = [];
const done = loop.createFuture<string>();
loop.callLater(20, () => done.setResult("timer"));
loop.callSoon(() => order.push("soon"));
order.push(await loop.runUntilComplete(done));
console.log(JSON.stringify([...order, loop.time()]));
