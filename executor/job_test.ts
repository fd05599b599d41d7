import assert from "node:assert/strict";
import { CancelledError, createTask, run } from "../task/mod.ts";
import { getRunningLoop } from "../loop/mod.ts";
import {
  checkCancelled,
  jobSignal,
  runInExecutor,
  setDefaultExecutor,
  WorkerPool,
} from "./mod.ts";
import { BY_CHECK, BY_SIGNAL } from "./testdata/given_up_jobs.ts";

const JOBS = import.meta.resolve("./testdata/given_up_jobs.ts");
const SLOW_IMPORT = import.meta.resolve("./testdata/slow_import.ts");

/** `[started, stopped, how]`, shared with the job. */
function sharedState(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(12));
}

/** Resolves once the job set `state[slot]`. */
async function reported(state: Int32Array, slot: number): Promise<void> {
  const waiting = Atomics.waitAsync(state, slot, 0);
  if (waiting.async) await waiting.value;
}

/**
 * Submits job `name` of `JOBS` with `state`, and gives it up once it
 * reported it started; resolves when its promise rejected with that reason.
 */
async function giveUpStarted(
  pool: WorkerPool,
  name: string,
  state: Int32Array,
): Promise<void> {
  const controller = new AbortController();
  const job = pool.submit(JOBS, name, [state], { signal: controller.signal });
  await reported(state, 0);
  controller.abort(new Error("gave up"));
  await assert.rejects(job, /gave up/);
}

Deno.test("a synchronous job given up by its caller stops at checkCancelled(), and its Worker takes the next job", async () => {
  await using pool = new WorkerPool({ size: 1 });
  const state = sharedState();
  await giveUpStarted(pool, "spin", state);
  await reported(state, 1);
  assert.equal(state[2], BY_CHECK);
  // The same Worker, free again; the new job is not the given-up one.
  assert.deepEqual(await pool.submit(JOBS, "givenUpNow"), [false, false]);
  assert.equal(pool.workerCount, 1);
});

Deno.test("a synchronous job of a terminateOnCancel pool stops at checkCancelled(), so its Worker can end", async () => {
  await using pool = new WorkerPool({ size: 1, terminateOnCancel: true });
  const state = sharedState();
  await giveUpStarted(pool, "spin", state);
  assert.equal(pool.workerCount, 0);
  await reported(state, 1);
  assert.equal(state[2], BY_CHECK);
});

Deno.test("an asynchronous job given up by its caller sees jobSignal() abort with a CancelledError", async () => {
  await using pool = new WorkerPool({ size: 1 });
  const state = sharedState();
  await giveUpStarted(pool, "awaitSignal", state);
  await reported(state, 1);
  assert.equal(state[2], BY_SIGNAL);
  assert.deepEqual(await pool.submit(JOBS, "givenUpNow"), [false, false]);
});

Deno.test("cancelling the task that awaits runInExecutor() tells the job", async () => {
  const state = sharedState();
  const outcome = await run(async () => {
    const task = createTask(() => runInExecutor(JOBS, "spin", state));
    await reported(state, 0);
    task.cancel();
    try {
      await task;
      return "returned";
    } catch (error) {
      return error instanceof CancelledError ? "cancelled" : String(error);
    }
  });
  assert.equal(outcome, "cancelled");
  await reported(state, 1);
  assert.equal(state[2], BY_CHECK);
});

Deno.test("WorkerPool.terminate() tells a running job it was given up", async () => {
  const pool = new WorkerPool({ size: 1 });
  const state = sharedState();
  const job = pool.submit(JOBS, "spin", [state]);
  await reported(state, 0);
  pool.terminate();
  await assert.rejects(job, /terminated/);
  await reported(state, 1);
  assert.equal(state[2], BY_CHECK);
});

Deno.test("a job given up while its module is imported does not fail the later jobs of its Worker that import that module", async () => {
  // The runtime keeps the error a module's evaluation ended with, and
  // throws it at every later import of that module in the same Worker.
  await using pool = new WorkerPool({ size: 1 });
  const state = sharedState();
  await pool.submit(JOBS, "shareState", [state]);
  const controller = new AbortController();
  const first = pool.submit(SLOW_IMPORT, "ready", [], {
    signal: controller.signal,
  });
  await reported(state, 0);
  controller.abort(new Error("gave up"));
  await assert.rejects(first, /gave up/);
  // FIFO on one Worker: once this ran, the given-up job ended there (its
  // import stopped at checkCancelled(), not at the go below).
  assert.deepEqual(await pool.submit(JOBS, "givenUpNow"), [false, false]);
  // Nobody gives these up: they must not meet the first one's cancellation.
  Atomics.store(state, 1, 1);
  await pool.submit(JOBS, "shareState", [state]);
  assert.equal(await pool.submit(SLOW_IMPORT, "ready"), "ready");
  assert.equal(await pool.submit(SLOW_IMPORT, "ready"), "ready");
  assert.equal(pool.workerCount, 1);
});

Deno.test("jobs of a terminateOnCancel pool given up at once start no Worker for the queued ones", async () => {
  // Starting a Worker blocks the main thread for tens of milliseconds, and
  // the job it was started for may run before the next give-up lands.
  const RealWorker = globalThis.Worker;
  let spawned = 0;
  globalThis.Worker = class extends RealWorker {
    constructor(...args: ConstructorParameters<typeof Worker>) {
      super(...args);
      spawned++;
    }
  };
  try {
    await using pool = new WorkerPool({ size: 1, terminateOnCancel: true });
    const states = [sharedState(), sharedState(), sharedState()];
    const controllers = states.map(() => new AbortController());
    const jobs = states.map((state, i) =>
      pool.submit(JOBS, "spin", [state], { signal: controllers[i]!.signal })
    );
    await reported(states[0]!, 0);
    assert.equal(spawned, 1);
    for (const c of controllers) c.abort(new Error("gave up"));
    for (const job of jobs) await assert.rejects(job, /gave up/);
    assert.equal(spawned, 1);
    assert.equal(pool.workerCount, 0);
    await reported(states[0]!, 1);
  } finally {
    globalThis.Worker = RealWorker;
  }
});

Deno.test("a runInExecutor() job whose future is cancelled while it is queued never starts, even if a Worker frees up in the same tick", async () => {
  const pool = new WorkerPool({ size: 1 });
  const first = sharedState();
  const second = sharedState();
  const started = await run(async () => {
    setDefaultExecutor(pool);
    const running = new AbortController();
    const job = pool.submit(JOBS, "spin", [first], {
      signal: running.signal,
      terminateOnCancel: true,
    });
    job.catch(() => {});
    await reported(first, 0);
    const queued = runInExecutor(JOBS, "spin", second);
    // One callback: the queued job's caller gives up, then the Worker it
    // waits for is freed.
    await new Promise<void>((resolve) => {
      getRunningLoop().callSoon(() => {
        queued.cancel();
        running.abort(new Error("gave up"));
        resolve();
      });
    });
    assert.ok(queued.cancelled());
    // FIFO on one Worker: the given-up job, had it started, ran first.
    assert.deepEqual(await runInExecutor(JOBS, "givenUpNow"), [
      false,
      false,
    ]);
    await reported(first, 1);
    return second[0];
  });
  assert.equal(started, 0);
});

Deno.test("a job given up after it was sent to a Worker, before the Worker started it, never runs", async () => {
  await using pool = new WorkerPool({ size: 1 });
  const state = sharedState();
  const controller = new AbortController();
  // The Worker is still starting: the job waits there for it.
  const job = pool.submit(JOBS, "spin", [state], {
    signal: controller.signal,
  });
  controller.abort(new Error("gave up"));
  await assert.rejects(job, /gave up/);
  // FIFO on one Worker: the given-up job, had it run, ran first.
  assert.deepEqual(await pool.submit(JOBS, "givenUpNow"), [false, false]);
  assert.equal(state[0], 0);
});

Deno.test("checkCancelled() and jobSignal() outside a job of a pool throw an Error that says so", () => {
  assert.throws(
    () => checkCancelled(),
    /Cannot call checkCancelled\(\): no job of a WorkerPool is running here/,
  );
  assert.throws(
    () => jobSignal(),
    /Cannot call jobSignal\(\): no job of a WorkerPool is running here/,
  );
});
