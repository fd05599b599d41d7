/**
 * Property tests: random programs of tasks doing acquire/release,
 * put/get, wait/notify and barrier waits, with random cancellations and
 * signal aborts, run in batches of commands that race in one tick, on
 * the virtual clock. Invariants are checked after every step.
 *
 * CI runs a fixed seed (42) and a small number of runs per property. Set
 * `AIO_PROPERTY_RUNS` for more runs and `AIO_PROPERTY_SEED` for another
 * seed, e.g. `AIO_PROPERTY_RUNS=2000 deno test --allow-all
 * sync/sync_property_test.ts`.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import {
  BrokenBarrierError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
} from "./mod.ts";
import {
  CancelledError,
  createTask,
  currentTask,
  sleep,
  type Task,
} from "../task/mod.ts";
import { Barrier } from "./barrier.ts";
import { BoundedSemaphore } from "./bounded_semaphore.ts";
import { Condition } from "./condition.ts";
import { Lock } from "./lock.ts";
import { Queue } from "./queue.ts";
import { Semaphore } from "./semaphore.ts";
import type { SignalOptions } from "../loop/signal_options.ts";
import { ticks, vrun } from "../task/_test_util.ts";

function envNumber(name: string): number | undefined {
  try {
    const v = Deno.env.get(name);
    return v === undefined ? undefined : Number(v);
  } catch {
    return undefined; // no --allow-env: use the defaults
  }
}

const PARAMS = {
  seed: envNumber("AIO_PROPERTY_SEED") ?? 42,
  numRuns: envNumber("AIO_PROPERTY_RUNS") ?? 300,
};

/** Live tasks and their abort controllers. */
class Crowd {
  tasks: Task<unknown>[] = [];
  controllers = new Map<Task<unknown>, AbortController>();

  spawn(
    fn: (options: SignalOptions | undefined) => Promise<unknown>,
    withSignal: boolean,
  ): void {
    const controller = withSignal ? new AbortController() : undefined;
    const options = controller ? { signal: controller.signal } : undefined;
    const task = createTask(() => fn(options));
    // Failures are checked through the invariants; keep them retrieved.
    task.catch(() => {});
    this.tasks.push(task);
    if (controller) this.controllers.set(task, controller);
  }

  live(): Task<unknown>[] {
    return this.tasks.filter((t) => !t.done());
  }

  cancel(pick: number): void {
    const live = this.live();
    if (live.length > 0) live[pick % live.length]!.cancel();
  }

  abort(pick: number): void {
    const live = this.live().filter((t) => this.controllers.has(t));
    if (live.length > 0) {
      this.controllers.get(live[pick % live.length]!)!.abort(
        new Error("aborted by the program"),
      );
    }
  }

  /** Every task is done or failed only with a cancellation or abort. */
  checkFailures(): void {
    for (const t of this.tasks) {
      if (!t.done() || t.cancelled()) continue;
      const e = t.exception();
      if (e === undefined || e instanceof CancelledError) continue;
      if (e instanceof Error && e.message === "aborted by the program") {
        continue;
      }
      if (e instanceof QueueShutDown || e instanceof BrokenBarrierError) {
        continue;
      }
      throw e;
    }
  }
}

// ---------------------------------------------------------------------------
// Lock-like primitives: never more holders than permits, nobody waiting
// while the resource is free, everything free at the end.

type LockCmd =
  | { kind: "spawn"; hold: number; signal: boolean; guard: boolean }
  | { kind: "spawnHeld"; signal: boolean }
  | { kind: "releaseHeld" }
  | { kind: "cancel"; pick: number }
  | { kind: "abort"; pick: number }
  | { kind: "sleep"; ms: number };

const lockCmd: fc.Arbitrary<LockCmd> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("spawn" as const),
      hold: fc.integer({ min: 0, max: 3 }),
      signal: fc.boolean(),
      guard: fc.boolean(),
    }),
    weight: 4,
  },
  fc.record({ kind: fc.constant("spawnHeld" as const), signal: fc.boolean() }),
  {
    arbitrary: fc.record({ kind: fc.constant("releaseHeld" as const) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("cancel" as const),
      pick: fc.nat(),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("abort" as const),
      pick: fc.nat(),
    }),
    weight: 2,
  },
  fc.record({
    kind: fc.constant("sleep" as const),
    ms: fc.integer({ min: 0, max: 2 }),
  }),
);

/** A batch of commands run in the same tick, so they race each other. */
const lockProgram = fc.array(
  fc.array(lockCmd, { minLength: 1, maxLength: 3 }),
  {
    minLength: 1,
    maxLength: 25,
  },
);

/** The number of waiters in line, as the primitive's description shows it. */
function inLine(p: object): number {
  return Number(/waiters=(\d+)/.exec(String(p))?.[1] ?? 0);
}

interface LockLike {
  acquire(options?: SignalOptions): Promise<true>;
  release(): void;
  locked(): boolean;
  lock(options?: SignalOptions): Promise<Disposable>;
}

async function runLockProgram(
  make: () => LockLike,
  permits: number,
  free: (p: LockLike) => number,
  program: LockCmd[][],
): Promise<void> {
  await vrun(async () => {
    const p = make();
    const crowd = new Crowd();
    let holders = 0;
    let waiting = 0;
    /** Acquired by tasks that left the release to the program. */
    let heldForProgram = 0;

    const enter = (): void => {
      holders++;
      assert.ok(
        holders <= permits,
        `${holders} holders of a primitive with ${permits} permit(s)`,
      );
    };
    const acquire = async (options: SignalOptions | undefined) => {
      waiting++;
      try {
        await p.acquire(options);
      } finally {
        waiting--;
      }
      enter();
    };
    const check = (): void => {
      assert.ok(holders <= permits);
      assert.ok(
        free(p) + holders <= permits,
        `free ${free(p)} + holders ${holders} > ${permits}`,
      );
      if (free(p) > 0) {
        // Waiters handed a permit have left the line but may not have run
        // yet: the ones still in line must be none.
        assert.equal(
          inLine(p),
          0,
          "a waiter hangs in line while the resource is free",
        );
      }
      assert.equal(p.locked(), free(p) === 0);
      crowd.checkFailures();
    };

    for (const batch of program) {
      for (const cmd of batch) {
        switch (cmd.kind) {
          case "spawn":
            crowd.spawn(async (options) => {
              if (cmd.guard) {
                waiting++;
                let guard: Disposable;
                try {
                  guard = await p.lock(options);
                } finally {
                  waiting--;
                }
                using _ = guard;
                enter();
                try {
                  await sleep(cmd.hold);
                } finally {
                  holders--;
                }
              } else {
                await acquire(options);
                try {
                  await sleep(cmd.hold);
                } finally {
                  holders--;
                  p.release();
                }
              }
            }, cmd.signal);
            break;
          case "spawnHeld":
            crowd.spawn(async (options) => {
              await acquire(options);
              heldForProgram++;
            }, cmd.signal);
            break;
          case "releaseHeld":
            if (heldForProgram > 0) {
              heldForProgram--;
              holders--;
              p.release();
            }
            break;
          case "cancel":
            crowd.cancel(cmd.pick);
            break;
          case "abort":
            crowd.abort(cmd.pick);
            break;
          case "sleep":
            await sleep(cmd.ms);
            break;
        }
      }
      await ticks();
      check();
    }
    // Wind down: give back what the program holds, let the holds end.
    for (let round = 0; round < 100 && crowd.live().length > 0; round++) {
      while (heldForProgram > 0) {
        heldForProgram--;
        holders--;
        p.release();
      }
      await sleep(5);
      check();
    }
    while (heldForProgram > 0) {
      heldForProgram--;
      holders--;
      p.release();
    }
    assert.equal(crowd.live().length, 0, "a task hangs at the end");
    assert.equal(waiting, 0);
    assert.equal(holders, 0);
    assert.equal(free(p), permits, "a permit was lost");
    crowd.checkFailures();
  });
}

const lockLikes: [string, () => LockLike, number, (p: LockLike) => number][] = [
  ["Lock", () => new Lock(), 1, (p) => p.locked() ? 0 : 1],
  ["Semaphore(1)", () => new Semaphore(1), 1, (p) => (p as Semaphore).value],
  ["Semaphore(3)", () => new Semaphore(3), 3, (p) => (p as Semaphore).value],
  [
    "BoundedSemaphore(2)",
    () => new BoundedSemaphore(2),
    2,
    (p) => (p as Semaphore).value,
  ],
  ["Condition", () => new Condition(), 1, (p) => p.locked() ? 0 : 1],
];

for (const [name, make, permits, free] of lockLikes) {
  Deno.test(`${name} under random acquire/release/cancel/abort never exceeds its permits and never strands a waiter`, async () => {
    await fc.assert(
      fc.asyncProperty(
        lockProgram,
        (program) => runLockProgram(make, permits, free, program),
      ),
      PARAMS,
    );
  });
}

// ---------------------------------------------------------------------------
// Queue: every item put is got exactly once or still queued; a cancelled
// put() never inserts; nobody waits on a queue that could serve them.

type QueueCmd =
  | { kind: "put"; signal: boolean }
  | { kind: "get"; signal: boolean }
  | { kind: "putNowait" }
  | { kind: "getNowait" }
  | { kind: "cancel"; pick: number }
  | { kind: "abort"; pick: number }
  | { kind: "sleep"; ms: number }
  | { kind: "shutdown"; immediate: boolean };

const queueCmd: fc.Arbitrary<QueueCmd> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("put" as const),
      signal: fc.boolean(),
    }),
    weight: 20,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("get" as const),
      signal: fc.boolean(),
    }),
    weight: 20,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("putNowait" as const) }),
    weight: 5,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("getNowait" as const) }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("cancel" as const),
      pick: fc.nat(),
    }),
    weight: 10,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("abort" as const),
      pick: fc.nat(),
    }),
    weight: 10,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("sleep" as const),
      ms: fc.integer({ min: 0, max: 2 }),
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("shutdown" as const),
      immediate: fc.boolean(),
    }),
    weight: 1,
  },
);

const queueProgram = fc.record({
  maxsize: fc.integer({ min: 0, max: 3 }),
  steps: fc.array(fc.array(queueCmd, { minLength: 1, maxLength: 3 }), {
    minLength: 1,
    maxLength: 30,
  }),
});

async function runQueueProgram(
  { maxsize, steps }: { maxsize: number; steps: QueueCmd[][] },
): Promise<void> {
  await vrun(async () => {
    const q = new Queue<number>(maxsize);
    const crowd = new Crowd();
    let nextItem = 0;
    const putDone = new Set<number>();
    const putFailed = new Set<number>();
    const got: number[] = [];
    let dropped = 0;
    let waitingGetters = 0;
    let waitingPutters = 0;

    const check = (): void => {
      const gotSet = new Set(got);
      assert.equal(gotSet.size, got.length, "an item was got twice");
      for (const item of got) {
        assert.ok(
          !putFailed.has(item),
          `item ${item} of a failed put() got in`,
        );
        assert.ok(putDone.has(item), `item ${item} was got before its put()`);
      }
      assert.equal(
        q.qsize(),
        putDone.size - got.length - dropped,
        "qsize() does not match the items put minus the items got",
      );
      if (maxsize > 0) assert.ok(q.qsize() <= maxsize);
      if (q.qsize() > 0) {
        assert.equal(waitingGetters, 0, "a getter waits on a non-empty queue");
      }
      if (!q.full() || q.isShutdown()) {
        assert.equal(waitingPutters, 0, "a putter waits on a queue with room");
      }
      crowd.checkFailures();
    };

    for (const batch of steps) {
      for (const cmd of batch) {
        switch (cmd.kind) {
          case "put": {
            const item = nextItem++;
            crowd.spawn(async (options) => {
              waitingPutters++;
              try {
                await q.put(item, options);
              } catch (e) {
                putFailed.add(item);
                throw e;
              } finally {
                waitingPutters--;
              }
              putDone.add(item);
            }, cmd.signal);
            break;
          }
          case "get":
            crowd.spawn(async (options) => {
              waitingGetters++;
              let item: number;
              try {
                item = await q.get(options);
              } finally {
                waitingGetters--;
              }
              got.push(item);
            }, cmd.signal);
            break;
          case "putNowait": {
            const item = nextItem++;
            try {
              q.putNowait(item);
              putDone.add(item);
            } catch (e) {
              if (!(e instanceof QueueFull || e instanceof QueueShutDown)) {
                throw e;
              }
              putFailed.add(item);
            }
            break;
          }
          case "getNowait":
            try {
              got.push(q.getNowait());
            } catch (e) {
              if (!(e instanceof QueueEmpty || e instanceof QueueShutDown)) {
                throw e;
              }
            }
            break;
          case "cancel":
            crowd.cancel(cmd.pick);
            break;
          case "abort":
            crowd.abort(cmd.pick);
            break;
          case "sleep":
            await sleep(cmd.ms);
            break;
          case "shutdown":
            if (cmd.immediate) dropped += q.qsize();
            q.shutdown(cmd.immediate);
            break;
        }
      }
      await ticks();
      check();
    }
    // Wind down: shut down, drain, and every task must end.
    q.shutdown();
    const drained: number[] = [];
    while (!q.empty()) drained.push(q.getNowait());
    await ticks(4);
    assert.equal(crowd.live().length, 0, "a task hangs after shutdown");
    for (const item of drained) {
      assert.ok(putDone.has(item) && !got.includes(item));
    }
    assert.equal(
      got.length + drained.length + dropped,
      putDone.size,
      "an item was lost",
    );
    crowd.checkFailures();
  });
}

Deno.test("Queue under random put/get/cancel/abort/shutdown loses no item and inserts none from a failed put", async () => {
  await fc.assert(fc.asyncProperty(queueProgram, runQueueProgram), PARAMS);
});

// ---------------------------------------------------------------------------
// Condition: at most one holder, wait() always returns holding the lock,
// notify(n) wakes exactly min(n, live waiters), a notification reaching a
// waiter cancelled at that moment passes on, nobody left waiting.

type CondCmd =
  | { kind: "waiter"; signal: boolean }
  | {
    kind: "notify";
    n: number;
    race: "none" | "cancel" | "abort";
    pick: number;
  }
  | { kind: "cancel"; pick: number }
  | { kind: "abort"; pick: number };

const condCmd: fc.Arbitrary<CondCmd> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("waiter" as const),
      signal: fc.boolean(),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("notify" as const),
      n: fc.integer({ min: 0, max: 4 }),
      race: fc.constantFrom(
        "none" as const,
        "cancel" as const,
        "abort" as const,
      ),
      pick: fc.nat(),
    }),
    weight: 3,
  },
  fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("abort" as const), pick: fc.nat() }),
);

async function runConditionProgram(program: CondCmd[]): Promise<void> {
  await vrun(async () => {
    const cond = new Condition();
    const crowd = new Crowd();
    let holders = 0;
    /** Tasks inside wait(), between the call and its return or throw. */
    let queued = 0;
    /** The tasks inside wait(), in the order they entered. */
    const inWait: Task<unknown>[] = [];
    let returned = 0;
    let threw = 0;

    const enter = (): void => {
      holders++;
      assert.equal(holders, 1, "two holders of a condition's lock");
      assert.ok(cond.locked());
    };

    const settle = async (): Promise<void> => {
      await ticks(2 * crowd.tasks.length + 4);
    };

    for (const cmd of program) {
      switch (cmd.kind) {
        case "waiter":
          crowd.spawn(async (options) => {
            using _ = await cond.lock();
            enter();
            holders--;
            queued++;
            const me = currentTask()!;
            inWait.push(me);
            try {
              await cond.wait(options);
              returned++;
            } catch (e) {
              threw++;
              throw e;
            } finally {
              queued--;
              inWait.splice(inWait.indexOf(me), 1);
              enter();
              holders--;
            }
          }, cmd.signal);
          break;
        case "notify": {
          await cond.acquire();
          enter();
          const w = queued;
          const r0 = returned;
          const t0 = threw;
          cond.notify(cmd.n);
          // Race a notified (or not) waiter's cancellation with the wakeup.
          const target = inWait[cmd.pick % Math.max(1, inWait.length)];
          if (target !== undefined && cmd.race === "cancel") target.cancel();
          if (target !== undefined && cmd.race === "abort") {
            crowd.controllers.get(target)?.abort(
              new Error("aborted by the program"),
            );
          }
          holders--;
          cond.release();
          await settle();
          assert.equal(
            returned - r0,
            Math.min(cmd.n, w - (threw - t0)),
            `notify(${cmd.n}) with ${w} waiters woke ${returned - r0}`,
          );
          break;
        }
        case "cancel":
          crowd.cancel(cmd.pick);
          break;
        case "abort":
          crowd.abort(cmd.pick);
          break;
      }
      await settle();
      crowd.checkFailures();
    }
    for (let round = 0; round < 10 && crowd.live().length > 0; round++) {
      await cond.acquire();
      cond.notifyAll();
      cond.release();
      await settle();
      assert.equal(queued, 0, "a waiter is left after notifyAll()");
    }
    assert.equal(crowd.live().length, 0, "a task hangs at the end");
    assert.equal(cond.locked(), false);
    crowd.checkFailures();
  });
}

Deno.test("Condition under random wait/notify/cancel/abort loses no wakeup and always returns holding the lock", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(condCmd, { minLength: 1, maxLength: 25 }),
      runConditionProgram,
    ),
    {
      ...PARAMS,
      // The race CPython fixed: the second of two notified waiters is
      // cancelled while it waits to take the lock back.
      examples: [[[
        { kind: "waiter", signal: false },
        { kind: "waiter", signal: false },
        { kind: "waiter", signal: false },
        { kind: "notify", n: 2, race: "cancel", pick: 1 },
        { kind: "waiter", signal: false },
      ]]],
    },
  );
});

// ---------------------------------------------------------------------------
// Barrier: every cycle hands out each index 0..parties-1 exactly once,
// nWaiting stays below parties, a cancelled waiter leaves without breaking
// the barrier, and abort() frees everyone.

type BarrierCmd =
  | { kind: "wait"; signal: boolean }
  | { kind: "cancel"; pick: number }
  | { kind: "abort"; pick: number }
  | { kind: "reset" }
  | { kind: "sleep"; ms: number };

const barrierCmd: fc.Arbitrary<BarrierCmd> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("wait" as const),
      signal: fc.boolean(),
    }),
    weight: 8,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("cancel" as const),
      pick: fc.nat(),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("abort" as const),
      pick: fc.nat(),
    }),
    weight: 2,
  },
  fc.record({ kind: fc.constant("reset" as const) }),
  fc.record({
    kind: fc.constant("sleep" as const),
    ms: fc.integer({ min: 0, max: 2 }),
  }),
);

Deno.test("Barrier under random wait/cancel/abort/reset hands out each index once per cycle", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.integer({ min: 1, max: 4 }),
      fc.array(fc.array(barrierCmd, { minLength: 1, maxLength: 3 }), {
        minLength: 1,
        maxLength: 25,
      }),
      async (parties, steps) => {
        await vrun(async () => {
          const barrier = new Barrier(parties);
          const crowd = new Crowd();
          const counts = new Array<number>(parties).fill(0);
          let waiting = 0;
          const check = (): void => {
            assert.ok(barrier.nWaiting < parties);
            assert.equal(barrier.nWaiting, waiting);
            // Each completed cycle gave out every index exactly once.
            const total = counts.reduce((a, b) => a + b, 0);
            assert.equal(total % parties, 0, `indices ${counts}`);
            for (const c of counts) assert.equal(c, total / parties);
            crowd.checkFailures();
          };
          for (const batch of steps) {
            for (const cmd of batch) {
              switch (cmd.kind) {
                case "wait":
                  crowd.spawn(async (options) => {
                    waiting++;
                    let index: number;
                    try {
                      index = await barrier.wait(options);
                    } finally {
                      waiting--;
                    }
                    assert.ok(index >= 0 && index < parties);
                    counts[index]!++;
                  }, cmd.signal);
                  break;
                case "cancel":
                  crowd.cancel(cmd.pick);
                  break;
                case "abort":
                  crowd.abort(cmd.pick);
                  break;
                case "reset":
                  barrier.reset();
                  break;
                case "sleep":
                  await sleep(cmd.ms);
                  break;
              }
            }
            await ticks();
            check();
          }
          barrier.abort();
          await ticks();
          assert.equal(crowd.live().length, 0, "a waiter hangs after abort()");
          assert.equal(waiting, 0);
          check();
        });
      },
    ),
    PARAMS,
  );
});
