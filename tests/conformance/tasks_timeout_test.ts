/**
 * Ports of CPython's Lib/test/test_asyncio/test_timeouts.py to aio's
 * `timeout()` / `timeoutAt()`. aio's timeouts are function-scoped
 * (`timeout(ms, (scope) => ...)`), so `async with` re-entry tests
 * (already_entered, double_enter, not_entered) have no equivalent. Python's
 * `__cause__`/`__context__` chains are checked where aio sets `cause`.
 */
import assert from "node:assert/strict";
import {
  CancelledError,
  createTask,
  currentTask,
  sleep,
  taskGroup,
  timeout,
  timeoutAt,
  TimeoutError,
  VirtualClock,
} from "@aio/asyncio";
import type { Timeout } from "@aio/asyncio/task";
import {
  caught,
  divZero,
  errorTypes,
  KeyError,
  newFuture,
  now,
  run,
  ValueError,
  vrun,
  ZeroDivisionError,
} from "./tasks_util.ts";

Deno.test("test_timeout_basic", async () => {
  await vrun(async () => {
    let cm!: Timeout;
    await assert.rejects(
      timeout(10, async (s) => {
        cm = s;
        await sleep(10_000);
      }),
      TimeoutError,
    );
    assert.ok(cm.expired());
  });
});

Deno.test("test_timeout_at_basic", async () => {
  await vrun(async () => {
    let cm!: Timeout;
    const deadline = now() + 10;
    await assert.rejects(
      timeoutAt(deadline, async (s) => {
        cm = s;
        await sleep(10_000);
      }),
      TimeoutError,
    );
    assert.ok(cm.expired());
    assert.equal(cm.when(), deadline);
  });
});

Deno.test("test_nested_timeouts: same deadline, only the outer raises TimeoutError", async () => {
  await vrun(async () => {
    let cancelled = false;
    let cm1!: Timeout, cm2!: Timeout;
    const deadline = now() + 10;
    await assert.rejects(
      timeoutAt(deadline, async (s1) => {
        cm1 = s1;
        try {
          await timeoutAt(deadline, async (s2) => {
            cm2 = s2;
            await sleep(10_000);
          });
        } catch (e) {
          if (e instanceof CancelledError) cancelled = true;
          throw e;
        }
      }),
      TimeoutError,
    );
    assert.ok(cancelled);
    assert.ok(cm1.expired());
    assert.ok(cm2.expired());
  });
});

Deno.test("test_waiter_cancelled: the block's wait sees CancelledError", async () => {
  await vrun(async () => {
    let cancelled = false;
    await assert.rejects(
      timeout(10, async () => {
        try {
          await sleep(10_000);
        } catch (e) {
          if (e instanceof CancelledError) cancelled = true;
          throw e;
        }
      }),
      TimeoutError,
    );
    assert.ok(cancelled);
  });
});

Deno.test("test_timeout_not_called", async () => {
  await vrun(async () => {
    let cm!: Timeout;
    await timeout(10_000, async (s) => {
      cm = s;
      await sleep(10);
    });
    const t1 = now();
    assert.equal(cm.expired(), false);
    assert.ok(cm.when()! > t1);
  });
});

Deno.test("test_timeout_disabled / test_timeout_at_disabled", async () => {
  await vrun(async () => {
    for (const f of [timeout, timeoutAt]) {
      let cm!: Timeout;
      await f(null, async (s) => {
        cm = s;
        await sleep(10);
      });
      assert.equal(cm.expired(), false);
      assert.equal(cm.when(), null);
    }
  });
});

for (
  const [name, limit, ms] of [
    ["test_timeout_zero", 0, 10_000],
    ["test_timeout_zero_sleep_zero", 0, 0],
    ["test_timeout_in_the_past_sleep_zero", -11_000, 0],
  ] as const
) {
  Deno.test(name, async () => {
    await vrun(async () => {
      const t0 = now();
      let cm!: Timeout;
      await assert.rejects(
        timeout(limit, async (s) => {
          cm = s;
          await sleep(ms);
        }),
        TimeoutError,
      );
      const t1 = now();
      assert.ok(cm.expired());
      if (limit === 0) assert.ok(t0 <= cm.when()! && cm.when()! <= t1);
      else assert.ok(cm.when()! <= t0);
    });
  });
}

Deno.test("test_foreign_exception_passed", async () => {
  await vrun(async () => {
    let cm!: Timeout;
    await assert.rejects(
      timeout(10, (s) => {
        cm = s;
        throw new KeyError();
      }),
      KeyError,
    );
    assert.equal(cm.expired(), false);
  });
});

Deno.test("test_timeout_exception_context: an error unwinding through an awaiting finally becomes TimeoutError", async () => {
  await vrun(async () => {
    const e = await caught(() =>
      timeout(10, async () => {
        try {
          divZero();
        } finally {
          await sleep(1000);
        }
      })
    );
    assert.ok(e instanceof TimeoutError);
    assert.ok(e.cause instanceof CancelledError);
  });
});

Deno.test("test_foreign_exception_on_timeout: an error raised in cleanup passes the timeout", async () => {
  await vrun(async () => {
    const crash = async () => {
      try {
        await sleep(1000);
      } finally {
        divZero();
      }
    };
    await assert.rejects(timeout(10, crash), ZeroDivisionError);
  });
});

Deno.test("test_foreign_exception_on_timeout_2", async () => {
  await vrun(async () => {
    await assert.rejects(
      timeout(10, async () => {
        try {
          try {
            throw new ValueError();
          } finally {
            await sleep(1000);
          }
        } finally {
          try {
            // deno-lint-ignore no-unsafe-finally
            throw new KeyError();
          } finally {
            divZero();
          }
        }
      }),
      ZeroDivisionError,
    );
  });
});

Deno.test("test_foreign_cancel_doesnt_timeout_if_not_expired", async () => {
  await vrun(async () => {
    await createTask(async () => {
      let cm!: Timeout;
      await assert.rejects(
        timeout(10_000, async (s) => {
          cm = s;
          currentTask()!.cancel();
          await sleep(10_000);
        }),
        CancelledError,
      );
      assert.equal(cm.expired(), false);
    }).catch(() => {});
  });
});

Deno.test("test_outer_task_is_not_cancelled", async () => {
  await vrun(async () => {
    const task = createTask(async () => {
      await assert.rejects(timeout(1, () => sleep(10_000)), TimeoutError);
    });
    await task;
    assert.equal(task.cancelled(), false);
    assert.ok(task.done());
  });
});

// CPython blocks the loop with time.sleep(); a VirtualClock stands still
// while code runs, so the port moves it with clock.advance().
Deno.test("test_nested_timeouts_concurrent: the outer deadline passes during the inner block", async () => {
  const clock = new VirtualClock();
  await run(async () => {
    await assert.rejects(
      timeout(2, async () => {
        await timeout(100, async () => {
          clock.advance(10); // "crunch some numbers"
          await sleep(1000);
        });
      }),
      TimeoutError,
    );
  }, { clock });
});

Deno.test("test_nested_timeouts_loop_busy: both deadlines passed while the loop was busy", async () => {
  const clock = new VirtualClock();
  await run(async () => {
    const t0 = now();
    await assert.rejects(
      timeout(100, async () => {
        // CPython's `with self.assertRaises(TimeoutError)` lets any other
        // error through; both deadlines fired in one tick, so the inner
        // block ends with the outer's CancelledError (as in CPython, where
        // the inner timeout's uncancel() leaves the count above its own).
        try {
          await timeout(10, async () => {
            clock.advance(100); // "the loop is busy"
            await sleep(1000);
          });
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
        }
        await sleep(10_000); // interrupted by the outer deadline
      }),
      TimeoutError,
    );
    const t1 = now();
    assert.ok(t0 <= t1 && t1 <= t0 + 1000);
  }, { clock });
});

Deno.test("test_reschedule: when() moves; cancel then is not a timeout", async () => {
  await vrun(async () => {
    const fut = newFuture<Timeout>();
    const deadline1 = now() + 10_000;
    const deadline2 = deadline1 + 20_000;
    const task = createTask(() =>
      timeoutAt(deadline1, async (cm) => {
        fut.setResult(cm);
        await sleep(50_000);
      })
    );
    const cm = await fut;
    assert.equal(cm.when(), deadline1);
    cm.reschedule(deadline2);
    assert.equal(cm.when(), deadline2);
    cm.reschedule(null);
    assert.equal(cm.when(), null);
    task.cancel();
    await assert.rejects(task, CancelledError);
    assert.equal(cm.expired(), false);
  });
});

Deno.test("test_repr_active / test_repr_expired / test_repr_finished / test_repr_disabled", async () => {
  await vrun(async () => {
    let cm!: Timeout;
    await timeout(10_000, (s) => {
      assert.match(String(s), /^Timeout\(active, when=\d+(\.\d*)?\)$/);
      cm = s;
    });
    assert.match(String(cm), /finished/);
    await assert.rejects(
      timeout(10, async (s) => {
        cm = s;
        await sleep(10_000);
      }),
      TimeoutError,
    );
    assert.match(String(cm), /expired/);
    await timeout(null, (s) => {
      assert.match(String(s), /^Timeout\(active/);
      assert.doesNotMatch(String(s), /when=\d/);
    });
  });
});

Deno.test("test_nested_timeout_in_finally: a timeout in the finally of an expired one", async () => {
  await vrun(async () => {
    let inner: unknown;
    const e1 = await caught(() =>
      timeout(10, async () => {
        try {
          await sleep(1000);
        } finally {
          inner = await caught(() => timeout(10, () => sleep(10_000)));
        }
      })
    );
    assert.ok(e1 instanceof TimeoutError);
    assert.ok(e1.cause instanceof CancelledError);
    assert.ok(inner instanceof TimeoutError);
    assert.ok(inner.cause instanceof CancelledError);
    assert.notEqual(inner.cause, e1.cause);
  });
});

Deno.test("test_timeout_after_cancellation: timeout(0) in cleanup after a caught cancel", async () => {
  await vrun(async () => {
    await createTask(async () => {
      try {
        currentTask()!.cancel();
        await sleep(1000);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      } finally {
        await assert.rejects(timeout(0, () => sleep(1000)), TimeoutError);
      }
    });
  });
});

Deno.test("test_cancel_in_timeout_after_cancellation", async () => {
  await vrun(async () => {
    await createTask(async () => {
      try {
        currentTask()!.cancel();
        await sleep(1000);
      } catch (e) {
        if (!(e instanceof CancelledError)) throw e;
      } finally {
        await assert.rejects(
          timeout(1000, async () => {
            currentTask()!.cancel();
            await sleep(2000);
          }),
          CancelledError,
        );
      }
    });
  });
});

Deno.test("test_timeout_finished: reschedule() after the block", async () => {
  await vrun(async () => {
    let cm!: Timeout;
    await timeout(10, (s) => {
      cm = s;
    });
    assert.throws(() => cm.reschedule(now() + 20), Error);
  });
});

Deno.test("test_timeout_expired: reschedule() after expiry", async () => {
  await vrun(async () => {
    let cm!: Timeout;
    await assert.rejects(
      timeout(10, async (s) => {
        cm = s;
        await sleep(1000);
      }),
      TimeoutError,
    );
    assert.throws(() => cm.reschedule(now() + 20), Error);
  });
});

Deno.test("test_timeout_expiring: reschedule() inside the block after the deadline", async () => {
  await vrun(async () => {
    await timeout(10, async (cm) => {
      await assert.rejects(sleep(1000), CancelledError);
      assert.throws(() => cm.reschedule(now() + 20), Error);
    });
  });
});

Deno.test("test_timeout_without_task: timeout() outside a task", async () => {
  await assert.rejects(async () => await timeout(10, () => {}), Error);
});

Deno.test("test_timeout_taskgroup: deadline over a group whose child fails in cleanup", async () => {
  await vrun(async () => {
    const e = await caught(() =>
      timeout(10, () =>
        taskGroup(async (tg) => {
          tg.createTask(async () => {
            try {
              await sleep(2000);
            } finally {
              divZero();
            }
          });
          try {
            throw new ValueError();
          } finally {
            await sleep(1000);
          }
        }))
    );
    assert.ok(e instanceof AggregateError, String(e));
    assert.equal(e.errors.length, 1);
    assert.deepEqual(errorTypes(e), new Set(["ZeroDivisionError"]));
  });
});
