/**
 * Attack round 25: the argument checks commit 4985775 did not reach still put
 * the refused value in a template (`got ${value}`).
 *
 * What I did: passed a symbol and an object whose toString()/valueOf() throw
 * to `callLater()`, `callAt()`, `sleep()`, `timeout()`, `waitFor()`,
 * `Timeout.reschedule()`, `StreamReader.readExactly()`, `copyFile({chunkSize})`,
 * `new WorkerPool({size})`, `VirtualClock.advance()`,
 * `new StreamWriter(..., {highWaterMark})`, `startServer({acceptPauseMs})`,
 * `wait({returnWhen})`; and a string `timeout` to `asCompleted()`/`wait()`.
 *
 * What happened (measured): every one threw (or rejected with)
 * "TypeError: Cannot convert a Symbol value to a string" (a number for
 * advance()/highWaterMark) or the object's own "Error: toString boom" /
 * "valueOf boom", not the library's message. `waitFor()` even throws
 * synchronously for these values, though for a bigint (or "5") it returns a
 * rejected promise as its JSDoc/contract does: the call shape depends on the
 * bad value. `asCompleted(aws, { timeout: "5" })` and `wait()` fail with
 * "Cannot call callLater(): delayMs must be a number, got 5" (another
 * function, the string unquoted), and asCompleted() has already started the
 * functions it was given as tasks, left running for nobody.
 *
 * Expected: what 4985775 established for Queue/Semaphore/Barrier/EventLoop/
 * timeoutAt() (tests/faults/bad_values_named_in_errors_test.ts): "a symbol
 * or an object whose toString() throws no longer replaces the error with its
 * own" — the library's own error, naming the value via describeArgument().
 *
 * Causes: loop/event_loop.ts:421 and :472, task/sleep.ts:64,
 * task/timeout.ts:168 (String(when)) and :338, task/wait_for.ts:94,
 * task/wait.ts:117 (String(returnWhen)),
 * io/stream_reader.ts:750, io/copy_file.ts:89, executor/worker_pool.ts:316,
 * loop/virtual_clock.ts:109 (`ms >= 0` on a symbol), io/server.ts:268
 * (`pause >= 0` on a symbol), io/stream_writer.ts:242
 * (`4 * lowGiven`, `high / 4` before any check).
 *
 * Fixed: each names the value with `describeArgument()`, checks its type
 * before comparing or computing with it, and `asCompleted()`/`wait()` check
 * `timeout` before they start anything (`checkTimeout()`).
 */

import assert from "node:assert/strict";
import { EventLoop, VirtualClock } from "../../loop/mod.ts";
import { run, sleep, timeout, waitFor } from "../../task/mod.ts";
import { copyFile, StreamReader } from "../../io/mod.ts";
import { WorkerPool } from "../../executor/mod.ts";

const symbol = Symbol("bad");
const hostile = {
  toString(): string {
    throw new Error("toString boom");
  },
  valueOf(): number {
    throw new Error("valueOf boom");
  },
};
const BAD: [string, unknown, RegExp][] = [
  ["a symbol", symbol, /got Symbol\(bad\)$/],
  ["a hostile object", hostile, /got \{ toString: .*\}$/],
];

/** Runs `f` (sync throw or async rejection) and returns the error. */
async function errorOf(f: () => unknown): Promise<Error> {
  try {
    await f();
  } catch (e) {
    return e as Error;
  }
  throw new Error("no error");
}

function check(error: Error, what: RegExp, tail: RegExp): void {
  assert.match(
    `${error.name}: ${error.message}`,
    what,
    `library's own error expected, got ${error}`,
  );
  assert.match(error.message, tail);
}

for (const [label, value, tail] of BAD) {
  const v = value as number;
  Deno.test(`callLater()/callAt() refuse ${label} with their own TypeError`, async () => {
    using loop = new EventLoop({ clock: new VirtualClock() });
    check(
      await errorOf(() => loop.callLater(v, () => {})),
      /^TypeError: Cannot call callLater\(\)/,
      tail,
    );
    check(
      await errorOf(() => loop.callAt(v, () => {})),
      /^TypeError: Cannot call callAt\(\)/,
      tail,
    );
  });

  Deno.test(`sleep()/timeout()/reschedule() refuse ${label} with their own TypeError`, async () => {
    const errors = await run(async () => {
      const out: Error[] = [];
      out.push(await errorOf(() => sleep(v)));
      out.push(await errorOf(() => timeout(v, async () => {})));
      await timeout(null, async (scope) => {
        out.push(await errorOf(() => scope.reschedule(v)));
      });
      return out;
    }, { clock: new VirtualClock(), handleSigint: false });
    check(errors[0]!, /^TypeError: Cannot sleep/, tail);
    check(errors[1]!, /^TypeError: Cannot call timeout\(\)/, tail);
    check(errors[2]!, /^TypeError: Cannot reschedule timeout/, tail);
  });

  Deno.test(`waitFor() rejects (not throws) for ${label}, with its own TypeError`, async () => {
    const result = await run(async () => {
      let p: Promise<unknown>;
      try {
        p = waitFor(Promise.resolve(1), v);
      } catch (e) {
        return `threw synchronously: ${e}`;
      }
      return errorOf(() => p);
    }, { clock: new VirtualClock(), handleSigint: false });
    assert.ok(result instanceof Error, String(result));
    check(result, /^TypeError: Cannot call waitFor\(\)/, tail);
  });

  Deno.test(`readExactly() refuses ${label} with its own RangeError`, async () => {
    const error = await run(async () => {
      const reader = new StreamReader();
      reader.feedEof();
      return await errorOf(() => reader.readExactly(v));
    }, { clock: new VirtualClock(), handleSigint: false });
    check(error, /^RangeError: Cannot call readExactly\(\)/, tail);
  });

  Deno.test(`copyFile() refuses chunkSize ${label} with its own RangeError`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      await Deno.writeTextFile(`${dir}/a`, "x");
      const error = await run(
        () => errorOf(() => copyFile(`${dir}/a`, `${dir}/b`, { chunkSize: v })),
        { handleSigint: false },
      );
      check(error, /^RangeError: Cannot copy file/, tail);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });

  Deno.test(`new WorkerPool() refuses size ${label} with its own RangeError`, async () => {
    check(
      await errorOf(() => new WorkerPool({ size: v })),
      /^RangeError: Cannot create WorkerPool/,
      tail,
    );
  });

  Deno.test(`VirtualClock.advance() refuses ${label} with its own RangeError`, async () => {
    check(
      await errorOf(() => new VirtualClock().advance(v)),
      /^RangeError: Cannot advance VirtualClock/,
      /got /,
    );
  });
}

import { StreamWriter } from "../../io/mod.ts";

for (const [label, value] of BAD) {
  Deno.test(`StreamWriter refuses lowWaterMark/highWaterMark ${label} with its own RangeError`, async () => {
    const sink = { write: async () => {}, close: () => {} };
    check(
      await errorOf(() =>
        new StreamWriter(sink, { lowWaterMark: value as number })
      ),
      /^RangeError: Cannot create StreamWriter/,
      /got /,
    );
    check(
      await errorOf(() =>
        new StreamWriter(sink, { highWaterMark: value as number })
      ),
      /^RangeError: Cannot create StreamWriter/,
      /got /,
    );
  });
}

import { startServer } from "../../io/mod.ts";

Deno.test("startServer() refuses acceptPauseMs a symbol with its own RangeError (io/server.ts:268 compares it first)", async () => {
  const error = await run(
    () =>
      errorOf(() =>
        startServer(() => {}, {
          port: 0,
          acceptPauseMs: symbol as unknown as number,
        })
      ),
    { handleSigint: false },
  );
  check(error, /^RangeError: Cannot create Server/, /got Symbol\(bad\)$/);
});

import { wait } from "../../task/mod.ts";

Deno.test("wait() refuses a returnWhen whose toString() throws with its own RangeError (task/wait.ts:117 String(returnWhen))", async () => {
  const error = await run(
    () =>
      errorOf(() =>
        wait([Promise.resolve(1)], {
          returnWhen: hostile as unknown as "ALL_COMPLETED",
        })
      ),
    { clock: new VirtualClock(), handleSigint: false },
  );
  check(error, /^RangeError: Cannot call wait\(\)/, /got \{ toString: .*\}$/);
});

import { asCompleted } from "../../task/mod.ts";

Deno.test("asCompleted()/wait() refuse a timeout that is not a number, naming themselves, before starting anything", async () => {
  const got = await run(async () => {
    let started = 0;
    const fn = async () => {
      started++;
      await sleep(5);
      return 1;
    };
    const a = await errorOf(() =>
      asCompleted([fn], { timeout: "5" as unknown as number })
    );
    const w = await errorOf(() =>
      wait([Promise.resolve(1)], { timeout: "5" as unknown as number })
    );
    await sleep(10);
    return { a: `${a}`, w: `${w}`, started };
  }, { clock: new VirtualClock(), handleSigint: false });
  // Measured: both "TypeError: Cannot call callLater(): delayMs must be a
  // number, got 5" (another function's name, the string unquoted), and the
  // function given to asCompleted() was started as a task anyway, then left
  // running for nobody (task/as_completed.ts:138-153 builds the tasks before
  // callLater() checks the value).
  assert.match(got.a, /^TypeError: Cannot call asCompleted\(\).*got "5"$/);
  assert.match(got.w, /^TypeError: Cannot call wait\(\).*got "5"$/);
  assert.equal(got.started, 0);
});
