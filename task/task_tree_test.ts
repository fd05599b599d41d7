import assert from "node:assert/strict";
import { EventLoop, VirtualClock } from "../loop/mod.ts";
import { run } from "./mod.ts";
import { runInExecutor } from "../executor/mod.ts";
import {
  asCompleted,
  createTask,
  formatTaskTree,
  Future,
  gather,
  printTaskTree,
  shield,
  sleep,
  type Task,
  wait,
} from "./mod.ts";

Deno.test("formatTaskTree() shows parents and children with state, age and what they await", async () => {
  const tree = await run(async () => {
    const gate = new Future<void>();
    gate.label = "Lock.acquire";
    const a = createTask(async () => {
      const inner = createTask(() => sleep(1000), { name: "a.inner" });
      await gate;
      await inner;
    }, { name: "a" });
    await sleep(50);
    const b = createTask(() => a, { name: "b" });
    await sleep(25);
    const tree = formatTaskTree();
    gate.setResult();
    await b;
    return tree;
  }, { clock: new VirtualClock() });
  assert.equal(
    tree,
    [
      "Task tree at 75 ms (4 tasks)",
      "└── main (running, age 75 ms)",
      "    ├── a (waiting, age 75 ms) awaits Lock.acquire",
      "    │   └── a.inner (waiting, age 75 ms) awaits sleep(1000)",
      '    └── b (waiting, age 25 ms) awaits task "a"',
    ].join("\n"),
  );
});

// User port 8: a task in wait() awaited "Future(pending)".
Deno.test("formatTaskTree() names the waits of the combinators", async () => {
  const tree = await run(async () => {
    const long = createTask(() => sleep(1000), { name: "long" });
    const waiters = [
      createTask(() => wait([long], { returnWhen: "FIRST_COMPLETED" }), {
        name: "wait",
      }),
      createTask(() => gather(long), { name: "gather" }),
      createTask(async () => {
        for (const f of asCompleted([long])) await f;
      }, { name: "asCompleted" }),
      createTask(() => shield(long), { name: "shield" }),
    ];
    await sleep(1);
    const tree = formatTaskTree();
    for (const t of waiters) t.cancel();
    await sleep(0);
    long.cancel();
    await gather(...waiters, long).catch(() => {});
    return tree.split("\n").filter((line) => !line.includes("long"));
  }, { clock: new VirtualClock() });
  assert.deepEqual(tree, [
    "Task tree at 1 ms (6 tasks)",
    "└── main (running, age 1 ms)",
    "    ├── wait (waiting, age 1 ms) awaits wait(FIRST_COMPLETED)",
    "    ├── gather (waiting, age 1 ms) awaits gather",
    "    ├── asCompleted (waiting, age 1 ms) awaits asCompleted",
    "    └── shield (waiting, age 1 ms) awaits shield",
  ]);
});

Deno.test("formatTaskTree() tells a task on a host promise and a cancelling task apart", async () => {
  const tree = await run(async () => {
    let release = (): void => {};
    const host = new Promise<void>((resolve) => (release = resolve));
    const parked = createTask(() => host, { name: "parked" });
    const stubborn = createTask(async () => {
      try {
        await sleep(10);
      } catch {
        await sleep(10);
      }
    }, { name: "stubborn" });
    await sleep(0);
    stubborn.cancel();
    await sleep(1);
    const tree = formatTaskTree();
    release();
    await parked;
    await stubborn;
    return tree;
  }, { clock: new VirtualClock() });
  assert.equal(
    tree,
    [
      "Task tree at 1 ms (3 tasks)",
      "└── main (running, age 1 ms)",
      "    ├── parked (ready or awaiting a host promise, age 1 ms)",
      "    └── stubborn (waiting, cancelling, age 1 ms) awaits sleep(10)",
    ].join("\n"),
  );
});

Deno.test("formatTaskTree() shows a task whose parent finished as a root", async () => {
  const tree = await run(async () => {
    let orphan: Task<void> | undefined;
    await createTask(async () => {
      orphan = createTask(() => sleep(100), { name: "orphan" });
    }, { name: "short-lived" });
    const tree = formatTaskTree();
    await orphan;
    return tree;
  }, { clock: new VirtualClock() });
  assert.equal(
    tree,
    [
      "Task tree at 0 ms (2 tasks)",
      "├── main (running, age 0 ms)",
      "└── orphan (waiting, age 0 ms) awaits sleep(100)",
    ].join("\n"),
  );
});

Deno.test("formatTaskTree() of a loop without tasks says so", () => {
  using loop = new EventLoop({ clock: new VirtualClock(2500) });
  assert.equal(formatTaskTree(loop), "Task tree at 2.5 s: no tasks");
});

Deno.test("formatTaskTree() shows where tasks were created in debug mode, unless told not to", async () => {
  const [withSource, without] = await run(async () => {
    const child = createTask(() => sleep(10), { name: "child" });
    await sleep(0);
    const trees: [string, string] = [
      formatTaskTree(),
      formatTaskTree(undefined, { showSource: false }),
    ];
    await child;
    return trees;
  }, { clock: new VirtualClock(), debug: true });
  assert.match(
    withSource,
    /child \(waiting, age 0 ms\) awaits sleep\(10\) created at .*task_tree_test\.ts/,
  );
  assert.doesNotMatch(without, /created at/);
});

Deno.test("formatTaskTree() names the executor job a task awaits", async () => {
  const jobs = import.meta.resolve("../loop/testdata/jobs.ts");
  const tree = await run(async () => {
    const t = createTask(() => runInExecutor(jobs, "hang"), {
      name: "offload",
    });
    await sleep(0);
    const tree = formatTaskTree();
    t.cancel();
    return tree;
  });
  assert.match(
    tree,
    /offload \(waiting, age \d+ ms\) awaits runInExecutor\(hang\)/,
  );
});

Deno.test("printTaskTree() writes the tree to stderr", async () => {
  const printed: string[] = [];
  const original = console.error;
  console.error = (text: string) => printed.push(text);
  try {
    await run(async () => printTaskTree(), { clock: new VirtualClock() });
  } finally {
    console.error = original;
  }
  assert.deepEqual(printed, [
    "Task tree at 0 ms (1 task)\n└── main (running, age 0 ms)",
  ]);
});

Deno.test({
  name:
    "In debug mode, run() prints the task tree to stderr on SIGUSR1 and keeps running",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const printed: string[] = [];
    const original = console.error;
    const result = await run(async () => {
      const loop = createTask(() => sleep(0)).getLoop();
      const dumped = new Future<void>();
      console.error = (text: string) => {
        printed.push(text);
        loop.callSoonThreadsafe(() => dumped.setResult());
      };
      try {
        // A real timer keeps the process alive while the loop idles: a
        // signal listener does not.
        const sleeper = createTask(() => sleep(60_000), { name: "sleeper" });
        await sleep(0);
        Deno.kill(Deno.pid, "SIGUSR1");
        await dumped;
        sleeper.cancel();
        return "still running";
      } finally {
        console.error = original;
      }
    }, { debug: true });
    assert.equal(result, "still running");
    assert.equal(printed.length, 1);
    assert.match(printed[0]!, /^Task tree at /);
    assert.match(
      printed[0]!,
      /└── main \(waiting, age \d+ ms\) awaits Future\(pending\)/,
    );
    assert.match(
      printed[0]!,
      /sleeper \(waiting, age \d+ ms\) awaits sleep\(60000\)/,
    );
  },
});
