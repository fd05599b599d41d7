/**
 * A job runner: jobs run at most `concurrency` at a time (`Semaphore`),
 * retry transient failures with exponential backoff (`sleep`), and commit
 * their results to a ledger in job order (`Condition`), one at a time
 * (`Lock`), each commit `shield()`ed so that a cancellation cannot tear it.
 * `wait(FIRST_COMPLETED)` reports progress; `gather(..., { returnExceptions: true })`
 * collects every outcome. The whole run can be cancelled like a ^C.
 *
 * ```sh
 * deno run tests/user/jobs.ts
 * ```
 *
 * @module
 */
import {
  CancelledError,
  createTask,
  currentTask,
  gather,
  shield,
  sleep,
  type Task,
  wait,
} from "@aio/asyncio/task";
import { getRunningLoop } from "@aio/asyncio/loop";
import { Condition, Lock, Semaphore } from "@aio/asyncio/sync";

/** A job: `cost` ms of work, failing transiently `failTimes` times. */
export interface JobSpec {
  id: number;
  cost: number;
  failTimes: number;
  /** Fails at once with a non-retryable error. */
  fatal?: boolean;
}

/** Settings of a run. */
export interface RunnerOptions {
  concurrency: number;
  maxAttempts: number;
  backoffMs: number;
  commitMs: number;
  /** Cancel the main task after this long, as a ^C would. */
  cancelAfterMs?: number;
}

/** A failure worth retrying. */
export class TransientError extends Error {
  override name = "TransientError";
}
/** A failure not worth retrying. */
export class FatalError extends Error {
  override name = "FatalError";
}
/** Retries used up. */
export class GaveUpError extends Error {
  override name = "GaveUpError";
}

/** A two-phase ledger: an entry is torn if it began and never finished. */
export class Ledger {
  readonly committed: number[] = [];
  readonly begun: number[] = [];
  /** Commits that a cancellation hit while they ran (and that finished). */
  readonly shieldedThroughCancel: number[] = [];
  torn(): number[] {
    return this.begun.filter((id) => !this.committed.includes(id));
  }
}

/** What a run observed; filled in as it goes. */
export class RunLog {
  readonly ledger = new Ledger();
  /** `id:outcome` in completion order (from `wait`). */
  readonly completionOrder: string[] = [];
  /** Attempts per job. */
  readonly attempts = new Map<number, number>();
  /** `[time, id, attempt]` of each attempt's start. */
  readonly starts: [number, number, number][] = [];
  /** Most jobs ever working at once. */
  maxRunning = 0;
  /** Outcomes in job order, from `gather`: a value or an error name. */
  results: string[] = [];
  /** Loop time at the end. */
  endedAt = 0;
}

/** Runs `specs` to completion (or until cancelled). Call inside `run()`. */
export async function runJobs(
  specs: JobSpec[],
  options: RunnerOptions,
  log: RunLog = new RunLog(),
): Promise<RunLog> {
  const loop = getRunningLoop();
  const permits = new Semaphore(options.concurrency);
  const ledgerLock = new Lock();
  const turn = new Condition();
  let nextTurn = 0; // ids commit (or pass their turn) in order
  let running = 0;

  if (options.cancelAfterMs !== undefined) {
    const main = currentTask()!;
    loop.callLater(options.cancelAfterMs, () => main.cancel("^C"));
  }

  const work = async (spec: JobSpec): Promise<string> => {
    for (let attempt = 1;; attempt++) {
      log.attempts.set(spec.id, attempt);
      try {
        using _permit = await permits.lock();
        log.starts.push([loop.time(), spec.id, attempt]);
        running++;
        log.maxRunning = Math.max(log.maxRunning, running);
        try {
          await sleep(spec.cost);
        } finally {
          running--;
        }
        if (spec.fatal) throw new FatalError(`job ${spec.id}`);
        if (attempt <= spec.failTimes) {
          throw new TransientError(`job ${spec.id} try ${attempt}`);
        }
        return `r${spec.id}`;
      } catch (e) {
        if (!(e instanceof TransientError)) throw e;
        if (attempt >= options.maxAttempts) {
          throw new GaveUpError(`job ${spec.id}`, { cause: e });
        }
      }
      await sleep(options.backoffMs * 2 ** (attempt - 1));
    }
  };

  const commit = async (id: number) => {
    using _ = await ledgerLock.lock();
    log.ledger.begun.push(id);
    await sleep(options.commitMs); // the write that must not be torn
    log.ledger.committed.push(id);
  };

  const waitTurn = async (id: number) => {
    using _ = await turn.lock();
    await turn.waitFor(() => nextTurn === id);
  };
  const passTurn = async () => {
    using _ = await turn.lock();
    nextTurn++;
    turn.notifyAll();
  };

  const job = async (spec: JobSpec): Promise<string> => {
    let result: string;
    try {
      result = await work(spec);
    } catch (e) {
      if (e instanceof CancelledError) throw e; // not our turn to pass
      await waitTurn(spec.id);
      await passTurn();
      throw e;
    }
    await waitTurn(spec.id);
    const c = createTask(() => commit(spec.id), { name: `commit-${spec.id}` });
    try {
      await shield(c);
    } catch (e) {
      if (!(e instanceof CancelledError)) throw e;
      // Cancelled while committing: let the commit finish, then go.
      await c;
      log.ledger.shieldedThroughCancel.push(spec.id);
      throw e;
    } finally {
      await passTurn();
    }
    return result;
  };

  const tasks: Task<string>[] = specs.map((spec) =>
    createTask(() => job(spec), { name: `job-${spec.id}` })
  );
  const progress = createTask(async () => {
    // Which one finished, in completion order: wait() hands back the tasks
    // themselves (asCompleted() hands out their results).
    let pending = new Set(tasks);
    while (pending.size > 0) {
      const next = await wait(pending, { returnWhen: "FIRST_COMPLETED" });
      for (const t of next.done) {
        try {
          await t;
          log.completionOrder.push(`${t.name}:ok`);
        } catch (e) {
          log.completionOrder.push(`${t.name}:${(e as Error).name}`);
        }
      }
      pending = next.pending;
    }
  }, { name: "progress" });
  try {
    const results = await gather(tasks, { returnExceptions: true });
    log.results = results.map((r) => r instanceof Error ? r.name : String(r));
    await progress;
  } finally {
    log.endedAt = loop.time();
  }
  return log;
}

/** The jobs of the demo and the tests. */
export const DEMO_JOBS: JobSpec[] = [
  { id: 0, cost: 50, failTimes: 0 },
  { id: 1, cost: 20, failTimes: 1 },
  { id: 2, cost: 80, failTimes: 0 },
  { id: 3, cost: 10, failTimes: 5 }, // gives up after maxAttempts
  { id: 4, cost: 30, failTimes: 2 },
  { id: 5, cost: 60, failTimes: 0 },
  { id: 6, cost: 15, failTimes: 0, fatal: true },
  { id: 7, cost: 40, failTimes: 1 },
  { id: 8, cost: 25, failTimes: 0 },
  { id: 9, cost: 35, failTimes: 3 },
  { id: 10, cost: 45, failTimes: 0 },
  { id: 11, cost: 5, failTimes: 0 },
];

/** The options of the demo and the tests. */
export const DEMO_OPTIONS: RunnerOptions = {
  concurrency: 3,
  maxAttempts: 4,
  backoffMs: 20,
  commitMs: 10,
};

if (import.meta.main) {
  const { run } = await import("@aio/asyncio/task");
  const { VirtualClock } = await import("@aio/asyncio/loop");
  const log = await run(
    () => runJobs(DEMO_JOBS, DEMO_OPTIONS),
    { clock: new VirtualClock() },
  );
  console.log(log.results, log.ledger.committed, `at ${log.endedAt} ms`);
}
