import assert from "node:assert/strict";
import {
  EventLoop,
  type ExceptionContext,
  getRunningLoop,
} from "../loop/mod.ts";
import { LoopChannel, RemoteLoop, runInExecutor } from "./mod.ts";
import { run } from "../task/mod.ts";

const JOBS = import.meta.resolve("./testdata/jobs.ts");

Deno.test("RemoteLoop.callSoonThreadsafe() runs the named callback on the loop, in order", async () => {
  using loop = new EventLoop();
  const seen: string[] = [];
  using channel = new LoopChannel(loop, {
    step: (n: number) => seen.push(`step ${n}`),
    end: () => loop.stop(),
  });
  using handle = new RemoteLoop(channel.port);
  handle.callSoonThreadsafe("step", 1);
  handle.callSoonThreadsafe("step", 2);
  handle.callSoonThreadsafe("end");
  await loop.runForever();
  assert.deepEqual(seen, ["step 1", "step 2"]);
});

Deno.test("A call with 80,000 arguments reaches its callback whole", async () => {
  // An attack round: the channel spread them twice on the way to the
  // handle, overflowed the stack in its message handler and ended the
  // program.
  using loop = new EventLoop();
  const seen: number[] = [];
  using channel = new LoopChannel(loop, {
    many: (...args: number[]) => seen.push(args.length, args[79_999]!),
    end: () => loop.stop(),
  });
  using handle = new RemoteLoop(channel.port);
  const args = Array.from({ length: 80_000 }, (_, i) => i);
  handle.callSoonThreadsafe("many", ...args);
  handle.callSoonThreadsafe("end");
  await loop.runForever();
  assert.deepEqual(seen, [80_000, 79_999]);
});

Deno.test("A Worker job wakes the idle main loop through a RemoteLoop", async () => {
  const steps = await run(async () => {
    const loop = getRunningLoop();
    const steps: number[] = [];
    const all = loop.createFuture<void>();
    using channel = new LoopChannel(loop, {
      step: (n: number) => {
        steps.push(n);
        if (steps.length === 3) all.setResult();
      },
    });
    const result = await runInExecutor<number>(
      JOBS,
      "progress",
      channel.port,
      3,
    );
    await all;
    assert.equal(result, 3);
    return steps;
  });
  assert.deepEqual(steps, [1, 2, 3]);
});

Deno.test("A call to an unknown callback goes to the loop's exception handler", async () => {
  using loop = new EventLoop();
  const seen: ExceptionContext[] = [];
  loop.setExceptionHandler((_l, ctx) => {
    seen.push(ctx);
    loop.stop();
  });
  using channel = new LoopChannel(loop, { known: () => {} });
  using handle = new RemoteLoop(channel.port);
  handle.callSoonThreadsafe("nope", 1);
  await loop.runForever();
  assert.match(seen[0]?.message ?? "", /unknown callback "nope"; known: known/);
});

Deno.test("A message on a LoopChannel that is not a call goes to the exception handler", async () => {
  using loop = new EventLoop();
  const seen: string[] = [];
  loop.setExceptionHandler((_l, ctx) => {
    seen.push(ctx.message);
    if (seen.length === 3) loop.stop();
  });
  using channel = new LoopChannel(loop, { known: () => {} });
  // What a job could post on the port by hand.
  channel.port.postMessage(null);
  channel.port.postMessage({ name: "known", args: "not a list" });
  channel.port.postMessage({ name: { odd: true }, args: [] });
  await loop.runForever();
  channel.port.close();
  const prefix = "LoopChannel got a message that is not a call: ";
  const fix = "; send calls with RemoteLoop.callSoonThreadsafe()";
  assert.deepEqual(seen, [
    `${prefix}null${fix}`,
    `${prefix}{ name: "known", args: "not a list" }${fix}`,
    `${prefix}{ name: { odd: true }, args: [] }${fix}`,
  ]);
});

Deno.test("RemoteLoop refuses calls once closed", () => {
  const { port1, port2 } = new MessageChannel();
  const handle = new RemoteLoop(port1);
  handle.close();
  handle.close();
  port2.close();
  assert.throws(
    () => handle.callSoonThreadsafe("x"),
    /Cannot call callSoonThreadsafe\("x"\): the RemoteLoop is closed/,
  );
});
