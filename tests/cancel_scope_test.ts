/**
 * Cancellation by scopes, where one task runs several waits at once:
 * `Promise.all` branches, concurrent timeouts, host callbacks. Each case is
 * one that went wrong while a task had a single "waiting on" slot.
 */

import assert from "node:assert/strict";
import { EventLoop, getRunningLoop } from "../loop/mod.ts";
import { run } from "../task/mod.ts";
import {
  CancelledError,
  createTask,
  currentSignal,
  currentTask,
  Future,
  gather,
  shield,
  sleep,
  type Task,
  taskGroup,
  type Timeout,
  timeout,
  TimeoutError,
  waitFor,
} from "../task/mod.ts";
import { Condition, Event, Lock, Queue } from "../sync/mod.ts";
import { StreamReader } from "../io/mod.ts";
import { now, vrun } from "../task/_test_util.ts";

function names(results: PromiseSettledResult<unknown>[]): unknown[] {
  return results.map((r) =>
    r.status === "fulfilled" ? r.value : (r.reason as Error).name
  );
}

// 1. Promise.all over library waits

Deno.test("cancelling a task in Promise.all of two Queue.get() cancels both and loses no item", async () => {
  await vrun(async () => {
    const q1 = new Queue<string>();
    const q2 = new Queue<string>();
    const t = createTask(() => Promise.all([q1.get(), q2.get()]));
    await sleep(1);
    t.cancel();
    await assert.rejects(t, CancelledError);
    q1.putNowait("1");
    q2.putNowait("2");
    await sleep(1);
    assert.equal(q1.qsize(), 1);
    assert.equal(q2.qsize(), 1);
  });
});

Deno.test("cancelling a task in Promise.allSettled of two sleeps ends both at once", async () => {
  const result = await vrun(async () => {
    const t = createTask(async () => {
      const settled = await Promise.allSettled([sleep(1000), sleep(20)]);
      return [names(settled), now()];
    });
    await sleep(10);
    t.cancel();
    return await t;
  });
  // allSettled absorbs the cancellation: the task carries on and returns.
  assert.deepEqual(result, [["CancelledError", "CancelledError"], 10]);
});

Deno.test("Promise.race over library waits: cancelling the task cancels the loser too", async () => {
  await vrun(async () => {
    const q = new Queue<string>();
    const t = createTask(async () => {
      await Promise.race([sleep(5), q.get()]);
      await sleep(1000);
    });
    await sleep(10);
    t.cancel();
    await assert.rejects(t, CancelledError);
    // The orphaned get() is still the task's wait; the cancel reached it.
    q.putNowait("kept");
    assert.equal(q.qsize(), 1);
  });
});

// 2. Concurrent timeouts in one task

Deno.test("two waitFor() calls at once in one task each time out on their own", async () => {
  const result = await vrun(async () => {
    const settled = await Promise.allSettled([
      waitFor(async () => {
        await sleep(1000);
        return "a";
      }, 10),
      waitFor(async () => {
        await sleep(50);
        return "b";
      }, 1000),
    ]);
    return [names(settled), now()];
  });
  assert.deepEqual(result, [["TimeoutError", "b"], 50]);
});

Deno.test("two timeout() blocks at once in one task: the expired one throws, the other finishes", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    const settled = await Promise.allSettled([
      timeout(10, async () => {
        try {
          await sleep(1000);
        } finally {
          events.push(["a unwinds", now()]);
        }
      }),
      timeout(1000, async () => {
        await sleep(50);
        events.push(["b done", now()]);
        return "b";
      }),
    ]);
    events.push(names(settled));
  });
  assert.deepEqual(events, [
    ["a unwinds", 10],
    ["b done", 50],
    ["TimeoutError", "b"],
  ]);
});

Deno.test("a timeout whose body never waits again cannot hang its sibling", async () => {
  const result = await vrun(async () => {
    const gate = new Event();
    const settled = await Promise.allSettled([
      timeout(10, () => gate.wait()),
      timeout(20, () => sleep(5).then(() => "b")),
    ]);
    return [names(settled), now()];
  });
  assert.deepEqual(result, [["TimeoutError", "b"], 10]);
});

// 3. A handled timeout leaves the task's signal alone

Deno.test("a handled timeout leaves the task's signal unaborted and later reads work", async () => {
  const result = await vrun(async (signal) => {
    let scopeSignal: AbortSignal | undefined;
    try {
      await timeout(10, async (scope) => {
        scopeSignal = scope.signal;
        await sleep(1000);
      });
    } catch (e) {
      assert.ok(e instanceof TimeoutError);
    }
    assert.equal(scopeSignal?.aborted, true);
    assert.equal(signal.aborted, false);
    assert.equal(currentTask()!.signal.aborted, false);
    assert.equal(currentSignal()?.aborted, false);
    const reader = new StreamReader();
    getRunningLoop().callLater(5, () => {
      reader.feedData(new TextEncoder().encode("next line\n"));
    });
    return new TextDecoder().decode(await reader.readLine());
  });
  assert.equal(result, "next line\n");
});

Deno.test("currentSignal() is the innermost scope's signal and aborts at its deadline", async () => {
  const seen: unknown[] = [];
  await vrun(async (taskSignal) => {
    assert.equal(currentSignal(), taskSignal);
    await assert.rejects(
      timeout(10, (scope) => {
        assert.equal(currentSignal(), scope.signal);
        const signal = currentSignal()!;
        return new Promise((_, reject) => {
          signal.addEventListener("abort", () => {
            seen.push([now(), (signal.reason as Error).name]);
            reject(signal.reason);
          });
        });
      }),
      TimeoutError,
    );
    assert.equal(currentSignal(), taskSignal);
    assert.equal(taskSignal.aborted, false);
  });
  assert.deepEqual(seen, [[10, "CancelledError"]]);
  assert.equal(currentSignal(), undefined);
});

Deno.test("cancelling the task aborts the signals of its nested scopes", async () => {
  await vrun(async () => {
    const signals: AbortSignal[] = [];
    const t = createTask((taskSignal) =>
      timeout(1000, (scope) => {
        signals.push(taskSignal, scope.signal);
        return sleep(5000);
      })
    );
    await sleep(1);
    t.cancel("stop");
    await assert.rejects(t, CancelledError);
    assert.deepEqual(signals.map((s) => s.aborted), [true, true]);
    assert.equal((signals[1]!.reason as Error).message, "stop");
  });
});

// 4. A deferred cancellation is not swallowed by a timeout entered later

Deno.test("a task handed a lock, cancelled before it resumes, then entering timeout() ends cancelled", async () => {
  const result = await vrun(async () => {
    const lock = new Lock();
    await lock.acquire();
    const events: unknown[] = [];
    const t = createTask(async () => {
      await lock.acquire();
      events.push("holds lock");
      try {
        await timeout(10, () => sleep(100));
      } finally {
        lock.release();
      }
      events.push("not reached");
    });
    await sleep(1);
    lock.release(); // handed to t
    t.cancel();
    await assert.rejects(t, (e) => e instanceof CancelledError);
    return [events, t.cancelling(), lock.locked(), now()];
  });
  assert.deepEqual(result, [["holds lock"], 1, false, 1]);
});

Deno.test("a cancellation arriving while an expired timeout unwinds is not converted", async () => {
  await vrun(async () => {
    const t = createTask(() =>
      timeout(10, async () => {
        try {
          await sleep(1000);
        } finally {
          // The deadline passed; the task is cancelled during the cleanup.
          currentTask()!.cancel();
          await sleep(1).catch(() => {});
        }
      })
    );
    await assert.rejects(t, CancelledError);
    assert.ok(t.cancelled());
  });
});

// A task's pending cancel goes to the first wait the task starts: here the
// future of a timeout() whose code is parked on a host promise, so the
// request stays pending in the timeout's scope. The deadline then passes,
// and the code returns without reaching a wait. The task's cancel must go
// back to the task, for its next wait; it must not be replaced by the
// deadline's request, which the scope drops as its own when it exits.
Deno.test("a task's cancel pending in a timeout is not lost when the deadline passes and the code returns without a wait", async () => {
  const result = await vrun(async () => {
    const t = createTask(async () => {
      currentTask()!.cancel(); // requested while the task runs
      const timed = await timeout(0, async () => {
        // A host promise, not a library wait, settled past the deadline.
        await new Promise<void>((resolve) =>
          getRunningLoop().callLater(1, () => resolve())
        );
        return "returned";
      }).catch((e) => (e as Error).name);
      const next = await sleep(100).then(
        () => "slept",
        (e) => (e as Error).name,
      );
      return [timed, next, now()];
    });
    return await t;
  });
  // before the fix: ["returned", "slept", 101]
  assert.deepEqual(result, ["returned", "CancelledError", 1]);
});

// The task's pending cancel reaches the task waitFor() wraps a settled
// promise in; the enclosing timeout's deadline then cancels that wrapper
// too, before it starts. The wrapper ends with the promise's value (it
// keeps a value already handed over) and gives back the request that asked
// to cancel it: both must be given back, or at least the task's, not only
// the deadline's, which the timeout drops as its own when it exits.
Deno.test("a task's cancel that reached a waitFor() wrapper is not lost when a deadline cancels the wrapper too and it returns its value", async () => {
  const result = await vrun(async () => {
    const t = createTask(async () => {
      currentTask()!.cancel(); // requested while the task runs
      const timed = await timeout(
        0,
        () => waitFor(Promise.resolve("value"), null),
      ).catch((e) => (e as Error).name);
      const next = await sleep(100).then(
        () => "slept",
        (e) => (e as Error).name,
      );
      return [timed, next, now()];
    });
    return await t;
  });
  // before the fix: ["value", "slept", 100]
  assert.deepEqual(result, ["value", "CancelledError", 0]);
});

// The same request, taken back with uncancel() while it is pending in the
// timeout's scope: it is dropped there too, as a request still pending in
// the task's own scope is, and the task's later waits are untouched.
Deno.test("uncancel() to zero takes back a cancel pending in a nested scope", async () => {
  const result = await vrun(async () => {
    const t = createTask(async () => {
      currentTask()!.cancel();
      const timed = await timeout(null, async () => {
        await new Promise<void>((resolve) =>
          getRunningLoop().callLater(1, () => resolve())
        );
        currentTask()!.uncancel(); // the request is still undelivered
        return "returned";
      }).catch((e) => (e as Error).name);
      const next = await sleep(100).then(
        () => "slept",
        (e) => (e as Error).name,
      );
      return [timed, next, now(), currentTask()!.cancelling()];
    });
    return await t;
  });
  // before the fix: ["returned", "CancelledError", 1, 0]
  assert.deepEqual(result, ["returned", "slept", 101, 0]);
});

Deno.test("1,000 tasks in timeout(() => cond.wait()) with random cancels all end", async () => {
  let seed = 42;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const outcome = await vrun(async () => {
    const cond = new Condition();
    const tasks: Task<string>[] = [];
    for (let i = 0; i < 1000; i++) {
      tasks.push(createTask(async () => {
        await cond.acquire();
        try {
          await timeout(Math.floor(random() * 20), () => cond.wait());
          return "notified";
        } catch (e) {
          if (e instanceof TimeoutError) return "timed out";
          throw e;
        } finally {
          cond.release();
        }
      }));
    }
    for (let step = 0; step < 40; step++) {
      await sleep(1);
      for (const t of tasks) if (random() < 0.01) t.cancel();
      await cond.acquire();
      cond.notify(Math.floor(random() * 30));
      cond.release();
    }
    const settled = await Promise.allSettled(tasks);
    return [
      settled.length,
      cond.locked(),
      settled.every((r) =>
        r.status === "fulfilled" || r.reason instanceof CancelledError
      ),
    ];
  });
  assert.deepEqual(outcome, [1000, false, true]);
});

// 5. Work started from a host callback belongs to the scope it was made in

Deno.test("a host timer started in a task belongs to its scope: cancelling the task reaches both", async () => {
  // Real clock: the host timer must really fire.
  const events: unknown[] = [];
  await run(async () => {
    const started = new Future<void>();
    const victim = createTask(async () => {
      setTimeout(() => {
        events.push(["callback sees", currentTask() === victim]);
        sleep(300).catch((e) => events.push(["timer's sleep", e.name]));
        started.setResult();
      }, 0);
      await sleep(1000);
      events.push("victim not cancelled");
    });
    await started;
    victim.cancel();
    await assert.rejects(victim, CancelledError);
    await sleep(0);
  }, { handleSigint: false });
  assert.deepEqual(events, [
    ["callback sees", true],
    ["timer's sleep", "CancelledError"],
  ]);
});

Deno.test("loop callbacks run outside any task, as in asyncio", async () => {
  const seen = await vrun(async () => {
    const f = new Future<unknown>();
    getRunningLoop().callSoon(() => f.setResult(currentTask()));
    return await f;
  });
  assert.equal(seen, undefined);
});

// 6. Misuse fails instead of hanging

Deno.test("awaiting a future of another loop from a task rejects", async () => {
  using other = new EventLoop();
  const foreign = new Future<number>(other);
  await vrun(async () => {
    await assert.rejects(
      (async () => await foreign)(),
      /attached to a different event loop/,
    );
  });
});

Deno.test("runUntilComplete() of a future of another loop throws", async () => {
  using a = new EventLoop();
  using b = new EventLoop();
  await assert.rejects(
    a.runUntilComplete(new Future<number>(b)),
    /different event loop/,
  );
});

Deno.test("a task awaiting itself fails, and cancel() on it does not recurse", async () => {
  await vrun(async () => {
    let self: Task<unknown> | undefined;
    const t: Task<unknown> = createTask(async () => {
      self = t;
      await t;
    });
    await assert.rejects(t, /cannot await on itself/);
    assert.equal(self, t);
    const u: Task<unknown> = createTask(async () => {
      await Promise.allSettled([u]);
      await sleep(1000);
    });
    await sleep(1);
    assert.equal(u.cancel(), true);
    await assert.rejects(u, CancelledError);
  });
});

Deno.test("awaiting a future whose loop closed rejects, and completing it throws and leaves it pending", async () => {
  const loop = new EventLoop();
  const f = new Future<number>(loop);
  f.addDoneCallback(() => {});
  loop.close();
  await assert.rejects((async () => await f)(), /event loop is closed/);
  assert.throws(() => f.setResult(1), /event loop is closed/);
  assert.equal(f.done(), false);
});

// Waits the library returns are cancellable when passed bare

Deno.test("waitFor(cond.wait(), ms) cancels the wait and leaves the caller holding the lock", async () => {
  const result = await vrun(async () => {
    const cond = new Condition();
    await cond.acquire();
    const error = await waitFor(cond.wait(), 10).catch((e) => e);
    const held = cond.locked();
    cond.release();
    // A notify now must find nobody waiting: the cancelled wait left.
    await cond.acquire();
    cond.notify();
    cond.release();
    return [(error as Error).name, held, now()];
  });
  assert.deepEqual(result, ["TimeoutError", true, 10]);
});

Deno.test("gather() of a cancelled timeout() future cancels its work", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    const work = timeout(null, async () => {
      try {
        await sleep(1000);
      } finally {
        events.push(["work unwinds", now()]);
      }
    });
    const g = gather(work);
    await sleep(5);
    g.cancel();
    await assert.rejects(g, CancelledError);
    events.push(["gather done", now()]);
  });
  assert.deepEqual(events, [["work unwinds", 5], ["gather done", 5]]);
});

Deno.test("timeout() around a task cancels that task and throws TimeoutError", async () => {
  const result = await vrun(async () => {
    const child = createTask(() => sleep(1000));
    const error = await timeout(10, () => child).catch((e) => e);
    return [(error as Error).name, child.cancelled(), now()];
  });
  assert.deepEqual(result, ["TimeoutError", true, 10]);
});

Deno.test("timeout() around gather() throws TimeoutError once the children are cancelled", async () => {
  const result = await vrun(async () => {
    const error = await timeout(
      10,
      () => gather(() => sleep(1000), () => sleep(2000)),
    ).catch((e) => e);
    return [(error as Error).name, now()];
  });
  assert.deepEqual(result, ["TimeoutError", 10]);
});

Deno.test("shield() inside a timeout keeps the inner work running past the deadline", async () => {
  const result = await vrun(async () => {
    const inner = createTask(async () => {
      await sleep(50);
      return "inner done";
    });
    const error = await timeout(10, () => shield(inner)).catch((e) => e);
    return [(error as Error).name, now(), await inner, now()];
  });
  assert.deepEqual(result, ["TimeoutError", 10, "inner done", 50]);
});

Deno.test("a TaskGroup failure cancels every wait of the body, in every branch", async () => {
  const events: unknown[] = [];
  await vrun(async () => {
    const q = new Queue<number>();
    await assert.rejects(
      taskGroup(async (tg) => {
        tg.createTask(async () => {
          await sleep(10);
          throw new RangeError("boom");
        });
        const settled = await Promise.allSettled([q.get(), sleep(1000)]);
        events.push([names(settled), now()]);
      }),
      AggregateError,
    );
    q.putNowait(1);
    events.push(["item kept", q.qsize()]);
  });
  assert.deepEqual(events, [
    [["CancelledError", "CancelledError"], 10],
    ["item kept", 1],
  ]);
});

Deno.test("a task parked in Promise.all over library waits does not cost a host turn per tick", async () => {
  // Each tick completes one of 200 events the task waits on together. If
  // every such wake made the loop wait for a step to the end (a macrotask
  // after 64 hops), the host would get about 200 turns.
  let hostTurns = 0;
  let counting = true;
  const count = (): void => {
    hostTurns++;
    if (counting) setImmediate(count);
  };
  setImmediate(count);
  const woken = await vrun(async () => {
    const events = Array.from({ length: 200 }, () => new Event());
    const t = createTask(() => Promise.all(events.map((e) => e.wait())));
    await sleep(0);
    for (const e of events) {
      e.set();
      await sleep(0);
    }
    return (await t).length;
  });
  counting = false;
  await new Promise((r) => setImmediate(r));
  assert.equal(woken, 200);
  assert.ok(hostTurns < 50, `the host got ${hostTurns} turns`);
});

Deno.test("waitFor(reader.readLine(), ms) cancels the read: the line sent later is read whole", async () => {
  const result = await vrun(async () => {
    const reader = new StreamReader();
    const error = await waitFor(reader.readLine(), 10).catch((e) => e);
    reader.feedData(new TextEncoder().encode("late line\n"));
    // A second read must not meet "another task is already waiting".
    const line = new TextDecoder().decode(await reader.readLine());
    return [(error as Error).name, line, now()];
  });
  assert.deepEqual(result, ["TimeoutError", "late line\n", 10]);
});

Deno.test("a task cancelled as its read is woken keeps the bytes in the buffer", async () => {
  const result = await vrun(async () => {
    const reader = new StreamReader();
    const t = createTask(() => reader.readExactly(4));
    await sleep(1);
    reader.feedData(new Uint8Array([1, 2, 3, 4]));
    t.cancel();
    const outcome = await t.then(() => "read", (e) => (e as Error).name);
    return [outcome, [...await reader.readExactly(4)]];
  });
  assert.deepEqual(result, ["CancelledError", [1, 2, 3, 4]]);
});

Deno.test("gather() of reads cancelled from outside leaves every byte readable", async () => {
  const result = await vrun(async () => {
    const a = new StreamReader();
    const b = new StreamReader();
    const g = gather(a.read(10), b.readLine());
    await sleep(1);
    g.cancel();
    await assert.rejects(g, CancelledError);
    a.feedData(new Uint8Array([7]));
    b.feedData(new TextEncoder().encode("x\n"));
    return [
      [...await a.read(10)],
      new TextDecoder().decode(await b.readLine()),
    ];
  });
  assert.deepEqual(result, [[7], "x\n"]);
});

Deno.test("uncancel() to zero leaves the signal of a timeout that expired on its own aborted", async () => {
  const result = await vrun(async () => {
    let scope: Timeout | undefined;
    const t = createTask(() =>
      timeout(5, async (s) => {
        scope = s;
        await Promise.allSettled([sleep(1000)]);
        await sleep(1000);
      })
    );
    await sleep(1);
    t.cancel(); // reaches the sleep; allSettled absorbs it
    await sleep(4); // the deadline passes at 5
    t.uncancel();
    const error = await t.catch((e) => e);
    return [(error as Error).name, scope?.expired(), scope?.signal.aborted];
  });
  assert.deepEqual(result, ["TimeoutError", true, true]);
});

// 7. Code that outlives its scope, and tasks awaited under two scopes
// (found by porting a crawler, a chat server and a job runner)

/** A native call that stops only when `signal` aborts (a `fetch`). */
function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    signal.addEventListener("abort", () => reject(signal.reason), {
      once: true,
    });
  });
}

Deno.test("task.cancel() aborts the signal of a Promise.all branch that outlived its timeout() block", async () => {
  await vrun(async () => {
    let branchSignal: AbortSignal | undefined;
    let branchEnded = "";
    const t = createTask(async () => {
      await timeout(1000, () =>
        Promise.all([
          (async () => {
            await sleep(1);
            throw new Error("sibling failed first");
          })(),
          (async () => {
            branchSignal = currentSignal();
            await untilAborted(branchSignal!).catch((e: Error) => {
              branchEnded = `${e.name} at ${now()}`;
            });
          })(),
        ])).catch(() => {});
      await sleep(10_000);
    });
    await sleep(50);
    assert.equal(branchSignal?.aborted, false); // the branch runs on
    t.cancel();
    await t.catch(() => {});
    assert.equal(branchSignal?.aborted, true);
    assert.equal(branchEnded, "CancelledError at 50");
  });
});

Deno.test("a wait task.cancel() reaches in an exited timeout() scope finds that scope's signal aborted", async () => {
  await vrun(async () => {
    let branchSignal: AbortSignal | undefined;
    let seen = "";
    const t = createTask(async () => {
      await timeout(1000, () =>
        Promise.all([
          (async () => {
            await sleep(1);
            throw new Error("sibling failed first");
          })(),
          (async () => {
            branchSignal = currentSignal();
            await sleep(20); // the block exits at 1, meanwhile
            try {
              await sleep(10_000);
            } catch (e) {
              seen = `${(e as Error).name}, aborted: ${branchSignal?.aborted}`;
            }
          })(),
        ])).catch(() => {});
      await sleep(10_000);
    });
    await sleep(50);
    t.cancel();
    await t.catch(() => {});
    await sleep(0);
    assert.equal(seen, "CancelledError, aborted: true");
  });
});

Deno.test("two equal timeouts awaiting one shared task both end with TimeoutError", async () => {
  await vrun(async () => {
    const shared = createTask(async () => {
      await sleep(100);
      return "data";
    });
    const name = (e: unknown) => `${(e as Error).name} at ${now()}`;
    const a = createTask(() => timeout(50, () => shared).catch(name));
    const b = createTask(() => timeout(50, () => shared).catch(name));
    assert.deepEqual(await gather(a, b), [
      "TimeoutError at 50",
      "TimeoutError at 50",
    ]);
    assert.equal(shared.cancelled(), true);
    // Each TimeoutError's cause is its own deadline's cancellation.
    const c = createTask(async () => {
      await sleep(100);
    });
    const outside = createTask(async () => {
      await c;
    });
    const causes = createTask(() =>
      timeout(10, () => c).catch((e) => (e as Error).cause)
    );
    await sleep(10);
    outside.cancel("from outside");
    assert.equal(
      await outside.catch((e) => (e as Error).message),
      "from outside",
    );
    const cause = await causes;
    assert.ok(cause instanceof CancelledError);
    assert.notEqual((cause as Error).message, "from outside");
  });
});

Deno.test("a TaskGroup whose failures win keeps the task's cancellation for its next wait, not for a stray wait", async () => {
  await vrun(async () => {
    const log: string[] = [];
    const e = new Event();
    let open = (): void => {};
    const gate = new Promise<void>((resolve) => open = resolve);
    const t = createTask(async () => {
      await taskGroup(async (tg) => {
        tg.createTask(async () => {
          await sleep(10).catch(() => {});
          throw new RangeError("boom");
        });
        // A branch left behind by Promise.all, whose wait starts after the
        // cancellation's fan-out and is pending when the group ends.
        await Promise.all([
          Promise.reject(new Error("first")),
          gate.then(() => e.wait()).then(() => log.push("stray woke")),
        ]).catch(() => {});
        await sleep(100);
      }).catch((err) => log.push((err as AggregateError).errors[0].name));
      try {
        await sleep(1);
        log.push("next wait finished");
      } catch (err) {
        log.push(`next wait: ${(err as Error).message}`);
        throw err;
      }
    });
    await sleep(5);
    t.cancel("stop");
    open();
    await assert.rejects(t, CancelledError);
    e.set();
    await sleep(0);
    assert.deepEqual(log, ["RangeError", "next wait: stop", "stray woke"]);
  });
});

Deno.test("a scope entered after its task's cancellation was caught gets a signal that works, and the task's next cancel still aborts it", async () => {
  await vrun(async () => {
    const seen: unknown[] = [];
    const t = createTask(async (signal) => {
      try {
        await sleep(100);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      }
      seen.push(["task", signal.aborted]);
      // Clean up with a fresh deadline: its signal is not born aborted.
      await timeout(50, async (scope) => {
        seen.push(["cleanup", scope.signal.aborted]);
        t.uncancel();
        await sleep(10);
        const again = currentSignal()!;
        t.cancel();
        seen.push(["after a second cancel", again.aborted]);
        await sleep(10).catch((e) => seen.push((e as Error).name));
      });
    });
    await sleep(1);
    t.cancel();
    await t;
    assert.deepEqual(seen, [
      ["task", true],
      ["cleanup", false],
      ["after a second cancel", true],
      "CancelledError",
    ]);
  });
});

Deno.test("cancel() twice in one job is one cancellation: one CancelledError, and cancelling() counts both", async () => {
  await vrun(async () => {
    const seen: string[] = [];
    const t = createTask(async () => {
      await sleep(10).catch((e) => seen.push((e as Error).name));
      await sleep(10).then(
        () => seen.push("slept"),
        (e) => seen.push(`again: ${(e as Error).name}`),
      );
      return currentTask()!.cancelling();
    });
    await sleep(1);
    t.cancel("first");
    t.cancel("second");
    assert.equal(await t, 2);
    assert.deepEqual(seen, ["CancelledError", "slept"]);
  });
});

Deno.test("a cancellation a TaskGroup's failure re-arms reaches the next wait, past a timeout whose code did not wait", async () => {
  await vrun(async () => {
    const seen: string[] = [];
    const lock = new Lock();
    const t = createTask(async () => {
      await taskGroup(async (tg) => {
        tg.createTask(async () => {
          await Promise.allSettled([sleep(5)]); // absorbs its cancellation
          await shield(createTask(() => sleep(50)));
          throw new RangeError("boom");
        });
        await sleep(100);
      }).catch((e) => seen.push((e as Error).name));
      await timeout(0, () => lock.acquire()); // free: no wait
      lock.release();
      await sleep(1).then(
        () => seen.push("slept"),
        (e) => seen.push((e as Error).name),
      );
    });
    await sleep(1);
    t.cancel();
    await t;
    assert.deepEqual(seen, ["AggregateError", "CancelledError"]);
  });
});

Deno.test("cancel(), uncancel(), cancel() in one job as a waitFor() deadline passes: the task's second cancellation is not turned into TimeoutError", async () => {
  await vrun(async () => {
    const t = createTask(() =>
      waitFor(
        createTask(async () => {
          await shield(createTask(() => sleep(100)));
        }),
        10,
      )
    );
    await sleep(10);
    t.cancel();
    t.uncancel();
    t.cancel();
    await assert.rejects(t, CancelledError);
    assert.equal(t.cancelling(), 1);
  });
});

// Waits left behind

Deno.test("a cancellation that reached a half-done Promise.all is not raised again in the cleanup that caught it", async () => {
  await vrun(async () => {
    const q1 = new Queue<string>();
    const q2 = new Queue<string>();
    const log: string[] = [];
    const task = createTask(async () => {
      try {
        await Promise.all([q1.get(), q2.get()]);
        return "not cancelled";
      } catch (e) {
        log.push(`caught ${(e as Error).name}`);
        await sleep(10); // cleanup: not cancelled again
        log.push("cleaned up");
        return "handled";
      }
    });
    await sleep(1);
    q1.putNowait("a"); // one branch done: the other get() was started before
    await sleep(1);
    task.cancel();
    assert.equal(await task, "handled");
    assert.deepEqual(log, ["caught CancelledError", "cleaned up"]);
    assert.equal(q2.qsize(), 0);
    q2.putNowait("b");
    assert.equal(q2.qsize(), 1, "the cancelled get() took nothing");
  });
});

Deno.test("a cancellation that finds only a get() a Promise.race left behind reaches the code's next wait", async () => {
  await vrun(async () => {
    const q = new Queue<string>();
    const host = Promise.withResolvers<void>();
    const log: string[] = [];
    const task = createTask(async () => {
      await Promise.race([q.get(), sleep(5)]);
      log.push("race over");
      await host.promise; // parked outside the library
      log.push("host settled");
      await sleep(1_000);
      log.push("ran on");
    });
    await sleep(10);
    task.cancel();
    await sleep(10); // two ticks and more: nothing of the task ran
    host.resolve();
    await assert.rejects(task, CancelledError);
    assert.deepEqual(log, ["race over", "host settled"]);
    q.putNowait("x");
    assert.equal(q.qsize(), 1, "the left-behind get() was cancelled");
  });
});

Deno.test("a TimeoutError names the deadline that expired", async () => {
  await vrun(async () => {
    const q = new Queue<number>();
    await assert.rejects(waitFor(q.get(), 10), {
      name: "TimeoutError",
      message: "Timed out: waitFor(10)",
    });
    await assert.rejects(waitFor(q.get(), 0), {
      name: "TimeoutError",
      message: "Timed out: waitFor(0)",
    });
    await assert.rejects(timeout(5, () => q.get()), {
      name: "TimeoutError",
      message: "Timed out: timeout(5)",
    });
  });
});

Deno.test("a deadline that ends a Promise.any of library waits is a TimeoutError, not an AggregateError", async () => {
  await vrun(async () => {
    const q1 = new Queue<number>();
    const q2 = new Queue<number>();
    const error = await timeout(10, () => Promise.any([q1.get(), q2.get()]))
      .catch((e) => e);
    assert.ok(error instanceof TimeoutError, String(error));
    assert.equal(now(), 10);
    // An AggregateError with a failure of its own is the code's, as it is.
    const mixed = await timeout(
      10,
      () => Promise.any([q1.get(), Promise.reject(new Error("boom"))]),
    ).catch((e) => e);
    assert.ok(mixed instanceof AggregateError, String(mixed));
    q1.putNowait(1);
    q2.putNowait(2);
    assert.equal(q1.qsize() + q2.qsize(), 2, "the cancelled gets took nothing");
  });
});
