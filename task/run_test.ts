import assert from "node:assert/strict";
import "./mod.ts";
import {
  EventLoop,
  type ExceptionContext,
  getEventLoop,
  getRunningLoop,
  type Handle,
  VirtualClock,
} from "../loop/mod.ts";
import { createTask, run, sleep } from "./mod.ts";
import { describeValue } from "../loop/describe_value.ts";
import { hostileValues } from "../loop/_test_util.ts";

/** What `fn` resolves to, and the lines it printed with `console.error`. */
async function printedWhile<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; printed: string[] }> {
  const printed: string[] = [];
  const original = console.error;
  console.error = (...a: unknown[]) => printed.push(a.join(" "));
  try {
    return { result: await fn(), printed };
  } finally {
    console.error = original;
  }
}

Deno.test("run() returns main's result and closes its loop", async () => {
  let loop: EventLoop | undefined;
  const result = await run(async () => {
    loop = getRunningLoop();
    await sleep(0);
    return "ok";
  });
  assert.equal(result, "ok");
  assert.ok(loop!.isClosed());
});

Deno.test("run() throws main's error", async () => {
  await assert.rejects(
    run(async () => {
      await sleep(0);
      throw new RangeError("main failed");
    }),
    RangeError,
  );
});

Deno.test("run() cancels the tasks left and awaits them; their finally blocks run", async () => {
  const events: string[] = [];
  await run(async () => {
    createTask(async () => {
      try {
        await sleep(60_000);
      } finally {
        events.push("left-over finally");
      }
    });
    await sleep(1);
    events.push("main done");
  }, { clock: new VirtualClock() });
  assert.deepEqual(events, ["main done", "left-over finally"]);
});

Deno.test("run() reports a left-over task that fails while being cancelled", async () => {
  const seen: ExceptionContext[] = [];
  await run(async () => {
    getRunningLoop().setExceptionHandler((_l, c) => seen.push(c));
    createTask(async () => {
      try {
        await sleep(60_000);
      } catch {
        throw new Error("refused to stop");
      }
    }, { name: "stubborn" });
    await sleep(1);
  }, { clock: new VirtualClock() });
  assert.equal(seen.length, 1);
  assert.match(seen[0]!.message, /Unhandled exception during run\(\) shutdown/);
  assert.equal((seen[0]!.exception as Error).message, "refused to stop");
});

Deno.test("run() cancels main on SIGINT", async () => {
  // In a subprocess: the test runner exits on SIGINT itself.
  const script = new URL("./testdata/sigint_main.ts", import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-config", script.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  assert.equal(stdout, "finally ran\nCancelledError: interrupted by SIGINT\n");
});

async function runScript(name: string) {
  const script = new URL(`./testdata/${name}`, import.meta.url);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--no-config", "-A", script.pathname],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stdout: new TextDecoder().decode(out.stdout) };
}

Deno.test("run() exits with 130 on a SIGINT that comes once main is done, while it cancels what is left", async () => {
  // An attack round: the SIGINT cancelled the finished main, a no-op, and
  // the program waited for the slow task, then exited 0.
  assert.deepEqual(await runScript("sigint_after_main.ts"), {
    code: 130,
    stdout: "",
  });
});

Deno.test("run() in a Worker leaves SIGINT to the main thread", async () => {
  // An attack round: the Worker's run() took the signal, cancelled its own
  // main, and the program ran on.
  assert.deepEqual(await runScript("sigint_in_worker.ts"), {
    code: 130,
    stdout: "",
  });
});

Deno.test("run() returns main's value when main stops the loop in its last step", async () => {
  const result = await run(async () => {
    getRunningLoop().stop();
    return 1;
  }, { handleSigint: false });
  assert.equal(result, 1);
});

Deno.test("run() refuses to start inside a running loop", async () => {
  await run(async () => {
    await assert.rejects(run(async () => 1), /another event loop is running/);
  }, { handleSigint: false });
});

Deno.test("run() makes its loop the current one while it runs", async () => {
  await run(async () => {
    assert.equal(getEventLoop(), getRunningLoop());
  }, { debug: true });
});

Deno.test("run() returns main's result when a callback throws any value", async () => {
  for (const [label, value] of hostileValues()) {
    const seen: ExceptionContext[] = [];
    const result = await run(async () => {
      getRunningLoop().setExceptionHandler((_l, c) => seen.push(c));
      getRunningLoop().callSoon(() => {
        throw value;
      });
      await sleep(0);
      return "main result";
    }, { clock: new VirtualClock(), handleSigint: false });
    assert.equal(result, "main result", label);
    assert.equal(seen.length, 1, label);
    assert.equal(seen[0]!.exception, value, label);
  }
});

Deno.test("run() returns main's result when the default handler prints any thrown value", async () => {
  for (const [label, value] of hostileValues()) {
    const { result, printed } = await printedWhile(() =>
      run(async () => {
        getRunningLoop().callSoon(function hostile() {
          throw value;
        });
        await sleep(0);
        return "main result";
      }, { clock: new VirtualClock(), handleSigint: false })
    );
    assert.equal(result, "main result", label);
    assert.deepEqual(printed, [
      `Exception in callback Handle(hostile)\nhandle: Handle(hostile)\n${
        describeValue(value)
      }`,
    ], label);
  }
});

Deno.test("run() returns main's result when a custom exception handler throws any value", async () => {
  for (const [label, value] of hostileValues()) {
    const { result, printed } = await printedWhile(() =>
      run(async () => {
        getRunningLoop().setExceptionHandler(() => {
          throw value;
        });
        getRunningLoop().callSoon(() => {
          throw Object.create(null);
        });
        await sleep(0);
        return "main result";
      }, { clock: new VirtualClock(), handleSigint: false })
    );
    assert.equal(result, "main result", label);
    assert.equal(printed.length, 1, label);
    assert.match(printed[0]!, /^Unhandled error in exception handler\n/);
    assert.match(printed[0]!, /\n {2}\[Object: null prototype\] \{\}\n/);
    assert.ok(printed[0]!.endsWith(`\n${describeValue(value)}`), label);
  }
});

Deno.test("run() returns main's result when a future left behind failed with any value", async () => {
  for (const [label, value] of hostileValues()) {
    const { result, printed } = await printedWhile(() =>
      run(async () => {
        getRunningLoop().createFuture().setException(value);
        await sleep(0);
        return "main result";
      }, { clock: new VirtualClock(), handleSigint: false })
    );
    assert.equal(result, "main result", label);
    assert.equal(printed.length, 1, label);
  }
});

Deno.test({
  name:
    "run() in debug mode prints the task tree on SIGUSR1, hostile labels included, and goes on",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const script = new URL(
      "./testdata/sigusr1_hostile_tree.ts",
      import.meta.url,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-config", script.pathname],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(out.stdout);
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(
      stdout,
      /^printed: Task tree at .*waiter \(waiting, .*\) awaits \[Object: null prototype\] \{\}/s,
    );
  },
});

Deno.test("run() runs on the loop loopFactory makes: its callSoon() override sees main's start and sleep(0), debug is applied, and the loop is closed after", async () => {
  const seen: string[] = [];
  class TracingLoop extends EventLoop {
    override callSoon<A extends unknown[]>(
      callback: (...args: A) => unknown,
      ...args: A
    ): Handle {
      seen.push(callback.name);
      return super.callSoon(callback, ...args);
    }
  }
  let made: EventLoop | undefined;
  const result = await run(async () => {
    await sleep(0);
    return getRunningLoop() === made && made.getDebug();
  }, {
    loopFactory: () => made = new TracingLoop({ clock: new VirtualClock() }),
    debug: true,
  });
  assert.equal(result, true);
  assert.ok(made!.isClosed());
  assert.deepEqual(seen.slice(0, 2), ["startTask", "wakeSleeper"]);
});

Deno.test("run() refuses a bad loopFactory before it runs anything: not a function, with a clock, returning no EventLoop or a closed one", async () => {
  let ran = false;
  const main = () => {
    ran = true;
  };
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    run(main, { loopFactory: 42 as any }),
    new TypeError("Cannot call run(): loopFactory must be a function, got 42"),
  );
  let called = false;
  await assert.rejects(
    run(main, {
      clock: new VirtualClock(),
      loopFactory: () => {
        called = true;
        return new EventLoop();
      },
    }),
    TypeError,
  );
  assert.equal(called, false);
  await assert.rejects(
    // deno-lint-ignore no-explicit-any
    run(main, { loopFactory: () => ({ callSoon() {} }) as any }),
    /loopFactory must return an EventLoop, got/,
  );
  const closed = new EventLoop();
  closed.close();
  await assert.rejects(
    run(main, { loopFactory: () => closed }),
    new Error("Cannot call run(): the loop loopFactory returned is closed"),
  );
  assert.equal(ran, false);
  // Nothing is left behind: a plain run() works after.
  assert.equal(await run(() => 1), 1);
});

Deno.test("run() while an earlier run() that was not awaited still runs names where that one was called", async () => {
  const leftover = run(() => sleep(5), { handleSigint: false });
  const error = await run(async () => {}).then(() => null, (e: Error) => e);
  await leftover;
  assert.ok(error instanceof Error);
  assert.match(error.message, /an earlier run\(\) not awaited/);
  // The earlier call's own line of this file.
  assert.match(error.message, /run_test\.ts:\d+/);
  assert.doesNotMatch(error.message, /coroutine/);
});

Deno.test("run() from a loop callback is told to await instead", async () => {
  const error = await run(async () => {
    const done = Promise.withResolvers<unknown>();
    getRunningLoop().callSoon(() => {
      run(async () => {}).then(done.resolve, done.resolve);
    });
    return await done.promise;
  }, { handleSigint: false });
  assert.match(
    String(error),
    /this code runs in it; await the function itself/,
  );
});
