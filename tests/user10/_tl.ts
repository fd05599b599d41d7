// Shared helpers for the aio ports: the same event log as _tl.py, and the
// trio idioms the ports need, built from aio's documented API only.
import {
  CancelledError,
  createTask,
  getRunningLoop,
  run,
  shield,
  type Timeout,
  timeout,
  TimeoutError,
  VirtualClock,
} from "@aio/asyncio";

export class Boom extends Error {
  override name = "Boom";
}

/** A canonical exception name, shared with the trio programs. */
export function ename(e: unknown): string {
  if (e instanceof CancelledError) return "Cancelled";
  if (e instanceof TimeoutError) return "TooSlow";
  if (e instanceof AggregateError) {
    return "Group[" + e.errors.map(ename).join(",") + "]";
  }
  return e instanceof Error ? e.name : typeof e;
}

export class Log {
  readonly lines: string[] = [];
  #t0 = 0;
  scenario(name: string): void {
    this.#t0 = getRunningLoop().time();
    this.lines.push(`== ${name}`);
  }
  log(msg: string): void {
    const ms = Math.round(getRunningLoop().time() - this.#t0);
    this.lines.push(`${ms} ${msg}`);
  }
}

/**
 * trio's `move_on_after`: aio has none, so catch the `TimeoutError` of this
 * very `timeout()` (`expired()` tells it from an inner `fail_after`'s).
 * `caught` stands for `cancelled_caught`, `called` for `cancel_called`.
 */
export class MoveOn {
  caught = false;
  scope: Timeout | undefined;
  get called(): boolean {
    return this.scope?.expired() ?? false;
  }
}

export async function moveOnAfter(
  ms: number | null,
  fn: (s: Timeout) => Promise<unknown>,
  m: MoveOn = new MoveOn(),
): Promise<MoveOn> {
  try {
    await timeout(ms, (s) => {
      m.scope = s;
      return fn(s);
    });
  } catch (e) {
    if (e instanceof TimeoutError && m.scope?.expired()) m.caught = true;
    else throw e;
  }
  return m;
}

/** Runs `program` on a virtual clock and returns the log, as _tl.main. */
export async function main(
  program: (log: Log) => Promise<void>,
  virtual = true,
): Promise<string[]> {
  const log = new Log();
  try {
    await run(() => program(log), virtual ? { clock: new VirtualClock() } : {});
  } catch (e) {
    log.lines.push(`run raised ${ename(e)}`);
  }
  return log.lines;
}

/**
 * trio's `with CancelScope(shield=True): await fn()`, by the README's
 * recipe ("await `shield(aw)` again after catching the cancellation, until
 * `aw` is done"). A cancellation that arrived meanwhile is thrown once `fn`
 * is done, where trio's next checkpoint would raise it.
 */
export async function shielded<T>(fn: () => Promise<T>): Promise<T> {
  const task = createTask(fn);
  let pending: unknown;
  for (;;) {
    try {
      const value = await shield(task);
      if (pending !== undefined) throw pending;
      return value;
    } catch (e) {
      if (e instanceof CancelledError && !task.done()) pending ??= e;
      else throw e;
    }
  }
}
