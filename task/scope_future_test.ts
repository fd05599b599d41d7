import assert from "node:assert/strict";
import { getRunningLoop, isFuture } from "../loop/mod.ts";
import { Queue } from "../sync/queue.ts";
import type { Future } from "../loop/future.ts";
import { gather } from "./gather.ts";
import { sleep } from "./sleep.ts";
import { createTask, type Task } from "./task.ts";
import { timeout } from "./timeout.ts";
import { waitFor } from "./wait_for.ts";
import { vrun } from "./_test_util.ts";

function outcome(e: unknown): string {
  return e instanceof Error ? e.name : String(e);
}

for (const kind of ["waitFor", "timeout"] as const) {
  Deno.test(`${kind}() awaited by two tasks both cancelled as its value comes: both tasks stop`, async () => {
    // The two requests find no wait in the scope (its code is about to
    // return) and merge there; each must still reach its own task.
    const log = await vrun(async () => {
      const inner = getRunningLoop().createFuture<number>();
      const shared = kind === "waitFor"
        ? waitFor(inner, 1e9)
        : timeout(1e9, () => inner);
      const log: string[] = [];
      const waiter = (name: string) =>
        createTask(async () => {
          log.push(`${name} got ${await shared}`);
          await sleep(10);
          log.push(`${name} ran on`);
        });
      const a = waiter("a"), b = waiter("b");
      await sleep(0);
      inner.setResult(1);
      a.cancel();
      b.cancel();
      await a.catch((e) => log.push(`a ${outcome(e)}`));
      await b.catch((e) => log.push(`b ${outcome(e)}`));
      return log;
    });
    // As in asyncio, where both tasks end cancelled; here each gets the
    // value first and is cancelled at its next wait.
    assert.deepEqual(log, [
      "a got 1",
      "b got 1",
      "a CancelledError",
      "b CancelledError",
    ]);
  });
}

Deno.test("timeout() awaited by a task cancelled as the deadline passes and the value comes: the task stops", async () => {
  // The deadline's request and the task's merge in the scope; the scope
  // drops its own when its code ends, and must give the task's back.
  const log = await vrun(async () => {
    const loop = getRunningLoop();
    const inner = loop.createFuture<number>();
    const log: string[] = [];
    // Scheduled before the deadline, for the same time: it runs first, in
    // the tick the deadline passes.
    loop.callAt(loop.time() + 5, () => {
      inner.setResult(1);
      task.cancel();
    });
    const shared = timeout(5, () => inner);
    const task = createTask(async () => {
      log.push(`got ${await shared}`);
      await sleep(10);
      log.push("ran on");
    });
    await task.catch((e) => log.push(outcome(e)));
    return log;
  });
  assert.deepEqual(log, ["got 1", "CancelledError"]);
});

for (const shape of ["future and timeout of it", "two timeouts of it"]) {
  Deno.test(`one cancel reaching a scope's future by two paths is delivered once: gather of the ${shape}`, async () => {
    const log = await vrun(async () => {
      const log: string[] = [];
      const shared = timeout(1e9, async () => {
        try {
          await sleep(100);
          return 0;
        } catch (e) {
          log.push(`body ${outcome(e)}`);
          try {
            await sleep(1);
            log.push("cleanup done");
          } catch (e2) {
            log.push(`cleanup ${outcome(e2)}`);
          }
          return 5;
        }
      });
      const task = createTask(() =>
        shape === "two timeouts of it"
          ? gather(timeout(1e9, () => shared), timeout(1e9, () => shared))
          : gather(shared, timeout(1e9, () => shared))
      );
      await sleep(0);
      task.cancel();
      await task.catch((e) => log.push(`task ${outcome(e)}`));
      log.push(`shared ${await shared}`);
      return log;
    });
    // CPython's wait_for tasks in the same shapes log the same.
    assert.deepEqual(log, [
      "body CancelledError",
      "cleanup done",
      "task CancelledError",
      "shared 5",
    ]);
  });
}

Deno.test("a scope's future cancelled twice before its code resumes is cancelled once, as a task is", async () => {
  const log = await vrun(async () => {
    const log: string[] = [];
    const shared = timeout(1e9, async () => {
      try {
        await sleep(100);
      } catch (e) {
        log.push(`body ${outcome(e)}`);
      }
      try {
        await sleep(1);
        log.push("cleanup done");
      } catch (e) {
        log.push(`cleanup ${outcome(e)}`);
      }
      return 5;
    });
    await sleep(0);
    // What timeout() returns is a Future (its type says only Promise).
    (shared as Future<number>).cancel();
    (shared as Future<number>).cancel();
    log.push(`shared ${await shared}`);
    return log;
  });
  // As an asyncio task cancelled twice before it resumes: the second
  // finds the sleep cancelled already, and merges with the first.
  assert.deepEqual(log, [
    "body CancelledError",
    "cleanup done",
    "shared 5",
  ]);
});

for (const two of [false, true]) {
  Deno.test(`a timeout() future whose next wait refuses the cancel that ${two ? "two tasks" : "a task"} awaiting it sent: ${two ? "both stop" : "it stops"}`, async () => {
    // The requests find no wait in the scope and are held; the code's next
    // wait is a queue item already handed over (a busy tick's get()), which
    // refuses cancellation: each request must stay pending, not only one.
    const log = await vrun(async () => {
      const log: string[] = [];
      const waiters: Task<void>[] = [];
      const shared = timeout(1e9, async () => {
        await sleep(0); // the waiters await it now
        const queue = new Queue<number>();
        // Bounded: a tick gives way after 256 waits that never leave it.
        for (let i = 0; i < 1_000_000; i++) {
          queue.putNowait(i);
          const got = queue.get();
          if (isFuture(got)) {
            for (const t of waiters) t.cancel();
            return await got;
          }
          await got;
        }
        throw new Error("no get() was ever handed over on a busy tick");
      });
      const waiter = (name: string) =>
        createTask(async () => {
          log.push(`${name} got ${typeof await shared}`);
          await sleep(10);
          log.push(`${name} ran on`);
        });
      waiters.push(waiter("a"));
      if (two) waiters.push(waiter("b"));
      for (const [i, t] of waiters.entries()) {
        await t.catch((e) => log.push(`${"ab"[i]} ${outcome(e)}`));
      }
      return log;
    });
    assert.deepEqual(
      log,
      two
        ? [
          "a got number",
          "b got number",
          "a CancelledError",
          "b CancelledError",
        ]
        : ["a got number", "a CancelledError"],
    );
  });
}

for (const two of [false, true]) {
  Deno.test(`uncancel() takes back the cancel a timeout() future awaited by ${two ? "two tasks" : "the task"} held for its code`, async () => {
    const log = await vrun(async () => {
      const inner = getRunningLoop().createFuture<number>();
      const shared = timeout(1e9, () => inner);
      const log: string[] = [];
      const waiter = (name: string) =>
        createTask(async () => {
          log.push(`${name} got ${await shared}`);
          await sleep(10);
          log.push(`${name} ran on`);
        });
      const a = waiter("a");
      const b = two ? waiter("b") : null;
      await sleep(0);
      inner.setResult(1);
      a.cancel();
      b?.cancel();
      log.push(`a.uncancel() ${a.uncancel()}`);
      await a.catch((e) => log.push(`a ${outcome(e)}`));
      await b?.catch((e) => log.push(`b ${outcome(e)}`));
      return log;
    });
    // uncancel() to zero drops a cancellation not yet delivered.
    assert.deepEqual(
      log,
      two
        ? [
          "a.uncancel() 0",
          "a got 1",
          "b got 1",
          "a ran on",
          "b CancelledError",
        ]
        : ["a.uncancel() 0", "a got 1", "a ran on"],
    );
  });
}

Deno.test("one cancel reaching a scope's code directly and through a task awaiting its future is delivered once", async () => {
  const log = await vrun(async () => {
    const log: string[] = [];
    const shared = timeout(1e9, async () => {
      try {
        await sleep(100);
        return 0;
      } catch (e) {
        log.push(`body ${outcome(e)}`);
        try {
          await sleep(1);
          log.push("cleanup done");
        } catch (e2) {
          log.push(`cleanup ${outcome(e2)}`);
        }
        return 5;
      }
    });
    const t = createTask(async () => await shared);
    const task = createTask(() => gather(shared, t));
    await sleep(0);
    task.cancel();
    await task.catch((e) => log.push(`task ${outcome(e)}`));
    log.push(`shared ${await shared}`);
    log.push(`t ${await t.catch(outcome)}`);
    return log;
  });
  // As CPython's tasks in the same shape: the two cancels of the shared
  // code before it runs again merge into one CancelledError.
  assert.deepEqual(log, [
    "body CancelledError",
    "cleanup done",
    "task CancelledError",
    "shared 5",
    "t 5",
  ]);
});
