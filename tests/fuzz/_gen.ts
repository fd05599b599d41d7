// Seeded generator of small concurrent programs for the differential fuzzer
// (aio against CPython asyncio). `_interp.ts` and `_interp.py` run them.
//
// Every step of a task is `sleep to the task's next slot, then one action`.
// Time is in units of one aio millisecond. A task with residue r acts only at
// instants t with t % M == r, and the deadlines it sets expire at instants of
// a residue of their own (one per task and nesting depth), so no two tasks
// act in one virtual instant unless one woke the other. That keeps what each
// task sees free of the same-tick interleaving in which aio and asyncio
// differ on purpose (README, "How it differs": tasks resumed in the same tick
// interleave at every `await`; sync primitives hand a resource to a woken
// waiter, which keeps it if cancelled before it runs again), and free of ties
// between timers (asyncio's timer heap does not order equal deadlines).

export const M = 40;
const MAIN_RES = 8;
const MAX_TASKS = 8;

export type Action =
  | { op: "await"; t: number }
  | { op: "cancel"; t: number; msg: string }
  | { op: "timeout"; k: number; dl: number; body: Step[] }
  | { op: "waitFor"; t: number; k: number; dl: number }
  | { op: "shield"; t: number }
  | { op: "gather"; ts: number[]; rx: boolean }
  | { op: "wait"; ts: number[]; first: boolean }
  | { op: "tg"; children: Child[]; body: Step[] }
  | { op: "lock"; body: Step[] }
  | { op: "sem"; body: Step[] }
  | { op: "eventSet" }
  | { op: "eventClear" }
  | { op: "eventWait" }
  | { op: "put"; v: number }
  | { op: "get" }
  | { op: "condWait" }
  | { op: "condNotify"; n: number }
  | { op: "barrier" }
  | { op: "raise"; msg: string }
  | {
    op: "try";
    body: Step[];
    onCancel: "continue" | "reraise";
    onErr: boolean;
  };

export interface Step {
  k: number;
  a: Action;
}

export interface Child {
  name: string;
  res: number;
  steps: Step[];
}

export interface Program {
  M: number;
  end: number;
  sem: number;
  qmax: number;
  parties: number;
  tasks: { res: number; steps: Step[] }[];
}

/** mulberry32: small, seeded, deterministic. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface GenOptions {
  /** Leave out ops, by name (to avoid a known divergence while hunting). */
  without?: string[];
}

export function generate(seed: number, opts: GenOptions = {}): Program {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const n = int(2, 5);
  let nextRes = n;
  let msgN = 0;
  let valN = 0;
  const without = new Set(opts.without ?? []);

  // `owner`: the top-level task whose code (or child's code) this is; it may
  // await only tasks after it, so waits on tasks form no cycle.
  const genSteps = (
    owner: number,
    res: number,
    depth: number,
    dlDepth: number,
    count: number,
    inScope: boolean,
  ): Step[] => {
    const steps: Step[] = [];
    for (let i = 0; i < count; i++) {
      steps.push({
        k: int(1, 3),
        a: genAction(owner, res, depth, dlDepth, inScope),
      });
    }
    return steps;
  };

  const later = (owner: number): number[] => {
    const xs: number[] = [];
    for (let j = owner + 1; j < n; j++) xs.push(j);
    return xs;
  };

  const genAction = (
    owner: number,
    res: number,
    depth: number,
    dlDepth: number,
    inScope: boolean,
  ): Action => {
    const after = later(owner);
    const nested = depth < 2;
    const choices: string[] = [
      "eventSet",
      "eventWait",
      "eventClear",
      "put",
      "get",
      "condWait",
      "condNotify",
      "barrier",
      "raise",
    ];
    if (after.length > 0) {
      choices.push("await", "shield", "gather", "wait", "await", "cancel");
      if (dlDepth < 3) choices.push("waitFor");
    }
    if (nested) {
      choices.push("lock", "sem", "try", "try");
      if (dlDepth < 3) choices.push("timeout", "timeout");
      if (nextRes < MAX_TASKS) choices.push("tg");
    }
    const allowed = choices.filter((c) => !without.has(c));
    const op = pick(allowed.length > 0 ? allowed : ["eventSet"]);
    const dl = 10 + res * 3 + dlDepth;
    const body = (max: number, scoped = inScope) =>
      genSteps(owner, res, depth + 1, dlDepth, int(1, max), scoped);
    switch (op) {
      case "await":
      case "shield":
        return { op, t: pick(after) };
      case "waitFor":
        return { op, t: pick(after), k: int(0, 3), dl };
      case "cancel":
        // Only tasks after the owner: a task's code that cancels itself, or
        // a task that awaits it (so the cancellation comes back to it), and
        // then returns before its next wait ends with its value in aio,
        // cancelled in asyncio (README, "How it differs").
        return { op, t: pick(after), msg: `m${msgN++}` };
      case "gather":
      case "wait": {
        const ts: number[] = [];
        const m = int(1, Math.min(3, after.length));
        for (let i = 0; i < m; i++) ts.push(pick(after));
        const uniq = [...new Set(ts)];
        return op === "gather"
          ? { op, ts: uniq, rx: r() < 0.5 }
          : { op, ts: uniq, first: r() < 0.5 };
      }
      case "timeout":
        return {
          op,
          k: int(0, 4),
          dl,
          body: genSteps(owner, res, depth + 1, dlDepth + 1, int(1, 3), true),
        };
      case "tg": {
        const children: Child[] = [];
        const m = int(1, 2);
        for (let i = 0; i < m && nextRes < MAX_TASKS; i++) {
          const cres = nextRes++;
          children.push({
            name: `C${cres}`,
            res: cres,
            steps: genSteps(owner, cres, depth + 1, 0, int(1, 3), false),
          });
        }
        return { op, children, body: body(2, true) };
      }
      case "lock":
      case "sem":
        return { op, body: body(2) };
      case "put":
        return { op, v: valN++ };
      case "condNotify":
        return { op, n: int(1, 2) };
      case "raise":
        return { op, msg: `e${msgN++}` };
      case "try":
        return {
          op,
          body: body(3),
          // Going on after a cancellation calls uncancel(), which in asyncio
          // also takes back an enclosing timeout's or group's own request
          // and breaks its accounting (README: aio's timeouts "neither
          // cancel the task nor move its cancelling() count").
          onCancel: !inScope && r() < 0.6 ? "continue" : "reraise",
          onErr: r() < 0.5,
        };
      default:
        return { op } as Action;
    }
  };

  const tasks = [];
  for (let i = 0; i < n; i++) {
    tasks.push({ res: i, steps: genSteps(i, i, 0, 0, int(1, 5), false) });
  }
  return {
    M,
    end: int(6, 14) * M + MAIN_RES,
    sem: int(1, 2),
    qmax: int(1, 2),
    parties: int(2, 3),
    tasks,
  };
}
