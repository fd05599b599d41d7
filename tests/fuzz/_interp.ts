// Runs a fuzzer program (see _gen.ts) on aio and returns its log, in the
// format _interp.py prints for asyncio.
import { getRunningLoop, VirtualClock } from "@aio/asyncio/loop";
import {
  CancelledError,
  createTask,
  currentTask,
  gather,
  run,
  shield,
  sleep,
  type Task,
  taskGroup,
  timeout,
  TimeoutError,
  wait,
  waitFor,
} from "@aio/asyncio/task";
import {
  Barrier,
  BrokenBarrierError,
  Condition,
  Event,
  Lock,
  Queue,
  Semaphore,
} from "@aio/asyncio/sync";
import type { Action, Program, Step } from "./_gen.ts";

class ValueError extends Error {}

export function fmtErr(e: unknown): string {
  if (e instanceof AggregateError) {
    return "Group[" + e.errors.map(fmtErr).sort().join(",") + "]";
  }
  if (e instanceof ValueError) return `ValueError:${e.message}`;
  if (e instanceof TimeoutError) return "TimeoutError";
  if (e instanceof CancelledError) return "CancelledError";
  if (e instanceof BrokenBarrierError) return `BrokenBarrierError:${e.message}`;
  return `${(e as Error)?.constructor?.name}:${(e as Error)?.message}`;
}

function fmtVal(v: unknown): string {
  if (Array.isArray(v)) return "[" + v.map(fmtVal).join(",") + "]";
  if (v instanceof Error) return fmtErr(v);
  return String(v);
}

const py = (b: boolean) => (b ? "True" : "False");

class Interp {
  lines: string[] = [];
  stopped = false;
  tasks: Task<string>[] = [];
  lock = new Lock();
  event = new Event();
  sem: Semaphore;
  queue: Queue<number>;
  cond = new Condition(new Lock());
  barrier: Barrier;

  constructor(readonly prog: Program) {
    this.sem = new Semaphore(prog.sem);
    this.queue = new Queue(prog.qmax);
    this.barrier = new Barrier(prog.parties);
  }

  now(): number {
    return Math.round(getRunningLoop().time());
  }

  log(who: string, msg: string): void {
    if (this.stopped) return;
    this.lines.push(`t=${this.now()} ${who} ${msg}`);
  }

  mod(x: number): number {
    const m = this.prog.M;
    return ((x % m) + m) % m;
  }

  async steps(who: string, res: number, steps: Step[]): Promise<void> {
    for (const st of steps) {
      await sleep(st.k * this.prog.M + this.mod(res - this.now()));
      await this.act(who, res, st.a);
    }
  }

  deadline(dl: number, k: number): number {
    return k * this.prog.M + this.mod(dl - this.now());
  }

  async awaited(who: string, label: string, aw: PromiseLike<unknown>) {
    let r: unknown;
    try {
      r = await aw;
    } catch (e) {
      this.log(who, `${label} -> ${fmtErr(e)}`);
      if (e instanceof CancelledError) throw e;
      return;
    }
    this.log(who, `${label} -> ok ${fmtVal(r)}`);
  }

  async act(who: string, res: number, a: Action): Promise<void> {
    const T = this.tasks;
    switch (a.op) {
      case "await":
        return await this.awaited(who, `await T${a.t}`, T[a.t]!);
      case "cancel": {
        const r = T[a.t]!.cancel(a.msg);
        this.log(who, `cancel T${a.t} -> ${py(r)}`);
        return;
      }
      case "timeout":
        this.log(who, "timeout enter");
        try {
          await timeout(
            this.deadline(a.dl, a.k),
            () => this.steps(who, res, a.body),
          );
          this.log(who, "timeout ok");
        } catch (e) {
          if (!(e instanceof TimeoutError)) throw e;
          this.log(who, "timeout -> TimeoutError");
        }
        return;
      case "waitFor":
        return await this.awaited(
          who,
          `waitFor T${a.t}`,
          waitFor(T[a.t]!, this.deadline(a.dl, a.k)),
        );
      case "shield":
        return await this.awaited(who, `shield T${a.t}`, shield(T[a.t]!));
      case "gather": {
        const names = a.ts.map((j) => `T${j}`).join(",");
        return await this.awaited(
          who,
          `gather(${names}) rx=${py(a.rx)}`,
          gather(a.ts.map((j) => T[j]!), { returnExceptions: a.rx }),
        );
      }
      case "wait": {
        const names = a.ts.map((j) => `T${j}`).join(",");
        const { done } = await wait(a.ts.map((j) => T[j]!), {
          returnWhen: a.first ? "FIRST_COMPLETED" : "ALL_COMPLETED",
        });
        const dn = [...new Set(a.ts)].sort().filter((j) => done.has(T[j]!))
          .map((j) => `T${j}`).join(",");
        this.log(who, `wait(${names}) first=${py(a.first)} -> done ${dn}`);
        return;
      }
      case "tg":
        this.log(who, "tg enter");
        try {
          await taskGroup(async (tg) => {
            for (const ch of a.children) {
              tg.createTask(() => this.body(ch.name, ch.res, ch.steps));
            }
            await this.steps(who, res, a.body);
          });
          this.log(who, "tg ok");
        } catch (e) {
          if (!(e instanceof AggregateError)) throw e;
          this.log(who, `tg -> ${fmtErr(e)}`);
        }
        return;
      case "lock":
        await this.lock.acquire();
        try {
          this.log(who, "lock acquired");
          await this.steps(who, res, a.body);
        } finally {
          this.lock.release();
        }
        this.log(who, "lock released");
        return;
      case "sem":
        await this.sem.acquire();
        try {
          this.log(who, "sem acquired");
          await this.steps(who, res, a.body);
        } finally {
          this.sem.release();
        }
        this.log(who, "sem released");
        return;
      case "eventSet":
        this.event.set();
        this.log(who, "event set");
        return;
      case "eventClear":
        this.event.clear();
        this.log(who, "event clear");
        return;
      case "eventWait":
        await this.event.wait();
        this.log(who, "event waited");
        return;
      case "put":
        await this.queue.put(a.v);
        this.log(who, `put ${a.v}`);
        return;
      case "get": {
        const v = await this.queue.get();
        this.log(who, `get -> ${v}`);
        return;
      }
      case "condWait":
        await this.cond.acquire();
        try {
          this.log(who, "cond locked");
          await this.cond.wait();
          this.log(who, "cond woken");
        } finally {
          this.cond.release();
        }
        return;
      case "condNotify":
        await this.cond.acquire();
        try {
          this.cond.notify(a.n);
          this.log(who, `cond notify ${a.n}`);
        } finally {
          this.cond.release();
        }
        return;
      case "barrier":
        try {
          const i = await this.barrier.wait();
          this.log(who, `barrier -> ${i}`);
        } catch (e) {
          if (!(e instanceof BrokenBarrierError)) throw e;
          this.log(who, "barrier -> broken");
        }
        return;
      case "raise":
        this.log(who, `raise ${a.msg}`);
        throw new ValueError(a.msg);
      case "try":
        try {
          await this.steps(who, res, a.body);
          this.log(who, "try ok");
        } catch (e) {
          if (e instanceof CancelledError) {
            this.log(who, `try caught ${fmtErr(e)}`);
            // Once the log is done, every task must end: run() cancels
            // those left and waits for them.
            if (a.onCancel === "continue" && !this.stopped) {
              currentTask()!.uncancel();
            } else throw e;
          } else if (e instanceof ValueError && a.onErr) {
            this.log(who, `try caught ${fmtErr(e)}`);
          } else {
            throw e;
          }
        }
        return;
    }
  }

  async body(who: string, res: number, steps: Step[]): Promise<string> {
    try {
      await this.steps(who, res, steps);
    } catch (e) {
      this.log(who, `ends ${fmtErr(e)}`);
      throw e;
    }
    this.log(who, "ends ok");
    return `r${who}`;
  }

  async main(): Promise<void> {
    const p = this.prog;
    getRunningLoop().setExceptionHandler(() => {});
    p.tasks.forEach((t, i) => {
      const task = createTask(() => this.body(`T${i}`, t.res, t.steps));
      this.tasks.push(task);
    });
    await sleep(p.end);
    // One cancellation per instant of main's residue: cancelling several
    // tasks in one instant would make their unwinding interleave in the
    // same tick (README, "How it differs").
    for (let rnd = 0; rnd < 3; rnd++) {
      const pending = this.tasks.filter((t) => !t.done());
      if (pending.length === 0) break;
      for (const t of pending) {
        if (t.done()) continue;
        this.log("main", `cleanup ${rnd} T${this.tasks.indexOf(t)}`);
        t.cancel("end");
        await sleep(p.M);
      }
    }
    this.tasks.forEach((t, i) => {
      let st: string;
      if (!t.done()) st = "pending";
      else if (t.cancelled()) st = "cancelled";
      else if (t.exception() !== undefined && t.exception() !== null) {
        st = fmtErr(t.exception());
      } else st = `ok ${t.result()}`;
      this.log("main", `final T${i} ${st}`);
    });
    this.stopped = true;
    for (const t of this.tasks) t.cancel();
  }
}

/** Runs `prog` on aio with a VirtualClock and returns its log. */
export async function runAio(prog: Program): Promise<string[]> {
  const it = new Interp(prog);
  try {
    await run(() => it.main(), { clock: new VirtualClock() });
  } catch (e) {
    it.lines.push(`CRASH ${fmtErr(e)}`);
  }
  return it.lines;
}
