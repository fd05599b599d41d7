/**
 * CPython `Lib/test/test_asyncio/test_runners.py` (`RunTests`, and the
 * `RunnerTests` that apply to a one-shot `run()`), ported to aio's
 * `run(main)` on the virtual clock. Each test names its CPython original.
 * aio has no `Runner` class nor task factories: `test_custom_factory`,
 * `test_run_keeps_context`, `test_second_with_block_raises`,
 * `test_asyncio_run_without_uncancel` and the like are not ported.
 *
 * Documented differences asserted here:
 * - `run()` takes a function, not a coroutine object ("`main`: The program:
 *   an async function"), so a wrong argument is a `TypeError` (JS's usual
 *   error for a wrong type) where asyncio raises `ValueError`;
 * - a SIGINT cancels `main` ("A SIGINT cancels `main`"): `run()` then
 *   rejects with the `CancelledError`, where asyncio raises
 *   `KeyboardInterrupt`;
 * - the shutdown report reads "Unhandled exception during run() shutdown"
 *   (asyncio: "... during asyncio.run() shutdown"): `run()` "a task that
 *   failed during that shutdown is reported to the loop's exception
 *   handler".
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type ExceptionContext,
  Future,
  getEventLoop,
  getRunningLoop,
  VirtualClock,
} from "../../loop/mod.ts";
import {
  CancelledError,
  createTask,
  run,
  sleep,
  type Task,
} from "../../task/mod.ts";
import { divZero, ValueError, ZeroDivisionError } from "./_loop_util.ts";

function vrun<T>(
  main: () => Promise<T>,
  options?: { debug?: boolean; handleSigint?: boolean },
): Promise<T> {
  return run(main, {
    clock: new VirtualClock(),
    handleSigint: false,
    ...options,
  });
}

Deno.test("RunTests.test_asyncio_run_return", async () => {
  assert.equal(
    await vrun(async () => {
      await sleep(0);
      return 42;
    }),
    42,
  );
});

Deno.test("RunTests.test_asyncio_run_raises", async () => {
  await assert.rejects(
    vrun(async () => {
      await sleep(0);
      throw new ValueError("spam");
    }),
    /spam/,
  );
});

Deno.test("RunTests.test_asyncio_run_debug", async () => {
  const seen: boolean[] = [];
  const main = async () => {
    seen.push(getEventLoop().getDebug());
  };
  await vrun(main);
  await vrun(main, { debug: true });
  await vrun(main, { debug: false });
  assert.deepEqual(seen, [false, true, false]);
});

Deno.test("RunTests.test_asyncio_run_from_running_loop: 'another event loop is running'", async () => {
  await assert.rejects(
    vrun(async () => {
      await run(async () => {});
    }),
    /Cannot call run\(\): another event loop is running/,
  );
});

Deno.test("RunnerTests.test_recursive_run: a nested run() from a loop callback is refused too", async () => {
  let error: unknown;
  await vrun(async () => {
    const done = new Future<void>(getRunningLoop());
    getRunningLoop().callSoon(() => {
      run(async () => {}).catch((e) => {
        error = e;
        done.setResult();
      });
    });
    await done;
  });
  assert.match(String(error), /another event loop is running/);
});

Deno.test("RunTests.test_asyncio_run_cancels_hanging_tasks", async () => {
  let lo: Task<void> | undefined;
  const result = await vrun(async () => {
    lo = createTask(() => sleep(100));
    return 123;
  });
  assert.equal(result, 123);
  assert.equal(lo!.done(), true);
  assert.equal(lo!.cancelled(), true);
});

Deno.test("RunTests.test_asyncio_run_reports_hanging_tasks_errors", async () => {
  let lo: Task<void> | undefined;
  const calls: ExceptionContext[] = [];
  const result = await vrun(async () => {
    getRunningLoop().setExceptionHandler((_l, ctx) => calls.push(ctx));
    lo = createTask(async () => {
      try {
        await sleep(100);
      } catch (e) {
        if (e instanceof CancelledError) divZero();
        throw e;
      }
    });
    return 123;
  });
  assert.equal(result, 123);
  assert.equal(lo!.done(), true);
  assert.equal(calls.length, 1);
  assert.match(calls[0]!.message, /run.*shutdown/);
  assert.equal(calls[0]!.task, lo);
  assert.ok(calls[0]!.exception instanceof ZeroDivisionError);
});

Deno.test("RunTests.test_asyncio_run_closes_gens_after_hanging_tasks_errors", async () => {
  class FancyExit extends Error {}
  let lazyboy: Task<void> | undefined;
  let finalized = false;
  async function* fidget() {
    try {
      for (;;) {
        yield 1;
        await sleep(1000);
      }
    } finally {
      finalized = true;
    }
  }
  await assert.rejects(
    vrun(async () => {
      getRunningLoop().setExceptionHandler(() => {});
      lazyboy = createTask(async () => {
        try {
          for await (const _ of fidget()) { /* spin */ }
        } catch (e) {
          if (e instanceof CancelledError) divZero();
          throw e;
        }
      });
      await sleep(0);
      throw new FancyExit();
    }),
    FancyExit,
  );
  assert.equal(lazyboy!.done(), true);
  assert.ok(lazyboy!.exception() instanceof ZeroDivisionError);
  assert.equal(finalized, true);
});

Deno.test("RunTests.test_asyncio_run_set_event_loop: run() sets its loop, then unsets it", async () => {
  let inside: unknown;
  let running: unknown;
  await vrun(async () => {
    await sleep(0);
    running = getRunningLoop();
  });
  await vrun(async () => {
    inside = getEventLoop();
    running = getRunningLoop();
  });
  assert.equal(inside, running);
  // After run() the set loop is forgotten: a fresh one is made.
  const after = getEventLoop();
  try {
    assert.notEqual(after, running);
    assert.equal((running as { isClosed(): boolean }).isClosed(), true);
  } finally {
    after.close();
  }
});

Deno.test("RunnerTests.test_run: the loop is closed after run()", async () => {
  let loop: { isClosed(): boolean } | undefined;
  assert.equal(
    await vrun(async () => {
      loop = getRunningLoop();
      await sleep(0);
      return "done";
    }),
    "done",
  );
  assert.equal(loop!.isClosed(), true);
});

Deno.test("RunTests.test_asyncio_run_only_coro (documented: a function is expected, TypeError)", async () => {
  for (const o of [1, "x", null]) {
    await assert.rejects(vrun(o as never), TypeError);
  }
  // The loop run() made is left set and open (see
  // loop_runners_bug_test.ts); forget it here.
  getEventLoop().close();
});

/**
 * Runs `body` (the inside of an async function, with `run`, `sleep`,
 * `createTask`, `currentTask`, `Future`, `getRunningLoop`, `VirtualClock`
 * and `CancelledError` in scope) in a child Deno: `deno test` takes a SIGINT
 * sent to its own process for itself. Returns what the child printed.
 */
async function inChild(body: string): Promise<string> {
  const loopUrl = new URL("../../loop/mod.ts", import.meta.url).href;
  const taskUrl = new URL("../../task/mod.ts", import.meta.url).href;
  const code = `
    import { Future, getRunningLoop, VirtualClock } from "${loopUrl}";
    import { CancelledError, createTask, currentTask, run, sleep } from "${taskUrl}";
    ${body}
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--quiet", code],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return new TextDecoder().decode(out.stdout).trim() +
    new TextDecoder().decode(out.stderr).trim();
}

Deno.test({
  name:
    "RunnerTests.test_interrupt_wait: a SIGINT cancels main and the future it awaits (documented: CancelledError)",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const out = await inChild(`
      let fut;
      try {
        await run(async () => {
          fut = new Future(getRunningLoop());
          const hold = setInterval(() => {}, 5);
          setTimeout(() => Deno.kill(Deno.pid, "SIGINT"), 50);
          try { await fut; } finally { clearInterval(hold); }
        }, { clock: new VirtualClock() });
        console.log("returned");
      } catch (e) {
        console.log(e instanceof CancelledError ? "CancelledError " + e.message : "other " + e);
      }
      console.log("fut.cancelled=" + fut.cancelled());
    `);
    assert.equal(
      out,
      "CancelledError interrupted by SIGINT\nfut.cancelled=true",
    );
  },
});

Deno.test({
  name:
    "RunnerTests.test_interrupt_cancelled_task: a SIGINT after main was cancelled still ends with CancelledError",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const out = await inChild(`
      try {
        await run(async () => {
          const main = currentTask();
          createTask(async () => {
            await sleep(0);
            main.cancel();
            Deno.kill(Deno.pid, "SIGINT");
          });
          const hold = setInterval(() => {}, 5);
          try { await sleep(10000); } finally { clearInterval(hold); }
        }, { clock: new VirtualClock() });
        console.log("returned");
      } catch (e) {
        console.log(e instanceof CancelledError ? "CancelledError" : "other " + e);
      }
    `);
    assert.equal(out, "CancelledError");
  },
});
