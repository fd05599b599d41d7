// deno test -A tests/user2/findings_test.ts
//
// Surprises met while writing proxy.ts, pipeline.ts and sitecheck.ts, each
// as a minimal failing test. Every test asserts what the documentation (or
// asyncio / Deno precedent it cites) led me to expect.
import assert from "node:assert/strict";
import {
  asCompleted,
  CancelledError,
  createTask,
  run,
  sleep,
  TaskGroup,
} from "@aio/asyncio/task";
import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import { readerFromStream } from "@aio/asyncio/io";

// ---------------------------------------------------------------------------
// 1. asCompleted() loses the errors of the tasks it makes from functions.
//
// README: "An unretrieved task exception is reported once the task is garbage
// collected (a FinalizationRegistry stands for __del__), or at the latest when
// the loop closes".
// asCompleted() doc: "`for await` awaits each, giving the results (and
// throwing out of the loop at the first failure)" and "With a `timeout`, the
// step that would wait past it throws `TimeoutError` ...; the awaitables are
// not cancelled."
//
// So when `for await` leaves at the first failure (or at the timeout), the
// tasks asCompleted() created from the functions go on, and nobody can ever
// retrieve their results. asyncio reports such a task ("Task exception was
// never retrieved"), and so does aio for a task the caller created and passed
// in (see the control test below). For a function, the error vanishes.
// ---------------------------------------------------------------------------

/** Runs `main` on virtual time and returns the messages of the errors that
 * reached the loop's exception handler, up to and including loop close. */
async function reportsOf(main: () => Promise<void>): Promise<string[]> {
  const reported: string[] = [];
  await run(async () => {
    getRunningLoop().setExceptionHandler((_loop, ctx) =>
      reported.push(
        (ctx.exception as Error | undefined)?.message ?? ctx.message,
      )
    );
    await main();
  }, { clock: new VirtualClock() });
  return reported;
}

const failAfter = (ms: number, msg: string) => async () => {
  await sleep(ms);
  throw new Error(msg);
};

Deno.test("finding 1a: asCompleted(functions): a later failure, after for await threw the first, is never reported", async () => {
  const reported = await reportsOf(async () => {
    await assert.rejects(async () => {
      for await (
        const _ of asCompleted([failAfter(10, "first"), failAfter(30, "later")])
      ) {
        // nothing
      }
    }, /first/);
    await sleep(100); // "later" fails meanwhile; nobody can take its error
  });
  assert.deepEqual(reported, ["later"]);
});

Deno.test("finding 1b: asCompleted(functions, { timeout }): a task left running past the timeout fails silently", async () => {
  const reported = await reportsOf(async () => {
    await assert.rejects(async () => {
      for await (
        const _ of asCompleted([failAfter(50, "late")], { timeout: 10 })
      ) {
        // nothing
      }
    }, (e) => (e as Error).name === "TimeoutError");
    await sleep(100);
  });
  assert.deepEqual(reported, ["late"]);
});

Deno.test("control for finding 1 (passes): the same with tasks passed in is reported", async () => {
  const reported = await reportsOf(async () => {
    const tasks = [
      createTask(failAfter(10, "first")),
      createTask(failAfter(30, "later")),
    ];
    await assert.rejects(async () => {
      for await (const _ of asCompleted(tasks)) {
        // nothing
      }
    }, /first/);
    await sleep(100);
  });
  assert.deepEqual(reported, ["later"]);
});

// ---------------------------------------------------------------------------
// 2. `await using tg = new TaskGroup()` does not cancel the children when the
//    body throws; the block waits for them to finish on their own.
//
// TaskGroup doc (the first example is this form): "A group of child tasks
// tied to the current task; see the module doc." `taskGroup()` doc: "The
// first child that fails cancels the others and the body; the group then
// throws an AggregateError of the failures (cancellations left out, the
// body's own error included)." `[Symbol.asyncDispose]` doc: "See the module
// doc for what this form cannot see." -- but the module doc that
// `deno doc task/mod.ts` shows says nothing about it, nor does the README.
// asyncio's `async with TaskGroup()` cancels the children when the body
// raises, and `taskGroup(body)` here does too. A user porting
// `async with asyncio.TaskGroup() as tg:` to `await using` gets a block that
// hangs as long as its longest child (forever for a server loop).
// ---------------------------------------------------------------------------

Deno.test("finding 2: await using TaskGroup: a body that throws leaves its children running", async () => {
  const log: string[] = [];
  await assert.rejects(
    run(async () => {
      const loop = getRunningLoop();
      try {
        await using tg = new TaskGroup();
        tg.createTask(async () => {
          try {
            await sleep(10_000);
            log.push("child slept to the end");
          } catch (e) {
            log.push(`child ${(e as Error).name}`);
            throw e;
          }
        });
        await sleep(10);
        throw new RangeError("body failed");
      } finally {
        log.push(`left the block at ${loop.time()}`);
      }
    }, { clock: new VirtualClock() }),
    RangeError,
  );
  // What taskGroup(body) does with the same code:
  assert.deepEqual(log, ["child CancelledError", "left the block at 10"]);
});

// ---------------------------------------------------------------------------
// 3. `await using tg`: a failing child while the body waits surfaces as a
//    SuppressedError, not the AggregateError the docs promise.
//
// `[Symbol.asyncDispose]` doc: "@throws {AggregateError} Of the children's
// failures." and its example `(e) => e instanceof AggregateError &&
// e.errors[0] instanceof RangeError`. That example's body does not wait. A
// body that waits (the normal case) is cancelled by the failing child, so the
// block ends with `SuppressedError { error: AggregateError, suppressed:
// CancelledError }` and `catch (e) { if (e instanceof AggregateError) ... }`
// misses it. Not documented anywhere a user reads.
// ---------------------------------------------------------------------------

Deno.test("finding 3: await using TaskGroup: a child failure while the body waits is a SuppressedError", async () => {
  const err = await run(async () => {
    try {
      await using tg = new TaskGroup();
      tg.createTask(async () => {
        await sleep(10);
        throw new RangeError("bad");
      });
      await sleep(1_000);
      return undefined;
    } catch (e) {
      return e;
    }
  }, { clock: new VirtualClock() });
  // What the doc's example checks:
  assert.ok(
    err instanceof AggregateError && err.errors[0] instanceof RangeError,
    `got ${(err as Error).name}: error=${
      (err as SuppressedError).error?.name
    }, ` +
      `suppressed=${(err as SuppressedError).suppressed?.name}`,
  );
});

Deno.test("control for finding 3 (passes): the same body inside taskGroup() gives the AggregateError", async () => {
  const { taskGroup } = await import("@aio/asyncio/task");
  const err = await run(() =>
    taskGroup(async (tg) => {
      tg.createTask(async () => {
        await sleep(10);
        throw new RangeError("bad");
      });
      await sleep(1_000);
    }).catch((e) => e), { clock: new VirtualClock() });
  assert.ok(
    err instanceof AggregateError && err.errors[0] instanceof RangeError,
  );
  assert.ok(!(err.errors.some((e: unknown) => e instanceof CancelledError)));
});

// ---------------------------------------------------------------------------
// 4. Read results are typed `Uint8Array` (= `Uint8Array<ArrayBufferLike>`),
//    which TypeScript 6 / Deno 2.9 refuse where a BufferSource or BodyInit
//    is expected: `new Response(await reader.readExactly(n))`,
//    `crypto.subtle.digest("SHA-256", bytes)`, `new Blob([bytes])`.
//
// StreamReader doc: "Results: every read returns bytes the reader never
// changes again. Results of 16 KiB or more are views into the reader's
// storage" -- plain ArrayBuffer storage, never shared, so the type could say
// `Uint8Array<ArrayBuffer>`, as Deno's own `Deno.readFile()` and
// `ReadableStreamDefaultReader<Uint8Array>.read()` do. proxy.ts needed a cast
// to answer with a body it had read.
// ---------------------------------------------------------------------------

Deno.test("finding 4: bytes read from a StreamReader/AsyncFile type-check as a Response body and a digest input", async () => {
  const dir = new URL(".", import.meta.url);
  const file = await Deno.makeTempFile({
    dir: dir.pathname,
    prefix: "_typecheck_",
    suffix: ".ts",
  });
  try {
    await Deno.writeTextFile(
      file,
      `import { openFile, StreamReader } from "@aio/asyncio/io";
export async function f(reader: StreamReader, path: string) {
  const head = await reader.readExactly(4);
  const rest = await reader.read();
  await using file = await openFile(path);
  const chunk = await file.read(10);
  await crypto.subtle.digest("SHA-256", head);
  new Blob([rest, chunk]);
  return new Response(rest);
}
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["check", "-q", file],
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const errors = new TextDecoder().decode(out.stderr).split("\n")
      .filter((l) => /^(TS\d+|error)/.test(l));
    assert.equal(out.code, 0, errors.join("\n"));
  } finally {
    await Deno.remove(file);
  }
});

// ---------------------------------------------------------------------------
// 5. A StreamReader over a fetch body cannot be let go: after `break` the
//    body stays locked, and neither the reader nor the body can cancel it.
//
// readerFromStream() doc: "Wraps a ReadableStream<Uint8Array> (a fetch body,
// a file's readable, a child's stdout) in a StreamReader, so the same code
// reads a socket, a file, a pipe or an HTTP body. The stream is locked and
// read ahead up to the reader's limit." A socket reader is let go by closing
// its writer, a file by `close()`, a pipe by disposing the Process; an HTTP
// body has none of these. `res.body.cancel()` throws "Cannot cancel a locked
// ReadableStream", the StreamReader has no `cancel()`/`close()`, and Deno's
// sanitizer reports the body and an op_read as leaked. Only a `signal` given
// up front can release it. Breaking out of `for await` over the body itself
// (the Deno idiom this replaces) cancels it.
// ---------------------------------------------------------------------------

Deno.test("finding 5: breaking out of for await over readerFromStream(res.body) does not release the body", async () => {
  await run(async () => {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () =>
        new Response(ReadableStream.from((async function* () {
          for (let i = 0; i < 100_000; i++) {
            yield new TextEncoder().encode(`line ${i}\n`);
          }
        })())),
    );
    const url = `http://127.0.0.1:${server.addr.port}/`;
    const cleanup = new AbortController(); // only so that this test does not leak
    try {
      // The Deno idiom: break cancels the body.
      const plain = await fetch(url);
      for await (const _ of plain.body!) break;
      assert.equal(plain.body!.locked, false);

      const res = await fetch(url);
      const reader = readerFromStream(res.body!, { signal: cleanup.signal });
      for await (const line of reader) {
        assert.equal(new TextDecoder().decode(line), "line 0\n");
        break;
      }
      assert.equal(
        res.body!.locked,
        false,
        "the body is still locked by the reader",
      );
    } finally {
      cleanup.abort();
      await server.shutdown();
    }
  });
});

// ---------------------------------------------------------------------------
// 6. `deno doc` shows optional `loop` parameters as required.
//
// `deno doc task/mod.ts` prints `function allTasks(loop: EventLoop)` and
// `function formatTaskTree(loop: EventLoop, options?: TaskTreeOptions)`, and
// `deno doc executor/mod.ts` prints `setDefaultExecutor(executor: WorkerPool,
// loop: EventLoop)` and `shutdownDefaultExecutor(loop: EventLoop)`, while the
// prose says "The loop; the running loop by default" and the README writes
// `setDefaultExecutor(pool, loop?)`. (The parameters have default values,
// which `deno doc` does not render.) Reading the signature, `formatTaskTree()`
// looks like it needs a loop.
// ---------------------------------------------------------------------------

Deno.test("finding 6: deno doc renders the optional loop parameters as optional", async () => {
  const root = new URL("../../", import.meta.url).pathname;
  const doc = async (entry: string) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["doc", entry],
      cwd: root,
      env: { NO_COLOR: "1" },
      stdout: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout);
  };
  const task = await doc("task/mod.ts");
  const executor = await doc("executor/mod.ts");
  const signatures = [
    ...task.split("\n").filter((l) =>
      /^function (allTasks|formatTaskTree|printTaskTree)\(/.test(l)
    ),
    ...executor.split("\n").filter((l) =>
      /^(async )?function (setDefaultExecutor|shutdownDefaultExecutor)\(/.test(
        l,
      )
    ),
  ];
  assert.equal(signatures.length, 5);
  const required = signatures.filter((s) => /\bloop: EventLoop/.test(s));
  assert.deepEqual(required, []);
});
