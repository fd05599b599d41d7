import assert from "node:assert/strict";
import { CancelledError } from "../loop/errors.ts";
import { TimeoutError } from "./errors.ts";
import { sleep } from "./sleep.ts";
import { createTask, currentTask, type Task } from "./task.ts";
import { TaskGroup, taskGroup } from "./task_group.ts";
import { timeout } from "./timeout.ts";
import { now, vrun } from "./_test_util.ts";

/** A child that sleeps `ms`, logging whether it finished or was cancelled. */
function child(log: unknown[], name: string, ms: number) {
  return async () => {
    try {
      await sleep(ms);
      log.push([name, "done", now()]);
      return name;
    } catch (e) {
      log.push([name, (e as Error).name, now()]);
      throw e;
    }
  };
}

function failing(log: unknown[], name: string, ms: number) {
  return async () => {
    await sleep(ms);
    log.push([name, "fails", now()]);
    throw new Error(name);
  };
}

function messages(e: unknown): string[] {
  assert.ok(e instanceof AggregateError, `expected AggregateError, got ${e}`);
  return e.errors.map((x: Error) => x.message);
}

Deno.test("taskGroup() waits for every child and returns the body's result", async () => {
  const log: unknown[] = [];
  const result = await vrun(async () => {
    let a: Task<string> | undefined;
    const body = await taskGroup(async (tg) => {
      a = tg.createTask(child(log, "a", 20));
      tg.createTask(child(log, "b", 10));
      await sleep(5);
      log.push(["body done", now()]);
      return "body";
    });
    return [body, a!.result(), now()];
  });
  assert.deepEqual(log, [
    ["body done", 5],
    ["b", "done", 10],
    ["a", "done", 20],
  ]);
  assert.deepEqual(result, ["body", "a", 20]);
});

Deno.test("the first failing child cancels the others and the body", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    try {
      await taskGroup(async (tg) => {
        tg.createTask(child(log, "slow", 1000));
        tg.createTask(failing(log, "bad", 10));
        try {
          await sleep(1000);
        } catch (e) {
          log.push(["body", (e as Error).name, now()]);
          throw e;
        }
      });
    } catch (e) {
      log.push(["group", messages(e), now()]);
    }
    log.push(["cancelling", currentTask()!.cancelling()]);
    await sleep(1);
    log.push(["parent goes on", now()]);
  });
  assert.deepEqual(log, [
    ["bad", "fails", 10],
    ["slow", "CancelledError", 10],
    ["body", "CancelledError", 10],
    ["group", ["bad"], 10],
    ["cancelling", 0],
    ["parent goes on", 11],
  ]);
});

Deno.test("every real failure is in the AggregateError, cancellations are left out", async () => {
  const log: unknown[] = [];
  const errors = await vrun(async () => {
    try {
      await taskGroup((tg) => {
        tg.createTask(failing(log, "first", 10));
        tg.createTask(async () => {
          try {
            await sleep(1000);
          } finally {
            // deno-lint-ignore no-unsafe-finally
            throw new Error("second, while cancelled");
          }
        });
        tg.createTask(child(log, "quiet", 1000));
      });
    } catch (e) {
      return messages(e);
    }
    return [];
  });
  assert.deepEqual(errors, ["first", "second, while cancelled"]);
});

Deno.test("an error of the body cancels the children and joins the AggregateError", async () => {
  const log: unknown[] = [];
  const result = await vrun(async () => {
    try {
      await taskGroup(async (tg) => {
        tg.createTask(child(log, "a", 1000));
        await sleep(10);
        throw new RangeError("body");
      });
    } catch (e) {
      return [messages(e), now()];
    }
    return [];
  });
  assert.deepEqual(log, [["a", "CancelledError", 10]]);
  assert.deepEqual(result, [["body"], 10]);
});

Deno.test("a cancellation from outside while the body waits cancels the children and propagates", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    const parent = createTask(() =>
      taskGroup(async (tg) => {
        tg.createTask(child(log, "a", 1000));
        tg.createTask(child(log, "b", 1000));
        await sleep(1000);
      })
    );
    await sleep(10);
    parent.cancel("outside");
    try {
      await parent;
    } catch (e) {
      log.push(["parent", (e as Error).name, (e as Error).message, now()]);
    }
  });
  assert.deepEqual(log, [
    ["a", "CancelledError", 10],
    ["b", "CancelledError", 10],
    ["parent", "CancelledError", "outside", 10],
  ]);
});

Deno.test("a cancellation from outside while the group waits at its end propagates", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    const parent = createTask(() =>
      taskGroup((tg) => {
        tg.createTask(child(log, "a", 1000));
      })
    );
    await sleep(10);
    parent.cancel();
    await assert.rejects(parent, CancelledError);
    log.push(["parent cancelled", parent.cancelled(), now()]);
  });
  assert.deepEqual(log, [
    ["a", "CancelledError", 10],
    ["parent cancelled", true, 10],
  ]);
});

Deno.test("a child failure during an outside cancellation wins, and the cancellation stays pending", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    const parent = createTask(async () => {
      try {
        await taskGroup(async (tg) => {
          tg.createTask(async () => {
            try {
              await sleep(1000);
            } finally {
              // deno-lint-ignore no-unsafe-finally
              throw new Error("cleanup failed");
            }
          });
          await sleep(1000);
        });
      } catch (e) {
        log.push(["group", messages(e), currentTask()!.cancelling()]);
      }
      try {
        await sleep(1);
        log.push("not reached");
      } catch (e) {
        log.push(["next wait", (e as Error).name]);
        throw e;
      }
    });
    await sleep(10);
    parent.cancel();
    await assert.rejects(parent, CancelledError);
  });
  assert.deepEqual(log, [
    ["group", ["cleanup failed"], 1],
    ["next wait", "CancelledError"],
  ]);
});

Deno.test("createTask() after the group finished throws", async () => {
  await vrun(async () => {
    let saved: TaskGroup | undefined;
    await taskGroup((tg) => {
      saved = tg;
    });
    assert.throws(() => saved!.createTask(() => sleep(1)), /is finished/);
  });
});

Deno.test("createTask() while the group shuts down after a failure throws", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    await assert.rejects(
      taskGroup(async (tg) => {
        tg.createTask(failing(log, "bad", 1));
        try {
          await sleep(100);
        } catch {
          try {
            tg.createTask(() => sleep(1));
          } catch (e) {
            log.push((e as Error).message);
          }
        }
      }),
      AggregateError,
    );
  });
  assert.match(String(log[1]), /shutting down/);
});

Deno.test("children can add children while the group waits at its end", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    await taskGroup((tg) => {
      tg.createTask(async () => {
        await sleep(10);
        tg.createTask(child(log, "late", 10));
      });
    });
    log.push(["group done", now()]);
  });
  assert.deepEqual(log, [["late", "done", 20], ["group done", 20]]);
});

Deno.test("a timeout around a group throws TimeoutError, not AggregateError", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    try {
      await timeout(10, () =>
        taskGroup((tg) => {
          tg.createTask(child(log, "a", 1000));
        }));
    } catch (e) {
      log.push([(e as Error).name, now(), currentTask()!.cancelling()]);
    }
  });
  assert.deepEqual(log, [
    ["a", "CancelledError", 10],
    ["TimeoutError", 10, 0],
  ]);
});

Deno.test("a group failure inside a timeout stays an AggregateError", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    try {
      await timeout(1000, () =>
        taskGroup((tg) => {
          tg.createTask(failing(log, "bad", 10));
        }));
    } catch (e) {
      log.push([messages(e), e instanceof TimeoutError]);
    }
  });
  assert.deepEqual(log, [["bad", "fails", 10], [["bad"], false]]);
});

Deno.test("nested groups: an inner failure reaches the outer group", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    try {
      await taskGroup((outer) => {
        outer.createTask(child(log, "outer child", 1000));
        outer.createTask(() =>
          taskGroup((inner) => {
            inner.createTask(child(log, "inner child", 1000));
            inner.createTask(failing(log, "inner bad", 10));
          })
        );
      });
    } catch (e) {
      assert.ok(e instanceof AggregateError);
      const nested = e.errors[0];
      assert.ok(nested instanceof AggregateError);
      log.push(["nested", messages(nested)]);
    }
  });
  assert.deepEqual(log, [
    ["inner bad", "fails", 10],
    ["inner child", "CancelledError", 10],
    ["outer child", "CancelledError", 10],
    ["nested", ["inner bad"]],
  ]);
});

Deno.test("children receive their task's signal", async () => {
  const result = await vrun(() =>
    taskGroup((tg) => {
      const t = tg.createTask((signal) => signal instanceof AbortSignal, {
        name: "with signal",
      });
      return t.name;
    })
  );
  assert.equal(result, "with signal");
});

Deno.test("TaskGroup outside a task throws", () => {
  assert.throws(() => new TaskGroup(), /not inside a task/);
});

Deno.test("await using: leaving the block waits for the children", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    {
      await using tg = new TaskGroup();
      tg.createTask(child(log, "a", 10));
      tg.createTask(child(log, "b", 5));
    }
    log.push(["after block", now()]);
  });
  assert.deepEqual(log, [
    ["b", "done", 5],
    ["a", "done", 10],
    ["after block", 10],
  ]);
});

Deno.test("await using: a failing child cancels the others and throws AggregateError", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    try {
      await using tg = new TaskGroup();
      tg.createTask(child(log, "a", 1000));
      tg.createTask(failing(log, "bad", 10));
    } catch (e) {
      log.push(["group", messages(e), currentTask()!.cancelling()]);
    }
  });
  assert.deepEqual(log, [
    ["bad", "fails", 10],
    ["a", "CancelledError", 10],
    ["group", ["bad"], 0],
  ]);
});

Deno.test("await using: a failure that interrupts the body comes as a SuppressedError", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    try {
      await using tg = new TaskGroup();
      tg.createTask(failing(log, "bad", 10));
      await sleep(1000);
    } catch (e) {
      assert.ok(e instanceof SuppressedError);
      assert.ok(e.suppressed instanceof CancelledError);
      log.push(["group", messages(e.error), now()]);
    }
  });
  assert.deepEqual(log, [["bad", "fails", 10], ["group", ["bad"], 10]]);
});

Deno.test("await using: an outside cancellation of the body cancels the children", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    const parent = createTask(async () => {
      await using tg = new TaskGroup();
      tg.createTask(child(log, "a", 1000));
      await sleep(1000);
    });
    await sleep(10);
    parent.cancel();
    try {
      await parent;
    } catch (e) {
      log.push(["parent", (e as Error).name, now()]);
    }
  });
  assert.deepEqual(log, [
    ["a", "CancelledError", 10],
    ["parent", "CancelledError", 10],
  ]);
});

Deno.test("await using: an outside cancellation at the end of the block propagates", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    const parent = createTask(async () => {
      await using tg = new TaskGroup();
      tg.createTask(child(log, "a", 1000));
    });
    await sleep(10);
    parent.cancel();
    try {
      await parent;
    } catch (e) {
      log.push(["parent", (e as Error).name, now()]);
    }
  });
  assert.deepEqual(log, [
    ["a", "CancelledError", 10],
    ["parent", "CancelledError", 10],
  ]);
});

Deno.test("await using: the body's own error does not cancel the children", async () => {
  const log: unknown[] = [];
  await vrun(async () => {
    try {
      await using tg = new TaskGroup();
      tg.createTask(child(log, "a", 10));
      throw new RangeError("body");
    } catch (e) {
      log.push([(e as Error).message, now()]);
    }
  });
  // JS does not tell the disposer about the body's error (documented).
  assert.deepEqual(log, [["a", "done", 10], ["body", 10]]);
});

Deno.test("TaskGroup describes itself", async () => {
  const result = await vrun(async () => {
    const seen: string[] = [];
    await assert.rejects(taskGroup(async (tg) => {
      seen.push(String(tg));
      tg.createTask(() => sleep(100));
      tg.createTask(async () => {
        await sleep(1);
        throw new Error("x");
      });
      seen.push(String(tg));
      try {
        await sleep(100);
      } catch {
        seen.push(String(tg));
      }
    }));
    return seen;
  });
  assert.deepEqual(result, [
    "TaskGroup(entered)",
    "TaskGroup(tasks=2, entered)",
    "TaskGroup(tasks=1, errors=1, cancelling)",
  ]);
});

// User port 10 (trio's nursery N7): the children are cancelled in the
// deadline's own callback, before a child due at the same instant resumes.
Deno.test("a deadline cancels a group's children before one due at the same instant wakes", async () => {
  const log = await vrun(async () => {
    const log: string[] = [];
    try {
      await timeout(1000, () =>
        taskGroup((tg) => {
          tg.createTask(async () => {
            try {
              await sleep(1000);
              log.push("child woke");
              throw new Error("Boom");
            } catch (e) {
              log.push(`child ${(e as Error).name}`);
              throw e;
            }
          });
        }));
    } catch (e) {
      log.push(`block ${(e as Error).name}`);
    }
    return log;
  });
  assert.deepEqual(log, ["child CancelledError", "block TimeoutError"]);
});

/** Stands for `fetch(url, { signal })` to a server that never answers. */
function nativeWait(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason));
  });
}

Deno.test("taskGroup(): a body that ends with a CancelledError nothing enclosing sent aborts tg.signal and propagates it", async () => {
  // asyncio: a body raising CancelledError (from a task it awaited that
  // another party cancelled) cancels the children, and the group re-raises
  // it once they are done.
  for (const how of ["awaited task", "thrown"]) {
    const out = await vrun(async () => {
      let signal: AbortSignal | undefined;
      const other = createTask(() => sleep(1000));
      createTask(async () => {
        await sleep(10);
        other.cancel("third party");
      });
      const error = await timeout(1000, () =>
        taskGroup(async (tg) => {
          signal = tg.signal;
          tg.createTask(() => nativeWait(tg.signal));
          if (how === "thrown") {
            await sleep(10);
            throw new CancelledError("by hand");
          }
          await other;
        })).catch((e) => e);
      return {
        error: (error as Error).name,
        aborted: signal?.aborted,
        at: now(),
        cancelling: currentTask()!.cancelling(),
      };
    });
    assert.deepEqual(out, {
      error: "CancelledError",
      aborted: true,
      at: 10,
      cancelling: 0,
    }, how);
  }
});

Deno.test("taskGroup(): a Promise.any in the body that every cancellation ended is a cancellation, not a failure", async () => {
  // As timeout() takes it (a deadline that ends a Promise.any of library
  // waits is a TimeoutError): the AggregateError holds only CancelledErrors.
  const body = (tg: TaskGroup) => {
    tg.createTask(() => sleep(100));
    return Promise.any([sleep(50), sleep(60)]);
  };
  const out = await vrun(async () => {
    const me = currentTask()!;
    // The task is cancelled: the group passes the cancellation on.
    const killer = createTask(async () => {
      await sleep(2);
      me.cancel("outer");
    });
    const cancelled = await taskGroup(body).catch((e) => e);
    await killer;
    me.uncancel();
    // A deadline: TimeoutError.
    const timedOut = await timeout(5, () => taskGroup(body)).catch((e) => e);
    // A failing child: its error alone, the body's cancellation left out.
    const failed = await taskGroup((tg) => {
      tg.createTask(async () => {
        await sleep(2);
        throw new RangeError("child");
      });
      return body(tg);
    }).catch((e) => e);
    return [
      String(cancelled),
      (timedOut as Error).name,
      messages(failed),
      now(),
    ];
  });
  assert.deepEqual(out, ["CancelledError: outer", "TimeoutError", [
    "child",
  ], 9]);
});
