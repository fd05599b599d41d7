import assert from "node:assert/strict";
import { EventLoop, Handle, TimerHandle, VirtualClock } from "./mod.ts";
import { revoked, thrower } from "./_test_util.ts";

Deno.test("Handle.toString() names the callback and says when it is cancelled", () => {
  function tick(): void {}
  const handle = new Handle(tick, []);
  assert.equal(String(handle), "Handle(tick)");
  assert.equal(String(new Handle(() => {}, [])), "Handle(<anonymous>)");
  const timer = new TimerHandle(5, 0, tick, []);
  assert.equal(String(timer), "TimerHandle(tick)");
  timer.cancel();
  assert.equal(String(timer), "TimerHandle(<anonymous>, cancelled)");
});

Deno.test("Handle.toString() never throws, whatever the callback's name", () => {
  const throwingName = Object.defineProperty(() => {}, "name", {
    get: thrower,
  });
  const symbolName = Object.defineProperty(() => {}, "name", {
    value: Symbol("sym"),
  });
  const objectName = Object.defineProperty(() => {}, "name", {
    value: Object.create(null),
  });
  assert.equal(String(new Handle(throwingName, [])), "Handle(<anonymous>)");
  assert.equal(String(new Handle(symbolName, [])), "Handle(Symbol(sym))");
  assert.equal(
    String(new Handle(objectName, [])),
    "Handle([Object: null prototype] {})",
  );
  assert.equal(
    String(new Handle(revoked(() => {}), [])),
    "Handle(<anonymous>)",
  );
  assert.equal(
    String(new TimerHandle(1, 0, throwingName, [])),
    "TimerHandle(<anonymous>)",
  );
});

Deno.test("Handle.toString() survives a subclass with a hostile name", () => {
  class Odd extends Handle {
    static override get name(): never {
      return thrower();
    }
  }
  function work(): void {}
  assert.equal(String(new Odd(work, [])), "Handle(work)");
});

Deno.test("Handle passes exactly the arguments it was given, whatever they are", () => {
  const calls: unknown[][] = [];
  const record = (...args: unknown[]): void => {
    calls.push(args);
  };
  // Counts matter (a default parameter, `arguments.length`), and so do
  // values that look like the handle's own markers: undefined, null, arrays,
  // empty objects.
  const cases: unknown[][] = [
    [],
    [undefined],
    [null],
    [{}],
    [[1, 2]],
    [undefined, undefined],
    [1, [2, 3]],
    [{}, {}],
    [1, 2, 3],
    [undefined, undefined, undefined, undefined],
  ];
  for (const args of cases) new Handle(record, args).run();
  assert.deepEqual(calls, cases);
});

Deno.test("Handle.cancel() after run() marks it cancelled, and it never runs again", () => {
  const calls: unknown[][] = [];
  const h = new Handle((...args: unknown[]) => calls.push(args), [1, 2]);
  h.run();
  assert.equal(h.cancelled(), false);
  h.cancel();
  assert.equal(h.cancelled(), true);
  h.run();
  assert.deepEqual(calls, [[1, 2]]);
  assert.equal(String(h), "Handle(<anonymous>, cancelled)");
});

Deno.test("callSoon, callLater and callAt pass exactly the arguments given, none to four, undefined included", async () => {
  const loop = new EventLoop({ clock: new VirtualClock() });
  const seen: string[] = [];
  function record(this: unknown, ...args: unknown[]): void {
    seen.push(`${args.length}:${args.map(String).join(",")}`);
  }
  const calls: unknown[][] = [[], [undefined], [1], [1, undefined], [1, 2], [
    1,
    2,
    3,
  ], [1, 2, 3, 4]];
  for (const args of calls) loop.callSoon(record, ...args);
  for (const args of calls) loop.callLater(1, record, ...args);
  for (const args of calls) loop.callAt(2, record, ...args);
  loop.callAt(3, () => loop.stop());
  await loop.runForever();
  loop.close();
  const once = [
    "0:",
    "1:undefined",
    "1:1",
    "2:1,undefined",
    "2:1,2",
    "3:1,2,3",
    "4:1,2,3,4",
  ];
  assert.deepEqual(seen, [...once, ...once, ...once]);
});
