/**
 * Property test of cancellation by scopes: random programs of 1–4 tasks on
 * the virtual clock. Each task runs a random tree of operations that mixes
 * `Promise.all` / `allSettled` / `race` over library waits and sub-programs,
 * nested and concurrent `timeout()` / `waitFor()` (deadlines 0 to 100 ms, or
 * none), `shield()`, host callbacks (`queueMicrotask`, `Promise.then`) that
 * start library waits, queues, a lock, events, a condition, `sleep`, child
 * tasks awaited or not, and `taskGroup`s whose children may throw. A driver
 * cancels tasks from outside at random virtual times (sometimes several
 * times, sometimes followed by `uncancel()`), puts and takes items, sets and
 * clears events and notifies the condition; code catches `CancelledError`
 * at random places and rethrows it or carries on. At the end (virtual time
 * 1 s) the driver sets every event, shuts the queues down and keeps
 * notifying, so every wait has what it waits for.
 *
 * Invariants, checked exactly (see `Run`):
 *
 * 1. No hang: every task, sub-program and orphaned wait is done by a
 *    virtual deadline far past all sleeps.
 * 2. No item lost or duplicated: every item put is received exactly once
 *    or still queued; an item whose `put()` failed is nowhere.
 * 3. No lock (or condition lock) left held; never two holders at once.
 * 4. A `TimeoutError` comes only from a scope whose deadline passed: each
 *    scope's own `TimeoutError` (told apart from one passing through it by
 *    identity) is thrown at a virtual time ≥ its deadline, never from a
 *    scope without one, and its cause is the scope's own cancellation.
 * 5. An outside cancel always ends the task cancelled, unless its code
 *    caught a `CancelledError` of that cancel and carried on (an explicit
 *    catch, `Promise.allSettled`, a `Promise.race`/`all` that dropped it,
 *    detached work, an awaited child that returned before the cancel
 *    reached its wait), or the cancel never reached a wait because the task
 *    returned first; the last is only possible at the virtual time of the
 *    cancel (a task that runs on past it must have waited, and so must have
 *    seen it). A `TaskGroup` whose children failed wins with its
 *    `AggregateError` and re-arms the cancel, which counts from then on.
 * 6. A timeout never turns an outside cancellation into `TimeoutError`: not
 *    one requested while the scope was active (nor any other cancel of its
 *    task: a group's, an awaiter's), not one that reached its body; a task
 *    cancelled from outside that did not catch it does not end with
 *    `TimeoutError`.
 *
 * And on the way: a cancellation is delivered once to each task it cancels (a
 * wait of a task started after the cancel was seen in that task's code does not
 * get it again), and is raised only in tasks it cancelled; a `CancelledError`
 * that no outside cancel made never leaves the timeouts and groups of its task;
 * no task ends cancelled that nobody cancelled, and none ends with an error the
 * program did not throw; `currentTask()` in a host callback is the task that
 * made it, while it runs; a task's signal is aborted only if it was cancelled,
 * a timeout's when it threw its own `TimeoutError`; no task of the library's is
 * left pending; nothing is reported to the loop's exception handler and no
 * promise rejection goes unhandled.
 *
 * Each outside cancel carries a unique message (`outside:<n>`), which every
 * `CancelledError` it causes repeats, so the code can tell where each
 * cancellation came from without private APIs.
 *
 * CI runs a fixed seed (42) and 1,000 programs. Environment variables (with
 * `--allow-env`):
 *
 * - `AIO_PROPERTY_RUNS`, `AIO_PROPERTY_SEED`: more runs, another seed, e.g.
 *   `AIO_PROPERTY_RUNS=5000 AIO_PROPERTY_SEED=7 deno test --allow-env
 *   tests/cancel_scope_property_test.ts`.
 * - `AIO_PROPERTY_PATH`: with the seed, replays the counterexample
 *   fast-check printed (`{ seed, path }`).
 * - `AIO_PROPERTY_STATS=1`: prints what the runs exercised.
 *
 * The FINDING tests at the end are programs this test found, written out
 * by hand: each failed before its fix, and keeps it fixed.
 */

import assert from "node:assert/strict";
import fc from "fast-check";
import { getRunningLoop, VirtualClock } from "../loop/mod.ts";
import {
  allTasks,
  CancelledError,
  createTask,
  currentTask,
  Future,
  run,
  shield,
  sleep,
  type Task,
  taskGroup,
  type Timeout,
  timeout,
  TimeoutError,
  waitFor,
} from "../task/mod.ts";
import { Condition, Event, Lock, Queue, QueueShutDown } from "../sync/mod.ts";

function envString(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined; // no --allow-env: use the defaults
  }
}

function envNumber(name: string): number | undefined {
  const v = envString(name);
  return v === undefined ? undefined : Number(v);
}

const PATH = envString("AIO_PROPERTY_PATH");

const PARAMS = {
  seed: envNumber("AIO_PROPERTY_SEED") ?? 42,
  numRuns: envNumber("AIO_PROPERTY_RUNS") ?? 1000,
  // Replays the counterexample fast-check printed: its seed and path.
  ...(PATH !== undefined ? { path: PATH } : {}),
};

/**
 * Every finding this test made is fixed; its program is a FINDING test at
 * the end of this file, and the generator makes all of those shapes.
 */

/** What the runs exercised, printed with `AIO_PROPERTY_STATS=1`. */
const STATS: Record<string, number> = {};

function count(what: string): void {
  STATS[what] = (STATS[what] ?? 0) + 1;
}

/** When the driver lets every wait end. */
const WIND_DOWN = 1_000;
/** A program still running then hangs. */
const HANG = 60_000;

// ---------------------------------------------------------------------------
// Programs

type Ms = number | null;

/** How a single wait is made: bare, in `timeout()`, or in `waitFor()`. */
type Via =
  | { kind: "plain" }
  | { kind: "timeout" | "waitFor"; ms: Ms; catchTimeout: boolean };

/** A library wait that can also be passed bare to a combinator. */
type Leaf =
  | { op: "sleep"; ms: number }
  | { op: "get"; q: number }
  | { op: "put"; q: number }
  | { op: "wait"; e: number };

type Branch = { raw: Leaf } | { node: Node };

type Node =
  | { k: "leaf"; leaf: Leaf; via: Via }
  | { k: "set"; e: number }
  | { k: "cond"; via: Via }
  | { k: "lock"; via: Via; body: Node }
  | { k: "seq"; items: Node[] }
  | { k: "all" | "allSettled" | "race"; branches: Branch[] }
  | { k: "timeout"; ms: Ms; body: Node; catchTimeout: boolean }
  | { k: "waitFor"; ms: Ms; body: Node; catchTimeout: boolean }
  | { k: "shield"; body: Node }
  | { k: "host"; how: "microtask" | "then"; awaited: boolean; body: Node }
  | { k: "child"; awaited: boolean; throws: boolean; body: Node }
  | {
    k: "group";
    children: { body: Node; throws: boolean }[];
    body: Node;
    catchErrors: boolean;
  }
  | { k: "catch"; what: "cancel" | "any"; rethrow: boolean; body: Node };

type Action =
  & { at: number; from: "task" | "callback" }
  & (
    | { do: "cancel"; t: number; times: number }
    | { do: "uncancel"; t: number }
    | { do: "put" | "get"; q: number }
    | { do: "set" | "clear"; e: number }
    | { do: "notify"; n: number }
  );

interface Program {
  /** One queue per entry, with that maxsize. */
  queues: number[];
  events: number;
  tasks: Node[];
  actions: Action[];
}

// ---------------------------------------------------------------------------
// Generators

const msArb: fc.Arbitrary<Ms> = fc.constantFrom(0, 1, 5, 10, 30, 100, null);
const sleepArb = fc.constantFrom(0, 1, 5, 10, 20, 50);

const viaArb: fc.Arbitrary<Via> = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ kind: "plain" as const }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom("timeout" as const, "waitFor" as const),
      ms: msArb,
      catchTimeout: fc.boolean(),
    }),
  },
);

const leafArb: fc.Arbitrary<Leaf> = fc.oneof(
  fc.record({ op: fc.constant("sleep" as const), ms: sleepArb }),
  fc.record({ op: fc.constant("get" as const), q: fc.nat(1) }),
  fc.record({ op: fc.constant("put" as const), q: fc.nat(1) }),
  fc.record({ op: fc.constant("wait" as const), e: fc.nat(1) }),
);

const nodeCache = new Map<string, fc.Arbitrary<Node>>();

/** Where the generator is, for the rules that keep programs meaningful. */
interface Gen {
  /**
   * Inside a lock's body: no node takes the lock again, in any task it
   * starts (the lock is not reentrant: that deadlock would be the
   * program's, not the library's).
   */
  inLock: boolean;
  /** Scope nodes (timeout, waitFor, taskGroup) around, in this task. */
  depth: number;
  /** How many scopes deep the code here may still nest its waits. */
  budget: number;
}

/** A task's own code: no scope around it yet. */
const TOP: Gen = { inLock: false, depth: 0, budget: Infinity };

/** How many scopes a wait made `via` nests (`cond.wait()` has its own). */
function viaCost(via: Via): number {
  return via.kind === "plain" ? 0 : 1;
}

/** Code in a new task: its own root scope. */
function newTask(g: Gen): Gen {
  return { inLock: g.inLock, depth: 0, budget: Infinity };
}

/** Code inside one more scope node. */
function nested(g: Gen): Gen {
  return { ...g, depth: g.depth + 1, budget: g.budget - 1 };
}

/** Trees of operations `levels` deep, made where `g` says. */
function nodeArb(levels: number, g: Gen): fc.Arbitrary<Node> {
  const key = `${levels}/${g.inLock}/${Math.min(g.depth, 2)}/${g.budget}`;
  const cached = nodeCache.get(key);
  if (cached !== undefined) return cached;
  const leaves: fc.WeightedArbitrary<Node>[] = [
    {
      weight: 8,
      arbitrary: fc.record({
        k: fc.constant("leaf" as const),
        leaf: leafArb,
        via: viaArb,
      }).filter((n) => viaCost(n.via) <= g.budget),
    },
    {
      weight: 1,
      arbitrary: fc.record({ k: fc.constant("set" as const), e: fc.nat(1) }),
    },
  ];
  if (g.budget >= 1) {
    leaves.push({
      weight: 2,
      arbitrary: fc.record({ k: fc.constant("cond" as const), via: viaArb })
        .filter((n) => 1 + viaCost(n.via) <= g.budget),
    });
  }
  if (levels === 0) {
    const arb = fc.oneof(...leaves);
    nodeCache.set(key, arb);
    return arb;
  }
  const sub = nodeArb(levels - 1, g);
  const inScope = nodeArb(levels - 1, nested(g));
  const inTask = nodeArb(levels - 1, newTask(g));
  const left = nodeArb(levels - 1, g);
  const branch = (node: fc.Arbitrary<Node>): fc.Arbitrary<Branch> =>
    fc.oneof(fc.record({ raw: leafArb }), fc.record({ node }));
  const composites: fc.WeightedArbitrary<Node>[] = [
    {
      weight: 3,
      arbitrary: fc.record({
        k: fc.constant("seq" as const),
        items: fc.array(sub, { minLength: 1, maxLength: 3 }),
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant("allSettled" as const),
        branches: fc.array(branch(sub), { minLength: 2, maxLength: 3 }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ k: fc.constant("shield" as const), body: inTask }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant("host" as const),
        how: fc.constantFrom("microtask" as const, "then" as const),
        awaited: fc.constant(true),
        body: sub,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        k: fc.constant("child" as const),
        awaited: fc.boolean(),
        throws: fc.boolean(),
        body: inTask,
      }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant("catch" as const),
        what: fc.constantFrom("cancel" as const, "any" as const),
        rethrow: fc.boolean(),
        body: sub,
      }),
    },
  ];
  {
    composites.push(
      {
        weight: 3,
        arbitrary: fc.record({
          k: fc.constantFrom("all" as const, "race" as const),
          branches: fc.array(branch(left), { minLength: 2, maxLength: 3 }),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          k: fc.constant("host" as const),
          how: fc.constantFrom("microtask" as const, "then" as const),
          awaited: fc.constant(false),
          body: left,
        }),
      },
    );
  }
  if (g.budget >= 1) {
    composites.push(
      {
        weight: 3,
        arbitrary: fc.record({
          k: fc.constant("timeout" as const),
          ms: msArb,
          body: inScope,
          catchTimeout: fc.boolean(),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          k: fc.constant("waitFor" as const),
          ms: msArb,
          body: inTask,
          catchTimeout: fc.boolean(),
        }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          k: fc.constant("group" as const),
          children: fc.array(
            fc.record({ body: inTask, throws: fc.boolean() }),
            { maxLength: 2 },
          ),
          body: inScope,
          catchErrors: fc.boolean(),
        }),
      },
    );
  }
  if (!g.inLock) {
    composites.push({
      weight: 2,
      arbitrary: fc.record({
        k: fc.constant("lock" as const),
        via: viaArb,
        body: nodeArb(levels - 1, { ...g, inLock: true }),
      }).filter((n) => viaCost(n.via) <= g.budget),
    });
  }
  // Inner levels prefer composites, for programs of a dozen operations.
  const inner = leaves.map((l) => ({ ...l, weight: Math.ceil(l.weight / 2) }));
  const arb = fc.oneof(...inner, ...composites);
  nodeCache.set(key, arb);
  return arb;
}

const atArb = fc.constantFrom(0, 1, 2, 5, 10, 15, 20, 30, 50, 100, 200);
const fromArb = fc.constantFrom("task" as const, "callback" as const);

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      at: atArb,
      from: fromArb,
      do: fc.constant("cancel" as const),
      t: fc.nat(3),
      times: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      at: atArb,
      from: fromArb,
      do: fc.constant("uncancel" as const),
      t: fc.nat(3),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      at: atArb,
      from: fromArb,
      do: fc.constantFrom("put" as const, "get" as const),
      q: fc.nat(1),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      at: atArb,
      from: fromArb,
      do: fc.constantFrom("set" as const, "clear" as const),
      e: fc.nat(1),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      at: atArb,
      from: fromArb,
      do: fc.constant("notify" as const),
      n: fc.integer({ min: 1, max: 3 }),
    }),
  },
);

const programArb: fc.Arbitrary<Program> = fc.record({
  queues: fc.array(fc.nat(2), { minLength: 1, maxLength: 2 }),
  events: fc.integer({ min: 1, max: 2 }),
  tasks: fc.array(nodeArb(4, TOP), { minLength: 1, maxLength: 4 }),
  actions: fc.array(actionArb, { maxLength: 8 }),
});

// ---------------------------------------------------------------------------
// Showing a program as code, for failure reports

function showMs(ms: Ms): string {
  return ms === null ? "null" : String(ms);
}

function showLeaf(leaf: Leaf): string {
  switch (leaf.op) {
    case "sleep":
      return `sleep(${leaf.ms})`;
    case "get":
      return `q${leaf.q}.get()`;
    case "put":
      return `q${leaf.q}.put(id)`;
    case "wait":
      return `e${leaf.e}.wait()`;
  }
}

function showVia(via: Via, wait: string): string {
  if (via.kind === "plain") return `await ${wait};`;
  const call = via.kind === "timeout"
    ? `timeout(${showMs(via.ms)}, () => ${wait})`
    : `waitFor(${wait}, ${showMs(via.ms)})`;
  return via.catchTimeout
    ? `await ${call}.catch(ifTimeout(() => {}));`
    : `await ${call};`;
}

function block(body: Node, pad: string): string {
  return `async () => {\n${show(body, pad + "  ")}\n${pad}}`;
}

/**
 * A program as TypeScript-like code: `q0`, `e0`, `lock`, `cond` are the
 * program's primitives, `id` a fresh item.
 */
function show(node: Node, pad = "  "): string {
  switch (node.k) {
    case "leaf":
      return pad + showVia(node.via, showLeaf(node.leaf));
    case "set":
      return `${pad}e${node.e}.set();`;
    case "cond":
      return `${pad}await cond.acquire(); try { ${
        showVia(node.via, "cond.wait()")
      } } finally { cond.release(); }`;
    case "lock":
      return `${pad}${showVia(node.via, "lock.acquire()")}\n${pad}try {\n${
        show(node.body, pad + "  ")
      }\n${pad}} finally { lock.release(); }`;
    case "seq":
      return node.items.map((n) => show(n, pad)).join("\n");
    case "all":
    case "allSettled":
    case "race":
      return `${pad}await Promise.${node.k}([\n${
        node.branches.map((b) =>
          "raw" in b
            ? `${pad}  ${showLeaf(b.raw)},`
            : `${pad}  (${block(b.node, pad + "  ")})(),`
        ).join("\n")
      }\n${pad}]);`;
    case "timeout":
      return `${pad}await timeout(${showMs(node.ms)}, ${
        block(node.body, pad)
      })${node.catchTimeout ? ".catch(ifTimeout(() => {}))" : ""};`;
    case "waitFor":
      return `${pad}await waitFor(createTask(${block(node.body, pad)}), ${
        showMs(node.ms)
      })${node.catchTimeout ? ".catch(ifTimeout(() => {}))" : ""};`;
    case "shield":
      return `${pad}await shield(createTask(${block(node.body, pad)}));`;
    case "host":
      return node.how === "microtask"
        ? `${pad}${
          node.awaited ? "await new Promise((r) => " : ""
        }queueMicrotask(() => (${block(node.body, pad)})()${
          node.awaited ? ".then(r)));" : ");"
        }`
        : `${pad}${node.awaited ? "await " : ""}Promise.resolve().then(${
          block(node.body, pad)
        });`;
    case "child":
      return `${pad}${node.awaited ? "await " : ""}createTask(${
        node.throws ? "/* then throws Boom */ " : ""
      }${block(node.body, pad)});`;
    case "group":
      return `${pad}await taskGroup(async (tg) => {\n${
        node.children.map((c) =>
          `${pad}  tg.createTask(${c.throws ? "/* then throws Boom */ " : ""}${
            block(c.body, pad + "  ")
          });`
        ).join("\n")
      }${node.children.length > 0 ? "\n" : ""}${
        show(node.body, pad + "  ")
      }\n${pad}})${node.catchErrors ? ".catch(ifAggregate(() => {}))" : ""};`;
    case "catch":
      return `${pad}try {\n${show(node.body, pad + "  ")}\n${pad}} catch (e) {${
        node.what === "cancel"
          ? " if (!(e instanceof CancelledError)) throw e;"
          : ""
      }${node.rethrow ? " throw e;" : " /* carry on */"} }`;
  }
}

function showAction(a: Action, p: Program): string {
  switch (a.do) {
    case "cancel":
      return `T${a.t % p.tasks.length}.cancel()${
        a.times > 1 ? ` x${a.times}` : ""
      }`;
    case "uncancel":
      return `T${a.t % p.tasks.length}.uncancel()`;
    case "put":
      return `q${a.q % p.queues.length}.putNowait(id)`;
    case "get":
      return `q${a.q % p.queues.length}.getNowait()`;
    case "notify":
      return `cond.notify(${a.n})`;
    case "set":
    case "clear":
      return `e${a.e % p.events}.${a.do}()`;
  }
}

function showProgram(p: Program): string {
  const lines = [
    `queues: ${p.queues.map((m, i) => `q${i} = new Queue(${m})`).join(", ")}`,
    `events: ${Array.from({ length: p.events }, (_, i) => `e${i}`).join(", ")}`,
  ];
  p.tasks.forEach((t, i) =>
    lines.push(`T${i} = createTask(async () => {\n${show(t)}\n});`)
  );
  for (const a of p.actions) {
    const what = showAction(a, p);
    lines.push(`driver, at ${a.at} ms from a ${a.from}: ${what}`);
  }
  return lines.join("\n");
}

// ---------------------------------------------------------------------------
// Running a program and checking it

class Boom extends Error {
  constructor() {
    super("boom");
    this.name = "Boom";
  }
}

const NONE = Symbol("none");

function now(): number {
  return getRunningLoop().time();
}

/**
 * An error the program itself may end with. With `late`, also the refusal
 * of `timeout()` and `taskGroup()` to run in work a host callback started
 * in a task that has ended since: it belongs to no task.
 */
function isProgramError(e: unknown, late = false): boolean {
  if (e instanceof AggregateError) {
    return e.errors.every((x) => isProgramError(x, late));
  }
  return e instanceof Boom || e instanceof TimeoutError ||
    e instanceof QueueShutDown ||
    (late && e instanceof Error && /not inside a task/.test(e.message));
}

/** A top-level task and what the driver did to it. */
interface Top {
  index: number;
  task: Task<unknown> | null;
  /** Successful outside `cancel()` calls. */
  cancels: number;
  /** Bumped when a cancel finds `cancelling() === 0`. */
  epoch: number;
  /** When the current epoch's cancel was requested (or re-armed). */
  since: number | null;
  /** Epochs whose cancellation reached the task's code. */
  seen: Set<number>;
  /** The epoch a TaskGroup's failure re-armed, and the waits started then. */
  rearmed: { epoch: number; waits: number } | null;
  /** Epochs whose cancellation the code caught and carried on from. */
  absorbed: Set<number>;
  finishedAt: number | null;
}

/** Where code runs. */
interface Ctx {
  /** The top-level task it belongs to. */
  top: Top;
  /** Whether it runs in the top task's own scope tree. */
  direct: boolean;
  /** The task whose scopes hold the code. */
  owner: () => Task<unknown>;
  /** Inside a timeout, waitFor or taskGroup (of this task or the awaiter). */
  inScope: boolean;
  /**
   * The outside cancels seen so far in each enclosing part of the code
   * whose outcome something may drop or catch (a combinator's branch, a
   * detached callback, a `try`): a scope on the way out may rethrow such a
   * cancel as its own cancellation or as a failure, so dropping that
   * outcome drops the cancel too.
   */
  sinks: Sink[];
  path: string;
  /** In code the task started and did not await (a host callback). */
  stray?: boolean;
  /**
   * One flag per enclosing `Promise.race`/`all`, set once it settled: the
   * branch is then code the task left behind.
   */
  left?: { behind: boolean }[];
}

/** Outside cancels, as `<top index>:<epoch>`. */
type Sink = Set<string>;

type Outcome<T> = { ok: true; value: T } | { ok: false };

/** A timeout or waitFor that has not yet decided how it ends. */
interface Watch {
  active: () => boolean;
  hit: boolean;
  task: Task<unknown>;
}

/** Whether a timeout scope is entered and has not exited yet. */
function scopeActive(scope: Timeout | undefined): boolean {
  return scope !== undefined &&
    /^Timeout\((active|expiring)\b/.test(String(scope));
}

class Run {
  readonly violations: string[] = [];
  readonly queues: Queue<number>[];
  readonly events: Event[];
  readonly lock = new Lock();
  readonly cond = new Condition();
  readonly tops: Top[] = [];
  readonly tasks: Task<unknown>[] = [];
  lockHolders = 0;
  condHolders = 0;
  /** Sub-programs, orphaned raw waits and combinator checks in flight. */
  inFlight = 0;
  #nextItem = 0;
  #nextSerial = 0;
  readonly #itemQueue = new Map<number, number>();
  readonly #putState = new Map<number, "pending" | "done" | "failed">();
  readonly #got = new Set<number>();
  readonly #serials = new Map<
    number,
    { top: Top; epoch: number; waitsBefore: number }
  >();
  readonly #watches = new Map<Task<unknown>, Set<Watch>>();
  /** Waits started so far. */
  #waits = 0;
  /**
   * For each outside cancel, and each task whose code saw it, how many
   * waits had started then. Kept per task: one cancel is delivered once to
   * each task it cancels, not once in all. Its fan-out reaches the top
   * task's pending waits, and among them the tasks it awaits (through
   * `waitFor()` or `await child`), which it cancels in turn (as asyncio
   * cancels the task a cancelled task awaits); each of those raises it in
   * its own code, once. A child whose wait was woken with a value (an item
   * of `q.get()`) when the cancel reached it keeps the value and meets its
   * cancel at its next wait, which may start after the top task's code saw
   * the same cancel elsewhere (property seed 106: CPython raises it in
   * both tasks too, in the child at the get()).
   */
  readonly #firstSeen = new Map<number, Map<Task<unknown>, number>>();
  /**
   * For each outside cancel, the tasks whose `cancel()` it reached (the
   * top task, and those its fan-out cancelled): only their code may raise
   * it, which keeps the check above as strict as a count over all tasks
   * for any other task.
   */
  readonly #reached = new Map<number, Set<Task<unknown>>>();
  /**
   * Cancellations raised at waits started before a TaskGroup's failure
   * re-armed the request: the fan-out that re-armed it reached them too
   * (stray code of the task, such as a promise it did not await), so they
   * are the delivery before the re-arm, whenever they surface.
   */
  readonly #beforeRearm = new WeakSet<object>();

  constructor(readonly program: Program) {
    this.queues = program.queues.map((m) => new Queue<number>(m));
    this.events = Array.from({ length: program.events }, () => new Event());
  }

  violation(text: string): void {
    if (!this.violations.includes(text)) this.violations.push(text);
  }

  q(i: number): Queue<number> {
    return this.queues[i % this.queues.length]!;
  }

  e(i: number): Event {
    return this.events[i % this.events.length]!;
  }

  // Items --------------------------------------------------------------

  newItem(q: number): number {
    const id = this.#nextItem++;
    this.#itemQueue.set(id, q % this.queues.length);
    this.#putState.set(id, "pending");
    return id;
  }

  putDone(id: number, ok: boolean): void {
    count(ok ? "items put" : "puts failed");
    this.#putState.set(id, ok ? "done" : "failed");
  }

  got(q: number, id: unknown, where: string): void {
    if (typeof id !== "number" || !this.#itemQueue.has(id)) {
      this.violation(`${where}: got ${String(id)}, not an item`);
      return;
    }
    if (this.#itemQueue.get(id) !== q % this.queues.length) {
      this.violation(`${where}: got item ${id} of another queue`);
    }
    if (this.#got.has(id)) this.violation(`${where}: item ${id} got twice`);
    if (this.#putState.get(id) === "failed") {
      this.violation(`${where}: got item ${id} whose put() failed`);
    }
    this.#got.add(id);
    count("items got");
  }

  checkItems(): void {
    this.queues.forEach((q, i) => {
      while (!q.empty()) this.got(i, q.getNowait(), "drain at the end");
    });
    for (const [id, state] of this.#putState) {
      if (state === "pending") {
        this.violation(`put() of item ${id} never ended`);
      }
      if (state === "done" && !this.#got.has(id)) {
        this.violation(`item ${id} was lost: put, never got, not queued`);
      }
    }
  }

  // Cancellation bookkeeping -------------------------------------------

  cancel(top: Top): void {
    const task = top.task!;
    const serial = this.#nextSerial++;
    const before = task.cancelling();
    if (!task.cancel(`outside:${serial}`)) return;
    count("outside cancels");
    this.cancelled(task);
    this.reached(`outside:${serial}`, task);
    top.cancels++;
    if (before === 0) {
      top.epoch++;
      top.since = now();
    }
    this.#serials.set(serial, {
      top,
      epoch: top.epoch,
      waitsBefore: this.#waits,
    });
  }

  uncancel(top: Top): void {
    const task = top.task!;
    if (task.done() || task.cancelling() === 0) return;
    if (task.uncancel() === 0) {
      top.since = null;
      // Every request taken back: a timeout of the task's code converts its
      // own cancellation again (as CPython's, whose check is `cancelling()`).
      for (const w of this.#watches.get(task) ?? []) w.hit = false;
    }
  }

  /** The serial of the outside cancel a `CancelledError` comes from. */
  serialOf(e: unknown): number | undefined {
    if (!(e instanceof CancelledError)) return undefined;
    const m = /^outside:(\d+)$/.exec(e.message);
    return m === null ? undefined : Number(m[1]);
  }

  /** A cancel with message `msg` reached `task`'s `cancel()`. */
  reached(msg: string | undefined, task: Task<unknown>): void {
    const m = /^outside:(\d+)$/.exec(msg ?? "");
    if (m === null) return;
    const serial = Number(m[1]);
    let tasks = this.#reached.get(serial);
    if (tasks === undefined) this.#reached.set(serial, tasks = new Set());
    tasks.add(task);
  }

  /** The outside cancel a `CancelledError` comes from, if any. */
  tagOf(e: unknown): { top: Top; epoch: number } | undefined {
    const serial = this.serialOf(e);
    return serial === undefined ? undefined : this.#serials.get(serial);
  }

  /** A wait starts; returns its number. */
  waitStarts(): number {
    return ++this.#waits;
  }

  /**
   * The wait numbered `started` ended with `e`. A cancellation is
   * delivered once (edge): once an outside cancel was seen in a task's
   * code, a wait of that task started afterwards does not get it again
   * (unless a TaskGroup's failure re-armed it).
   */
  waitEnded(e: unknown, started: number, ctx: Ctx): void {
    const serial = this.serialOf(e);
    if (serial === undefined) return;
    const tag = this.#serials.get(serial)!;
    const rearmed = tag.top.rearmed;
    // A wait pending when a group re-armed the cancel gets it then if it
    // started after the cancel (the first fan-out missed it); one pending
    // since before the cancel got it from the first fan-out.
    if (
      rearmed?.epoch === tag.epoch && started <= rearmed.waits &&
      started <= tag.waitsBefore
    ) {
      this.#beforeRearm.add(e as object);
    }
    const first = this.#firstSeen.get(serial)?.get(ctx.owner());
    // Code left behind by a settled race or all may meet a request given
    // back after the code that went on met it (its waits do not spend it).
    const behind = ctx.left?.some((f) => f.behind) === true;
    if (first !== undefined && first < started && !behind) {
      this.violation(
        `${ctx.path}: the outside cancel "${
          (e as Error).message
        }", delivered already, was raised again at a wait started after it`,
      );
    }
    this.seen(serial, ctx, e);
    if (rearmed?.epoch === tag.epoch && started > tag.waitsBefore) {
      tag.top.seen.add(tag.epoch);
    }
  }

  /** The outside cancel `serial` was raised in `ctx`'s code. */
  seen(serial: number, ctx: Ctx, e: unknown): void {
    const task = ctx.owner();
    if (this.#reached.get(serial)?.has(task) !== true) {
      this.violation(
        `${ctx.path}: the outside cancel "outside:${serial}" was raised in ${task.name}, which it never cancelled`,
      );
    }
    if (this.#beforeRearm.has(e as object)) return;
    // Code left behind by a settled race or all: the library does not spend
    // a cancellation on its waits (they are older than the code's), so it
    // may be raised again where the code went on.
    if (ctx.left?.some((f) => f.behind) === true) return;
    // Stray code met the request in the fan-out the group's failure
    // re-armed: when it surfaces there does not date the delivery.
    const tag = this.#serials.get(serial);
    if (ctx.stray && tag?.top.rearmed?.epoch === tag?.epoch) return;
    let byTask = this.#firstSeen.get(serial);
    if (byTask === undefined) this.#firstSeen.set(serial, byTask = new Map());
    if (!byTask.has(task)) byTask.set(task, this.#waits);
  }

  /** An error went through `ctx`'s code. */
  observe(e: unknown, ctx: Ctx): void {
    if (e instanceof CancelledError) {
      const tag = this.tagOf(e);
      if (tag !== undefined) {
        this.seen(this.serialOf(e)!, ctx, e);
        // Once re-armed, only a wait started afterwards sees it (below).
        if (tag.top.rearmed?.epoch !== tag.epoch) tag.top.seen.add(tag.epoch);
        for (const sink of ctx.sinks) sink.add(`${tag.top.index}:${tag.epoch}`);
      } else if (!ctx.inScope) {
        this.violation(
          `a CancelledError("${e.message}") of no outside cancel came out at ${ctx.path}, outside every timeout, waitFor and taskGroup`,
        );
      }
    } else if (!isProgramError(e, ctx.owner().done())) {
      this.violation(`unexpected error at ${ctx.path}: ${String(e)}`);
    }
  }

  /**
   * Code caught or dropped `e`, thrown by code whose outside cancels are
   * in `sink`: unless `kept` (an outcome that goes on) is one of the same
   * cancel, they are caught.
   */
  absorb(e: unknown, sink: Sink = new Set(), kept: unknown = NONE): void {
    const keys = new Set(sink);
    const tag = this.tagOf(e);
    if (tag !== undefined) keys.add(`${tag.top.index}:${tag.epoch}`);
    const on = this.tagOf(kept);
    for (const key of keys) {
      if (on !== undefined && key === `${on.top.index}:${on.epoch}`) continue;
      const [index, epoch] = key.split(":").map(Number);
      count("outside cancels caught or dropped");
      this.tops[index!]!.absorbed.add(epoch!);
    }
  }

  /**
   * An awaited task that was cancelled with its awaiter and did not end
   * cancelled: if the cancel reached one of its waits, the child caught it
   * (as in asyncio, the awaiter's cancel is spent; the child's catch may not
   * show the outside tag when two cancels of the child merged in one tick);
   * if it did not, the library gives it back to the awaiter, which the
   * FINDING 2 tests check. Either way the top task counts as having caught.
   */
  childReturned(child: Task<unknown>, ctx: Ctx): void {
    if (!child.done() || child.cancelled() || child.cancelling() === 0) return;
    const top = ctx.top;
    if (top.since !== null) top.absorbed.add(top.epoch);
  }

  /**
   * Watches a timeout or waitFor of `ctx`'s code while `active()` (it has
   * not decided how it ends): a cancel of the task then must not be turned
   * into TimeoutError.
   */
  watch(ctx: Ctx, active: () => boolean): Watch {
    const task = ctx.owner();
    let set = this.#watches.get(task);
    if (set === undefined) this.#watches.set(task, set = new Set());
    const w = { active, hit: false, task };
    set.add(w);
    return w;
  }

  unwatch(w: Watch): void {
    this.#watches.get(w.task)?.delete(w);
  }

  /** `task` was cancelled: every scope of its code still active saw it. */
  cancelled(task: Task<unknown>): void {
    for (const w of this.#watches.get(task) ?? []) if (w.active()) w.hit = true;
  }

  /**
   * A TaskGroup of `ctx` failed, and its failures win over a cancellation
   * of its task. In the top task's own code, that cancel is pending again
   * (for its next wait, from now on); in a task it awaits, which the top
   * task's cancel reached, it is pending again in that task (CPython's
   * group uncancels and cancels its task anew), and may end as that task's
   * failure.
   */
  groupFailed(ctx: Ctx): void {
    const top = ctx.top;
    if (top.since === null) return;
    const owner = ctx.owner();
    for (const [serial, tag] of this.#serials) {
      if (tag.top === top) this.#firstSeen.get(serial)?.delete(owner);
    }
    if (ctx.direct) {
      top.since = now();
      top.seen.delete(top.epoch);
      top.rearmed = { epoch: top.epoch, waits: this.#waits };
      for (const [serial, tag] of this.#serials) {
        if (tag.top === top) this.#firstSeen.delete(serial);
      }
    } else {
      top.absorbed.add(top.epoch);
    }
  }

  checkOwnTimeout(
    e: TimeoutError,
    what: string,
    deadline: number | null,
    watch: Watch,
    ctx: Ctx,
    expired?: boolean,
    signal?: AbortSignal,
  ): void {
    count("own TimeoutErrors");
    const t = now();
    const where = `${what} at ${ctx.path}`;
    if (deadline === null) {
      this.violation(`${where} threw TimeoutError at ${t} with no deadline`);
    } else if (t < deadline) {
      this.violation(
        `${where} threw TimeoutError at ${t}, before its deadline ${deadline}`,
      );
    }
    if (expired === false) {
      this.violation(`${where} threw TimeoutError but is not expired()`);
    }
    if (signal !== undefined && !signal.aborted) {
      this.violation(`${where} threw TimeoutError, its signal not aborted`);
    }
    if (watch.hit) {
      this.violation(
        `${where} turned into TimeoutError a cancellation of its task requested while it was active`,
      );
    }
    if (!(e.cause instanceof CancelledError)) {
      this.violation(`${where}: TimeoutError whose cause is not a cancel`);
    } else if (this.tagOf(e.cause) !== undefined) {
      this.violation(
        `${where} turned an outside cancellation (${e.cause.message}) into TimeoutError`,
      );
    }
  }

  // Executing ------------------------------------------------------------

  async exec(node: Node, ctx: Ctx): Promise<void> {
    this.inFlight++;
    try {
      await this.#exec(node, ctx);
    } catch (e) {
      this.observe(e, ctx);
      throw e;
    } finally {
      this.inFlight--;
    }
  }

  /** Runs one wait `via` bare, `timeout()` or `waitFor()`. */
  async via<T>(
    via: Via,
    start: () => PromiseLike<T>,
    ctx: Ctx,
    what: string,
  ): Promise<Outcome<T>> {
    const started = this.waitStarts();
    try {
      return await this.#via(via, start, ctx, what);
    } catch (e) {
      this.waitEnded(e, started, ctx);
      throw e;
    }
  }

  async #via<T>(
    via: Via,
    start: () => PromiseLike<T>,
    ctx: Ctx,
    what: string,
  ): Promise<Outcome<T>> {
    if (via.kind === "plain") return { ok: true, value: await start() };
    const t0 = now();
    let scope: Timeout | undefined;
    let inner: PromiseLike<T> | undefined;
    const w = this.watch(
      ctx,
      () =>
        via.kind === "timeout"
          ? scopeActive(scope)
          : inner instanceof Future && !inner.done(),
    );
    try {
      let value: T;
      if (via.kind === "timeout") {
        value = await timeout(via.ms, (s) => {
          scope = s;
          return start();
        });
      } else {
        inner = start();
        value = await waitFor(inner, via.ms);
      }
      return { ok: true, value };
    } catch (e) {
      if (e instanceof TimeoutError) {
        const deadline = via.kind === "timeout"
          ? scope?.when() ?? null
          : via.ms === null
          ? null
          : t0 + Math.max(0, via.ms);
        this.checkOwnTimeout(
          e,
          `${via.kind}(${what}, ${showMs(via.ms)})`,
          deadline,
          w,
          ctx,
          scope?.expired(),
          scope?.signal,
        );
        if (via.catchTimeout) return { ok: false };
      }
      throw e;
    } finally {
      this.unwatch(w);
    }
  }

  async leaf(leaf: Leaf, via: Via, ctx: Ctx): Promise<void> {
    switch (leaf.op) {
      case "sleep":
        await this.via(via, () => sleep(leaf.ms), ctx, showLeaf(leaf));
        return;
      case "wait":
        await this.via(via, () => this.e(leaf.e).wait(), ctx, showLeaf(leaf));
        return;
      case "get":
        try {
          const r = await this.via(
            via,
            () => this.q(leaf.q).get(),
            ctx,
            showLeaf(leaf),
          );
          if (r.ok) this.got(leaf.q, r.value, ctx.path);
        } catch (e) {
          if (!(e instanceof QueueShutDown)) throw e;
        }
        return;
      case "put": {
        const id = this.newItem(leaf.q);
        try {
          const r = await this.via(
            via,
            () => this.q(leaf.q).put(id),
            ctx,
            showLeaf(leaf),
          );
          this.putDone(id, r.ok);
        } catch (e) {
          this.putDone(id, false);
          if (!(e instanceof QueueShutDown)) throw e;
        }
        return;
      }
    }
  }

  /** Starts a bare wait for a combinator, and watches its outcome. */
  raw(leaf: Leaf, ctx: Ctx): PromiseLike<unknown> {
    let p: PromiseLike<unknown>;
    let onValue = (_: unknown): void => {};
    let onError = (_: unknown): void => {};
    switch (leaf.op) {
      case "sleep":
        p = sleep(leaf.ms);
        break;
      case "wait":
        p = this.e(leaf.e).wait();
        break;
      case "get":
        p = this.q(leaf.q).get();
        onValue = (v) => this.got(leaf.q, v, `${ctx.path} (bare get)`);
        break;
      case "put": {
        const id = this.newItem(leaf.q);
        p = this.q(leaf.q).put(id);
        onValue = () => this.putDone(id, true);
        onError = () => this.putDone(id, false);
        break;
      }
    }
    this.inFlight++;
    const started = this.waitStarts();
    // Same scope as the combinator's own then(): the wait registers once.
    p.then((v) => {
      this.inFlight--;
      onValue(v);
    }, (e) => {
      this.inFlight--;
      this.waitEnded(e, started, ctx);
      onError(e);
      if (!(e instanceof QueueShutDown)) this.observe(e, ctx);
    });
    return p;
  }

  /** A child task running `body`, made by `make` (createTask or a group). */
  spawn(
    body: Node,
    throws: boolean,
    ctx: Ctx,
    inScope: boolean,
    label: string,
    make: (fn: () => Promise<void>) => Task<void> = (fn) => createTask(fn),
  ): { task: Task<void>; escaped: () => unknown } {
    let escaped: unknown = NONE;
    const childCtx: Ctx = {
      top: ctx.top,
      direct: false,
      owner: () => task,
      inScope,
      sinks: ctx.sinks,
      path: `${ctx.path}/${label}`,
    };
    const task = make(async () => {
      try {
        await this.exec(body, childCtx);
      } catch (e) {
        escaped = e;
        throw e;
      }
      if (throws) throw (escaped = new Boom());
    });
    this.tasks.push(task);
    // Every cancel of the child, whoever makes it (its group, a deadline,
    // its awaiter's cancel), is one the scopes of its code must not turn
    // into TimeoutError.
    const cancel = task.cancel.bind(task);
    task.cancel = (msg?: string): boolean => {
      const ok = cancel(msg);
      if (ok) {
        this.cancelled(task);
        this.reached(msg, task);
      }
      return ok;
    };
    // Retrieve its outcome through the loop, not with then(): a then()
    // here would make it a wait of the current scope.
    task.addDoneCallback((t) => {
      if (!t.cancelled()) t.exception();
    });
    return { task, escaped: () => escaped };
  }

  async #exec(node: Node, ctx: Ctx): Promise<void> {
    switch (node.k) {
      case "leaf":
        return await this.leaf(node.leaf, node.via, ctx);
      case "set":
        this.e(node.e).set();
        return;
      case "cond": {
        const cond = this.cond;
        await cond.acquire();
        this.holdCond(ctx);
        try {
          this.condHolders--;
          try {
            await this.via(node.via, () => cond.wait(), ctx, "cond.wait()");
          } finally {
            this.holdCond(ctx);
          }
        } finally {
          this.condHolders--;
          cond.release();
        }
        return;
      }
      case "lock": {
        const r = await this.via(
          node.via,
          () => this.lock.acquire(),
          ctx,
          "lock.acquire()",
        );
        if (!r.ok) return;
        count("lock held");
        this.lockHolders++;
        if (this.lockHolders > 1 || !this.lock.locked()) {
          this.violation(
            `${ctx.path}: ${this.lockHolders} lock holders, locked() ${this.lock.locked()}`,
          );
        }
        try {
          await this.exec(node.body, ctx);
        } finally {
          this.lockHolders--;
          this.lock.release();
        }
        return;
      }
      case "seq":
        for (const item of node.items) await this.exec(item, ctx);
        return;
      case "all":
      case "allSettled":
      case "race":
        return await this.combine(node.k, node.branches, ctx);
      case "timeout": {
        let scope: Timeout | undefined;
        const w = this.watch(ctx, () => scopeActive(scope));
        const inner: Ctx = {
          ...ctx,
          inScope: true,
          path: `${ctx.path}/timeout(${showMs(node.ms)})`,
        };
        let bodyError: unknown = NONE;
        try {
          await timeout(node.ms, async (s) => {
            scope = s;
            try {
              await this.exec(node.body, inner);
            } catch (e) {
              bodyError = e;
              throw e;
            }
          });
        } catch (e) {
          if (e instanceof TimeoutError && e !== bodyError) {
            this.checkOwnTimeout(
              e,
              `timeout(${showMs(node.ms)})`,
              scope?.when() ?? null,
              w,
              ctx,
              scope?.expired(),
              scope?.signal,
            );
            if (node.catchTimeout) return;
          }
          throw e;
        } finally {
          this.unwatch(w);
        }
        return;
      }
      case "waitFor": {
        const t0 = now();
        const label = `waitFor(${showMs(node.ms)})`;
        const child = this.spawn(node.body, false, ctx, true, label);
        // Its scope decides how it ends only once the child is done.
        const w = this.watch(ctx, () => !child.task.done());
        try {
          await waitFor(child.task, node.ms);
        } catch (e) {
          if (e instanceof TimeoutError && e !== child.escaped()) {
            this.checkOwnTimeout(
              e,
              label,
              node.ms === null ? null : t0 + Math.max(0, node.ms),
              w,
              ctx,
            );
            if (node.catchTimeout) return;
          }
          throw e;
        } finally {
          this.unwatch(w);
          this.childReturned(child.task, ctx);
        }
        return;
      }
      case "shield": {
        const inner = this.spawn(node.body, false, ctx, false, "shield");
        await shield(inner.task);
        return;
      }
      case "host": {
        const schedule = node.how === "microtask"
          ? queueMicrotask
          : (f: () => void) => void Promise.resolve().then(f);
        const sink: Sink = new Set();
        const host: Ctx = {
          ...ctx,
          sinks: node.awaited ? ctx.sinks : [...ctx.sinks, sink],
          path: `${ctx.path}/host`,
          stray: ctx.stray === true || !node.awaited,
        };
        const work = (): Promise<void> => {
          // The callback runs in the task that made it, while it runs.
          const owner = ctx.owner();
          const expected = owner.done() ? undefined : owner;
          if (currentTask() !== expected) {
            this.violation(
              `${host.path}: currentTask() is ${currentTask()}, not ${expected}`,
            );
          }
          return this.exec(node.body, host);
        };
        if (node.awaited) {
          await new Promise<void>((resolve, reject) =>
            schedule(() => void work().then(resolve, reject))
          );
        } else {
          schedule(() => void work().catch((e) => this.absorb(e, sink)));
        }
        return;
      }
      case "child": {
        const child = this.spawn(
          node.body,
          node.throws,
          ctx,
          ctx.inScope,
          "child",
        );
        if (node.awaited) {
          try {
            await child.task;
          } finally {
            this.childReturned(child.task, ctx);
          }
        }
        return;
      }
      case "group": {
        const inner: Ctx = {
          ...ctx,
          inScope: true,
          path: `${ctx.path}/taskGroup`,
        };
        try {
          await taskGroup(async (tg) => {
            node.children.forEach((c, i) =>
              this.spawn(
                c.body,
                c.throws,
                inner,
                true,
                `tg.child${i}`,
                (fn) => tg.createTask(fn),
              )
            );
            await this.exec(node.body, inner);
          });
        } catch (e) {
          if (e instanceof AggregateError) {
            this.groupFailed(ctx);
            if (node.catchErrors) return;
          }
          throw e;
        }
        return;
      }
      case "catch": {
        const sink: Sink = new Set();
        try {
          await this.exec(node.body, { ...ctx, sinks: [...ctx.sinks, sink] });
        } catch (e) {
          const cancelled = e instanceof CancelledError;
          if ((node.what === "cancel" && !cancelled) || node.rethrow) throw e;
          this.absorb(e, sink);
        }
        return;
      }
    }
  }

  holdCond(ctx: Ctx): void {
    this.condHolders++;
    if (this.condHolders > 1 || !this.cond.locked()) {
      this.violation(
        `${ctx.path}: ${this.condHolders} holders of the condition's lock, locked() ${this.cond.locked()}`,
      );
    }
  }

  async combine(
    kind: "all" | "allSettled" | "race",
    branches: Branch[],
    ctx: Ctx,
  ): Promise<void> {
    const sinks = branches.map((): Sink => new Set());
    const flag = { behind: false };
    const left = kind === "allSettled" ? ctx.left : [...ctx.left ?? [], flag];
    const ps = branches.map((b, i) =>
      "raw" in b ? this.raw(b.raw, { ...ctx, left }) : this.exec(b.node, {
        ...ctx,
        left,
        sinks: [...ctx.sinks, sinks[i]!],
        path: `${ctx.path}/${kind}[${i}]`,
      })
    );
    const combined: Promise<unknown> = kind === "all"
      ? Promise.all(ps)
      : kind === "race"
      ? Promise.race(ps)
      : Promise.allSettled(ps);
    const leave = () => void (flag.behind = true);
    combined.then(leave, leave);
    // Once every branch has settled: the cancellations the combinator
    // dropped were caught, unless one of the same cancel propagates.
    this.inFlight++;
    void Promise.allSettled([combined, ...ps]).then(([c, ...rs]) => {
      this.inFlight--;
      const propagated = c!.status === "rejected" && kind !== "allSettled"
        ? c!.reason
        : NONE;
      rs.forEach((r, i) => {
        if (r.status === "rejected" && r.reason !== propagated) {
          this.absorb(r.reason, sinks[i], propagated);
        }
      });
    });
    await combined;
  }

  // Driving ----------------------------------------------------------------

  start(): void {
    this.program.tasks.forEach((node, index) => {
      const top: Top = {
        index,
        task: null,
        cancels: 0,
        epoch: 0,
        since: null,
        seen: new Set(),
        rearmed: null,
        absorbed: new Set(),
        finishedAt: null,
      };
      const ctx: Ctx = {
        top,
        direct: true,
        owner: () => top.task!,
        inScope: false,
        sinks: [],
        path: `T${index}`,
      };
      top.task = createTask(async () => {
        try {
          await this.exec(node, ctx);
        } finally {
          top.finishedAt = now();
        }
      }, { name: `T${index}` });
      top.task.addDoneCallback((t) => {
        if (!t.cancelled()) t.exception();
      });
      this.tops.push(top);
    });
  }

  act(a: Action): void {
    switch (a.do) {
      case "cancel":
        for (let i = 0; i < a.times; i++) {
          this.cancel(this.tops[a.t % this.tops.length]!);
        }
        return;
      case "uncancel":
        this.uncancel(this.tops[a.t % this.tops.length]!);
        return;
      case "put": {
        const q = this.q(a.q);
        if (q.full()) return;
        const id = this.newItem(a.q);
        q.putNowait(id);
        this.putDone(id, true);
        return;
      }
      case "get": {
        const q = this.q(a.q);
        if (!q.empty()) this.got(a.q, q.getNowait(), "driver getNowait()");
        return;
      }
      case "set":
        this.e(a.e).set();
        return;
      case "clear":
        this.e(a.e).clear();
        return;
      case "notify":
        this.notify(a.n);
        return;
    }
  }

  /** Notifies if nobody holds the condition's lock (else skips). */
  notify(n: number): void {
    if (this.cond.locked()) return;
    // The lock is free: acquire() takes it at once.
    void this.cond.acquire();
    this.cond.notify(n);
    this.cond.release();
  }

  allDone(): boolean {
    return this.inFlight === 0 && this.tasks.every((t) => t.done()) &&
      this.tops.every((t) => t.task!.done());
  }

  describePending(): string {
    const pending = [
      ...this.tops.map((t) => t.task!),
      ...this.tasks,
    ].filter((t) => !t.done());
    return pending.map((t) =>
      `${t.name} waits on [${
        t.pendingWaits().map((w) =>
          [...w.scopes, w.future.label ?? String(w.future)].join(" > ")
        ).join(", ")
      }]`
    ).join("; ") + ` (${this.inFlight} sub-programs or waits in flight)`;
  }

  /** Invariants 5 and 6, once every task is done. */
  checkTops(): void {
    for (const top of this.tops) {
      const task = top.task!;
      const name = `T${top.index}`;
      let outcome: unknown = "returned";
      if (task.cancelled()) outcome = "cancelled";
      else if (task.exception() !== undefined) outcome = task.exception();
      if (outcome === "cancelled" && top.cancels === 0) {
        this.violation(`${name} ended cancelled, never cancelled from outside`);
      }
      if (
        outcome !== "returned" && outcome !== "cancelled" &&
        !isProgramError(outcome)
      ) {
        this.violation(`${name} ended with ${String(outcome)}`);
      }
      count(
        `tasks ${
          outcome === "returned" || outcome === "cancelled" ? outcome : "failed"
        }`,
      );
      if (outcome === "cancelled" || top.since === null) continue;
      count("tasks cancelled from outside that did not end cancelled");
      // Cancelled from outside (and not taken back), yet not cancelled.
      if (top.absorbed.has(top.epoch)) continue;
      const ended = outcome === "returned" ? "returned" : String(outcome);
      // A TaskGroup's failures win over the cancel, as CPython's
      // ExceptionGroup does: the group's AggregateError may end the task.
      if (
        outcome instanceof AggregateError && top.rearmed?.epoch === top.epoch
      ) {
        continue;
      }
      if (top.seen.has(top.epoch)) {
        this.violation(
          `${name}: the outside cancel (at ${top.since}) reached its code, which did not catch it, yet it ${ended}`,
        );
      } else if (top.finishedAt !== null && top.finishedAt > top.since) {
        this.violation(
          `${name}: the outside cancel (at ${top.since}) never reached a wait, yet it ran until ${top.finishedAt} and ${ended}`,
        );
      }
    }
  }

  check(): void {
    this.checkItems();
    const left = [...allTasks()].filter((t) => t !== currentTask());
    if (left.length > 0) {
      this.violation(`tasks left pending: ${left.join(", ")}`);
    }
    for (const t of this.tasks) {
      if (t.cancelling() === 0 && t.signal.aborted) {
        this.violation(`${t.name}'s signal aborted, never cancelled`);
      }
    }
    for (const top of this.tops) {
      if (top.cancels === 0 && top.task!.signal.aborted) {
        this.violation(`T${top.index}'s signal aborted, never cancelled`);
      }
    }
    if (this.lock.locked() || this.lockHolders !== 0) {
      this.violation(`the lock is left held (${this.lockHolders} holders)`);
    }
    if (this.cond.locked() || this.condHolders !== 0) {
      this.violation(
        `the condition's lock is left held (${this.condHolders} holders)`,
      );
    }
    this.checkTops();
  }
}

/** Unhandled rejections, which the runs catch. */
const unhandled: string[] = [];

function onUnhandled(e: PromiseRejectionEvent): void {
  e.preventDefault();
  unhandled.push(`unhandled rejection: ${String(e.reason)}`);
}

/** Runs `program` and returns every violation of the invariants. */
async function runProgram(program: Program): Promise<string[]> {
  const reports: string[] = [];
  unhandled.length = 0;
  const violations = await run(async () => {
    const loop = getRunningLoop();
    loop.setExceptionHandler((_loop, context) => {
      // A group left running in a branch a Promise.race dropped, or in
      // detached work, can outlive its task: a child failing then is
      // reported, as documented.
      if (/of its TaskGroup is already done/.test(context.message)) return;
      reports.push(
        `reported to the loop: ${context.message} ${
          String(context.exception ?? "")
        }`,
      );
    });
    const r = new Run(program);
    r.start();
    const byTask: Action[] = [];
    for (const a of program.actions) {
      if (a.from === "callback") loop.callAt(a.at, () => r.act(a));
      else byTask.push(a);
    }
    byTask.sort((a, b) => a.at - b.at);
    for (const a of byTask) {
      const at = a.at;
      if (at > now()) await sleep(at - now());
      r.act(a);
    }
    if (now() < WIND_DOWN) await sleep(WIND_DOWN - now());
    for (const e of r.events) e.set();
    for (const q of r.queues) q.shutdown();
    while (!r.allDone()) {
      if (now() > HANG) {
        r.violation(`hang: ${r.describePending()}`);
        return r.violations;
      }
      r.notify(Infinity);
      await sleep(10);
    }
    r.check();
    return r.violations;
  }, { clock: new VirtualClock(), handleSigint: false });
  // One host turn, for the rejections the runtime reports after it.
  await new Promise((resolve) => setImmediate(resolve));
  return [...violations, ...reports, ...unhandled];
}

async function assertProgram(program: Program): Promise<void> {
  const violations = await runProgram(program);
  assert.deepEqual(
    violations,
    [],
    `${violations.join("\n")}\n--- program ---\n${showProgram(program)}`,
  );
}

function printStats(): void {
  if (envNumber("AIO_PROPERTY_STATS") !== 1) return;
  console.log(
    Object.entries(STATS).map(([k, v]) => `${k}: ${v}`).join("\n"),
  );
}

Deno.test("random programs of cancels, deadlines, combinators and sync waits keep the cancel-scope invariants", async () => {
  globalThis.addEventListener("unhandledrejection", onUnhandled);
  try {
    await fc.assert(fc.asyncProperty(programArb, assertProgram), PARAMS);
  } finally {
    globalThis.removeEventListener("unhandledrejection", onUnhandled);
  }
  printStats();
});

// ---------------------------------------------------------------------------
// Findings. Each is a program the property test found (or, for FINDING 7,
// that reasoning about its expectations found), shrunk and written out by
// hand. They fail today; the generator steers clear of them (see `avoid`)
// until they are fixed.

function vrun<T>(main: () => Promise<T>): Promise<T> {
  return run(main, { clock: new VirtualClock(), handleSigint: false });
}

function nameOf(e: unknown): string {
  return e instanceof Error ? e.name : String(e);
}

// FINDING (1) waitFor(aw, 0) loses what a fast-path wait took. `q.get()`
// with an item queued takes it at once and returns a settled native
// promise; waitFor() wraps that in a task, which starts a tick later, and
// with no time left cancels it and waits for it to end. If the caller is
// cancelled meanwhile, waitFor() stops waiting for the wrapper at once, and
// the item it holds goes to nobody. DESIGN (sync): "a cancelled get()
// never loses an item", and "a value already handed over is kept"; the
// `ms > 0` path (timeout()) does wait for the wrapper and returns the item.
// CPython never starts the get in wait_for(q.get(), 0), so the item stays
// queued. Expected: the task returns the item, or the item is still queued.
Deno.test("FINDING 1: waitFor(q.get(), 0) cancelled before its fast-path item arrives loses no item", async () => {
  const result = await vrun(async () => {
    const q = new Queue<number>();
    q.putNowait(1);
    const t = createTask(() => waitFor(q.get(), 0));
    getRunningLoop().callSoon(() => t.cancel()); // after t's first step
    const got = await t.then((item) => [item], () => []);
    return [...got, ...(q.empty() ? [] : [q.getNowait()])];
  });
  assert.deepEqual(result, [1]); // before the fix: [] (the item is lost)
});

// FINDING (1) with a lock: the lock taken on the fast path stays locked,
// held by nobody. Expected: the caller holds it, or it is free.
Deno.test("FINDING 1: waitFor(lock.acquire(), 0) cancelled before its fast-path result arrives leaves no lock held by nobody", async () => {
  const result = await vrun(async () => {
    const lock = new Lock();
    const t = createTask(() => waitFor(lock.acquire(), 0));
    getRunningLoop().callSoon(() => t.cancel());
    const acquired = await t.then(() => true, () => false);
    return [acquired, lock.locked()];
  });
  assert.equal(result[0], result[1]); // before the fix: [false, true]
});

// FINDING (2) a cancel is swallowed by a task it reaches that returns before
// the cancel reaches one of its waits. Task's module doc keeps the value of
// such a task (asyncio would cancel it), which is right for the value, but
// the awaiting task's own cancel is gone with it: it runs on, uncancelled,
// and blocks in later waits. Here the task is waitFor()'s internal wrapper
// of a native promise (`lock.acquire()` on its fast path). DESIGN: an
// outside cancel ends the task cancelled unless its code caught it, and
// nothing did. Expected: the caller keeps the lock (the value is kept),
// then its next wait, sleep(100), throws CancelledError at 0 ms.
Deno.test("FINDING 2: a task cancelled in waitFor(lock.acquire(), ms) that took the lock on its fast path still ends cancelled", async () => {
  const result = await vrun(async () => {
    const lock = new Lock();
    const t = createTask(async () => {
      await waitFor(lock.acquire(), 10);
      try {
        await sleep(100);
        return "slept";
      } finally {
        lock.release();
      }
    });
    getRunningLoop().callSoon(() => t.cancel()); // t waits in waitFor()
    const outcome = await t.then(String, nameOf);
    return [outcome, now(), lock.locked()];
  });
  assert.deepEqual(result, ["CancelledError", 0, false]); // before the fix: "slept" at 100
});

// FINDING (2) with a child task: the parent, parked on `await child`, is
// cancelled while the child runs; the cancel goes to the child, which
// returns (keeping its value, as documented), and the parent's cancel is
// lost. CPython cancels the child, so the parent sees CancelledError.
// Expected: the parent gets the child's value, then its next wait throws.
Deno.test("FINDING 2: a task cancelled while it awaits a child that returns before the cancel reaches a wait still ends cancelled", async () => {
  const result = await vrun(async () => {
    const t: Task<string> = createTask(async () => {
      const child = createTask(async () => {
        t.cancel(); // t is parked on `await child`: the cancel goes to child
        return "child's value";
      });
      await child;
      await sleep(100);
      return "not cancelled";
    });
    return [await t.then(String, nameOf), now()];
  });
  assert.deepEqual(result, ["CancelledError", 0]); // before the fix: "not cancelled" at 100
});

// FINDING (3) waitFor() over a rejected native promise (here q.put() on a
// shut-down queue) attaches its handler only when the task wrapping the
// promise takes its first step. Outside a task (work a finished task left
// running belongs to no task) that is a loop tick later, after a host turn:
// the runtime reports the rejection as unhandled (Deno then fails the
// program) although the caller handles waitFor()'s rejection. Expected: no
// unhandled rejection.
Deno.test("FINDING 3: waitFor() over a rejected promise, in work a finished task left running, leaves no unhandled rejection", async () => {
  const reported: string[] = [];
  const onUnhandled = (e: PromiseRejectionEvent): void => {
    e.preventDefault();
    reported.push(String(e.reason));
  };
  globalThis.addEventListener("unhandledrejection", onUnhandled);
  try {
    const caught = await vrun(async () => {
      const q = new Queue<number>();
      q.shutdown();
      const gate = new Event();
      const caught: string[] = [];
      await createTask(async () => {
        // Still running when the task returns.
        void (async () => {
          await gate.wait();
          await waitFor(q.put(1), 100).catch((e) => caught.push(nameOf(e)));
        })();
      });
      gate.set();
      await sleep(10);
      return caught;
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(caught, ["QueueShutDown"]);
    assert.deepEqual(reported, []); // before the fix: ["QueueShutDown: Queue is shut down"]
  } finally {
    globalThis.removeEventListener("unhandledrejection", onUnhandled);
  }
});

// FINDING (4) waitFor(aw, 0) turns any cancellation of `aw` into
// TimeoutError, even the task's own: here the task is cancelled while it
// runs (before it reaches a wait), the pending cancel is delivered to the
// condition's wait (a scope made before waitFor()), and waitFor(…, 0)
// reports a timeout. The `ms > 0` path (timeout()) checks whose
// cancellation it is; this one does not. DESIGN: "a timeout turns only its
// own into TimeoutError ... An outer or task-level cancellation is never
// converted". Expected: CancelledError.
Deno.test("FINDING 4: waitFor(cond.wait(), 0) reached by a cancel of its task ends with CancelledError, not TimeoutError", async () => {
  const result = await vrun(async () => {
    const cond = new Condition();
    const t = createTask(async () => {
      await cond.acquire();
      try {
        await waitFor(cond.wait(), 0);
      } finally {
        cond.release();
      }
    });
    getRunningLoop().callSoon(() => t.cancel()); // while t's first step runs
    return await t.then(String, nameOf);
  });
  assert.equal(result, "CancelledError"); // before the fix: "TimeoutError"
});

// FINDING (4) a cancel of the task requested while waitFor(…, 0) runs and
// delivered to a sibling wait: timeout(0, …) then passes the cancel on, as
// DESIGN says ("only if no cancellation ... of the task was requested while
// it was active"); waitFor(…, 0) reports TimeoutError. Expected: the same
// outcome as timeout(0, …), CancelledError.
Deno.test("FINDING 4: waitFor(aw, 0) passes on a cancel of its task requested while it runs, as timeout(0, ...) does", async () => {
  const outcomes = [];
  for (const limit of ["timeout", "waitFor"]) {
    outcomes.push(
      await vrun(async () => {
        const t = createTask(async () => {
          const first = sleep(50).then(() => "slept"); // takes the cancel
          const settled = await Promise.allSettled([
            first,
            limit === "timeout"
              ? timeout(0, () => sleep(10))
              : waitFor(createTask(() => sleep(10)), 0),
          ]);
          return settled.map((r) =>
            r.status === "fulfilled" ? r.value : nameOf(r.reason)
          );
        });
        getRunningLoop().callSoon(() => t.cancel()); // after t's first step
        return await t;
      }),
    );
  }
  // before the fix: timeout: CancelledError, waitFor: TimeoutError
  assert.deepEqual(outcomes, [
    ["CancelledError", "CancelledError"],
    ["CancelledError", "CancelledError"],
  ]);
});

// FINDING (5) a deadline's cancellation is left behind on the task. In
// waitFor(cond.wait(), ms), the condition's wait is a scope of its own,
// made outside waitFor()'s. When the wait is notified and the deadline
// passes in the same tick, the deadline's request finds no wait pending in
// that scope, stays pending there, and when the wait ends it is handed on
// to the scope's parent, the task's root, which is not the scope it came
// from: the task's next wait throws CancelledError although nothing
// cancelled it. Expected: the next wait is untouched.
Deno.test("FINDING 5: waitFor(cond.wait(), ms) whose deadline passes as it is notified leaves no cancellation behind", async () => {
  const result = await vrun(async () => {
    const cond = new Condition();
    getRunningLoop().callAt(10, () => {
      void cond.acquire(); // free: taken at once
      cond.notify();
      cond.release();
    });
    await cond.acquire();
    let outcome: string;
    try {
      await waitFor(cond.wait(), 10);
      outcome = "notified";
    } catch (e) {
      outcome = nameOf(e);
    } finally {
      cond.release();
    }
    const next = await sleep(1).then(() => "slept", nameOf);
    return [outcome, next];
  });
  assert.equal(result[1], "slept"); // before the fix: ["notified", "CancelledError"]
});

// FINDING (5) again, when the scope the request came from has ended: a
// timeout expires while work it left running in a scope of its own is
// between a finished wait and its end. That scope keeps the request, and
// when it ends, after the timeout did, hands it past the ended timeout to
// the task, whose later wait throws CancelledError. Expected: the
// TimeoutError, then waits untouched.
Deno.test("FINDING 5: an expired timeout does not cancel its task's waits after it ended", async () => {
  const result = await vrun(async () => {
    const event = new Event();
    getRunningLoop().callAt(5, () => event.set()); // just before the deadline
    const t = createTask(async () => {
      const first = await timeout(5, async () => {
        // Left running: woken at 5, it ends a moment after the timeout.
        timeout(null, async () => {
          await event.wait();
          await null;
        }).catch(() => {});
        await sleep(10);
      }).then(() => "no timeout", nameOf);
      const next = await sleep(1).then(() => sleep(1)).then(
        () => "slept",
        nameOf,
      );
      return [first, next];
    });
    return await t;
  });
  assert.deepEqual(result, ["TimeoutError", "slept"]); // before the fix: CancelledError
});

// FINDING (6) a cancel that lands while a task runs is lost when the first
// wait it reaches is a scope's future whose code then ends without another
// wait. The request goes into that scope; on the way out the scope hands
// it back to the task "for its next wait" (`rearm`), leaving alone the
// waits already pending, here sleep(20) in the other branch. The task sits
// 20 ms in a library wait with a pending cancel and returns normally.
// DESIGN: cancelling a scope cancels every pending wait in it, and every
// wait started while the cancellation is pending. Expected: CancelledError
// at 0 ms.
Deno.test("FINDING 6: a task cancelled while it runs, then parked in Promise.all([timeout(...), sleep(20)]), ends cancelled at once", async () => {
  const result = await vrun(async () => {
    const t = createTask(async () => {
      currentTask()!.cancel(); // requested while the task runs
      await Promise.all([timeout(null, async () => {}), sleep(20)]);
      return "not cancelled";
    });
    return [await t.then(String, nameOf), now()];
  });
  assert.deepEqual(result, ["CancelledError", 0]); // before the fix: "not cancelled" at 20
});

// FINDING (7) found by reasoning about the generator's uncancel() rules:
// Task.uncancel() down to zero drops an undelivered cancel from the root
// scope only; the timeout scope active at the time keeps it as its `outer`
// request, and when its deadline passes it throws that taken-back
// CancelledError instead of TimeoutError. CPython 3.13 compares cancel
// counts on exit and raises TimeoutError. Expected: TimeoutError.
Deno.test("FINDING 7: a cancel taken back with uncancel() before delivery does not resurface when a timeout expires", async () => {
  const result = await vrun(async () => {
    const t: Task<string> = createTask(async () => {
      try {
        await timeout(10, async () => {
          t.cancel(); // requested and taken back before any wait
          t.uncancel();
          await sleep(100);
        });
        return "no timeout";
      } catch (e) {
        return nameOf(e);
      }
    });
    return await t;
  });
  assert.equal(result, "TimeoutError"); // before the fix: "CancelledError"
});

// FINDING (8) one cancel is delivered twice. Cancelling a scope cancels its
// waits, then walks its nested scopes; a nested scope's future that is one
// of those waits is cancelled once as a wait and again in the walk. The
// second time its waits are already cancelled, so the request is left
// pending in the nested scope, then handed up when that scope ends: the
// code that caught the CancelledError and carried on gets it again at its
// next wait. DESIGN: "A cancellation is delivered once ... a task that
// catches CancelledError and carries on is not cancelled again".
// Expected: the sleep after the catch runs.
Deno.test("FINDING 8: one cancel of a task parked in nested timeouts is delivered once", async () => {
  const result = await vrun(async () => {
    const t = createTask(async () => {
      try {
        await timeout(null, () => timeout(null, () => sleep(100)));
      } catch {
        // caught the cancel: carry on
      }
      return await sleep(10).then(() => "slept", nameOf);
    });
    await sleep(1);
    t.cancel();
    return await t;
  });
  assert.equal(result, "slept"); // before the fix: "CancelledError"
});

// FINDING (8) with (5), when the source of the twice-sent request has
// ended: a TaskGroup's failure cancels work its body left running in two
// nested scopes; the copy left pending there is handed up past the finished
// group to the task, whose later wait throws CancelledError though nothing
// cancelled the task. Expected: the task returns.
Deno.test("FINDING 8: a TaskGroup's failure does not cancel its task after the group ended", async () => {
  const result = await vrun(async () => {
    const t = createTask(async () => {
      try {
        await taskGroup(async (tg) => {
          tg.createTask(async () => {
            await sleep(0);
            throw new Error("boom");
          });
          // Left running when the body returns.
          void timeout(null, () => timeout(null, () => new Event().wait()))
            .catch(() => {});
        });
      } catch {
        // the child's failure, an AggregateError
      }
      await sleep(10);
      await sleep(10);
      return "returned";
    });
    return await t.then(String, nameOf);
  });
  assert.equal(result, "returned"); // before the fix: "CancelledError"
});

// FINDING (9) a task's cancel does not reach code it left running two
// scopes deep. A scope that ends with waits of its own left pending stays
// linked to its parent, but one whose only pending waits sit in a nested
// scope unlinks itself: here the outer timeout's scope, which unlinks from
// the task's root and takes the inner one, and the Promise.race loser's
// wait in it, along. task.cancel() then misses that wait, which runs on
// after the task ended cancelled. DESIGN: cancelling a scope cancels every
// pending wait "in it and in the scopes nested in it"; the scope's exit()
// doc: "Waits the code started and left pending stay reachable from
// enclosing scopes until they end". With one timeout() around, the wait is
// cancelled. Expected: the left-over wait throws CancelledError at 1 ms.
Deno.test("FINDING 9: cancelling a task reaches a wait it left running two scopes deep", async () => {
  const result = await vrun(async () => {
    const event = new Event();
    const seen: unknown[] = [];
    const t = createTask(async () => {
      await timeout(null, () =>
        timeout(null, async () => {
          await Promise.race([
            Promise.resolve(),
            (async () => { // left running: waits in the inner scope
              try {
                await event.wait();
                seen.push(["woken", now()]);
              } catch (e) {
                seen.push([nameOf(e), now()]);
              }
            })(),
          ]);
        }));
      await sleep(100);
    });
    await sleep(1);
    t.cancel();
    await t.catch(() => {});
    await sleep(10);
    event.set();
    await sleep(0);
    return seen;
  });
  assert.deepEqual(result, [["CancelledError", 1]]); // before the fix: [["woken", 11]]
});

// FINDING (9) one cancel thrown twice. Two cancels from two jobs reach a
// task parked in a TaskGroup's body: the first cancels the body's wait, the
// second finds it cancelled already (the task has not resumed) and merges
// with the first, as in asyncio. The group passes on the one the code met.
Deno.test("FINDING 9: two cancels before the task resumes from a TaskGroup's wait are one CancelledError", async () => {
  const result = await vrun(async () => {
    const e = new Event();
    const t = createTask(async () => {
      let first = "";
      try {
        await taskGroup(async () => {
          await e.wait();
        });
      } catch (err) {
        first = (err as Error).message;
      }
      const second = await sleep(10).then(
        () => "slept",
        (err) => (err as Error).message,
      );
      return [first, second];
    });
    await sleep(1);
    getRunningLoop().callSoon(() => t.cancel("first"));
    await sleep(0);
    t.cancel("second");
    return await t;
  });
  // CPython 3.13 gives ["first", "slept"]: the second cancel() comes before
  // the task resumed from the wait the first cancelled, and merges with it.
  // (Before 2026-12: ["first", "second"]; before that ["second", "second"].)
  assert.deepEqual(result, ["first", "slept"]);
});
