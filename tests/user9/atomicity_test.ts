// User port 9 found one difference from CPython that the README did not
// name: tasks resumed in the same tick interleave at every `await`, even an
// `await` of something already ready (a set Event, a non-empty Queue, a done
// Task, a free Lock), so a read-modify-write across one loses an update.
// CPython runs each task alone until it really suspends. The README now
// names it ("How it differs from asyncio": tasks resumed in one tick
// interleave at their awaits); these tests pin both sides of it, and the
// remedy it gives (a Lock held across the read-modify-write).
import assert from "node:assert/strict";
import { VirtualClock } from "@aio/asyncio/loop";
import { gather, run, sleep } from "@aio/asyncio/task";
import { Event, Lock } from "@aio/asyncio/sync";
import { pyLog, tsLog } from "./_harness.ts";

const counters = (log: string[]) => log.filter((l) => l.includes("counter="));

Deno.test("an await of a ready wait is atomic in CPython and a switch point in aio (documented)", async () => {
  const [py, ts] = await Promise.all([
    pyLog("atomicity.py"),
    tsLog("atomicity.ts"),
  ]);
  assert.deepEqual(counters(py), [
    "t=1 event counter=2",
    "t=2 queue counter=2",
    "t=3 task counter=2",
    "t=4 lock counter=2",
  ]);
  assert.deepEqual(counters(ts), [
    "t=1 event counter=1",
    "t=2 queue counter=1",
    "t=3 task counter=1",
    "t=4 lock counter=1",
  ]);
  // The two tasks' reads come before either write.
  assert.deepEqual(ts.slice(0, 4), [
    "t=1 a event read 0",
    "t=1 b event read 0",
    "t=1 a event wrote 1",
    "t=1 b event wrote 1",
  ]);
});

Deno.test("a Lock held across the read-modify-write keeps every update (the README's remedy)", async () => {
  const counter = await run(async () => {
    const ready = new Event();
    ready.set();
    const lock = new Lock();
    let counter = 0;
    const bump = async () => {
      await sleep(1000);
      using _held = await lock.lock();
      const v = counter;
      await ready.wait();
      counter = v + 1;
    };
    await gather(bump, bump, bump);
    return counter;
  }, { clock: new VirtualClock() });
  assert.equal(counter, 3);
});
