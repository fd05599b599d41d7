/**
 * The entry point of every Worker of a `WorkerPool`. The pool first posts
 * `{ init: { lock, life, port } }` on the Worker itself, transferring
 * `port`, a `MessagePort` of its own; everything else goes over that port:
 * jobs (`{ id, url, name, args }`), `{ givenUp: id }` when the caller of the
 * running job gave it up (see executor/job.ts), and, back, `{ alive }`, `{ crash }` and
 * the answers. For each job it imports the module (the runtime caches it),
 * calls the export, and posts back `{ id, ok: true, value, sent }` or
 * `{ id, ok: false, error: { name, message, stack }, retire, sent }`
 * (`sent`: the calls the job posted through its `MessagePort` arguments,
 * see executor/loop_channel.ts); `retire`
 * says the job was given up while its module was imported, which leaves the
 * module's failed evaluation cached here, so the pool ends this Worker. One job runs at a
 * time: the pool never sends a second one before the first answered.
 *
 * The port lives in this module's scope only, never on `self`: the
 * Worker's own message channel (`self.postMessage()`, `self.onmessage`)
 * belongs to the jobs, and the pool neither reads what they post there nor
 * sends anything there after `init`. So a job that posts progress on
 * `self`, or a module that sets `self.onmessage` at its top level (a module
 * written to double as a Worker entry), cannot fake or hide the pool's
 * messages. This script listens on `self` for `init` only, and stops
 * listening once it has it, before any job runs.
 *
 * Liveness: on `init` this Worker takes the exclusive Web Lock named `lock`
 * and holds it for the rest of its life, then posts `{ alive: true }`; jobs
 * wait until it holds the lock. The pool then requests the same lock, which
 * the runtime grants once this Worker is gone, however it ended. Deno gives
 * the host no event when a Worker ends itself (`Deno.exit()` in a Worker is
 * an alias of `close()` that drops the code), so `Deno.exit` and `close` are
 * wrapped to write how the Worker ends into `life`, a shared `Int32Array`
 * (`[state, code, last job started, last job answered, last job given up]`,
 * the last written by the pool) that the pool reads once it
 * got the lock: the write happens before the Worker ends, the grant after.
 * Deno ends a Worker that called `Deno.exit()` or `close()` a little later,
 * from the host thread; its code may run on until then. So once either is
 * called this Worker starts no job and posts no answer: the job that ended
 * it always fails (with the exit code), and a job sent meanwhile never
 * started, so the pool can run it on another Worker.
 *
 * An error the job leaves uncaught outside its promise (a throw in a timer,
 * a rejected promise nobody handles) would kill the whole program: Deno
 * propagates it to the parent even when the parent's `error` listener calls
 * `preventDefault()`. So it is caught here and posted as
 * `{ crash: { name, message, stack } }`; the pool then fails the job this
 * Worker started last, if it is the one the pool sent, and terminates this
 * Worker, which starts no job after a crash (so `life` stays true).
 *
 * @module
 */

// Plain JavaScript on purpose: `deno run` and `deno test` type-check a
// TypeScript Worker entry each time a Worker starts (seconds per Worker).

/** @type {any} */
const scope = globalThis;

// The layout of `life`, shared with executor.ts.
const STATE = 0;
const CODE = 1;
const STARTED = 2;
const ANSWERED = 3;
const GIVEN_UP = 4;
const EXITED = 1;
const CLOSED = 2;
const ID_MASK = 0x7fffffff;

/** @type {Int32Array | null} */
let life = null;
/**
 * The pool's private channel, from `init`. Never put where a job can reach
 * it: a job that could post on it could forge an answer or a crash.
 * @type {MessagePort | null}
 */
let port = null;
/** Resolves once this Worker holds its lock (or cannot take one). */
let ready = Promise.resolve();
/** Set by a crash, or by `Deno.exit()`/`close()`: start and answer nothing. */
let done = false;

/**
 * @typedef {{ name: string, message: string, stack: string | undefined,
 *   errors?: ErrorDescription[], cause?: ErrorDescription,
 *   dom?: true }} ErrorDescription
 */

/** How deep `errors` and `cause` are followed: a cycle must end. */
const MAX_ERROR_DEPTH = 8;

/**
 * @param {unknown} error
 * @param {number} [depth]
 * @returns {ErrorDescription}
 */
function describeError(error, depth = 0) {
  let isError = false;
  try {
    isError = error instanceof Error;
  } catch {
    // A revoked proxy.
  }
  if (!isError) {
    return { name: "Error", message: printable(error), stack: undefined };
  }
  // Field by field: a getter that throws (a lazy `stack`...) loses only
  // its own field, not the error's class and message.
  const e = /** @type {Error} */ (error);
  let name = "Error";
  let message = "";
  let stack;
  try {
    name = String(e.name);
  } catch {
    // Left as "Error".
  }
  try {
    message = String(e.message);
  } catch {
    // Left empty.
  }
  try {
    stack = typeof e.stack === "string" ? e.stack : undefined;
  } catch {
    // No stack.
  }
  /** @type {ErrorDescription} */
  const described = { name, message, stack };
  try {
    if (error instanceof DOMException) described.dom = true;
  } catch {
    // Not one.
  }
  if (depth >= MAX_ERROR_DEPTH) return described;
  try {
    // An AggregateError's errors, as an array of its own.
    const errors = /** @type {{ errors?: unknown }} */ (e).errors;
    if (Array.isArray(errors)) {
      described.errors = errors.map((inner) => describeError(inner, depth + 1));
    }
  } catch {
    // A throwing getter, a revoked proxy: no errors.
  }
  try {
    if (Object.hasOwn(e, "cause")) {
      described.cause = describeError(e.cause, depth + 1);
    }
  } catch {
    // No cause.
  }
  return described;
}

/**
 * @param {unknown} value
 * @returns {string}
 */
function printable(value) {
  try {
    return String(value);
  } catch {
    // A value that cannot become a string (a null-prototype object...).
    return `a value that cannot be printed (${typeof value})`;
  }
}

/**
 * @param {number} state
 * @param {number} code
 */
function recordEnd(state, code) {
  done = true;
  if (life === null || Atomics.load(life, STATE) !== 0) return;
  Atomics.store(life, CODE, code | 0);
  Atomics.store(life, STATE, state);
}

try {
  const denoExit = scope.Deno.exit;
  scope.Deno.exit = function exit(/** @type {number | undefined} */ code) {
    recordEnd(EXITED, code ?? scope.Deno.exitCode ?? 0);
    return denoExit(code);
  };
  const closeWorker = scope.close;
  scope.close = function close() {
    recordEnd(CLOSED, 0);
    return closeWorker.call(scope);
  };
} catch {
  // A runtime whose globals cannot be wrapped: deaths are still seen (the
  // lock), only without their exit code.
}

/**
 * Posts to the pool, on its private port.
 *
 * @param {unknown} message
 */
function post(message) {
  port?.postMessage(message);
}

/**
 * @param {{ lock: string, life: SharedArrayBuffer }} init
 * @returns {Promise<void>}
 */
function start(init) {
  life = new Int32Array(init.life);
  const locks = scope.navigator?.locks;
  if (typeof locks?.request !== "function") {
    post({ alive: false });
    return Promise.resolve();
  }
  return new Promise((resolve) => {
    locks.request(init.lock, () => {
      post({ alive: true });
      resolve();
      return new Promise(() => {}); // Held until this Worker ends.
    }).catch(() => {
      post({ alive: false });
      resolve();
    });
  });
}

/** Where executor/job.ts finds the running job. */
const JOB = Symbol.for("aio.executor.job");
/**
 * Called with a job id when the pool says it gave that job up
 * (`{ givenUp: id }`).
 * @type {((id: number) => void) | null}
 */
let onGivenUp = null;

/**
 * Publishes job `id` as the running one, for `checkCancelled()` and
 * `jobSignal()` (executor/job.ts).
 *
 * @param {number} id
 * @returns {() => boolean} Whether the pool gave the job up.
 */
function publishJob(id) {
  /** @type {(() => void)[]} */
  const listeners = [];
  let told = false;
  onGivenUp = (given) => {
    if (given !== id) return;
    told = true;
    for (const fn of listeners.splice(0)) fn();
  };
  const givenUp = () =>
    told ||
    (life !== null && Atomics.load(life, GIVEN_UP) === (id & ID_MASK));
  scope[JOB] = {
    givenUp,
    onGivenUp: (/** @type {() => void} */ fn) => {
      if (told) fn();
      else listeners.push(fn);
    },
  };
  return givenUp;
}

function unpublishJob() {
  onGivenUp = null;
  delete scope[JOB];
}

/**
 * Where executor/loop_channel.ts counts the calls posted through a port,
 * and marks the ports closed (a call posted on one is dropped, and would be
 * waited for): made here, with the same shape, so that a port a job closes
 * itself (`port.close()`, not through a `RemoteLoop`) is marked too.
 */
const PORTS = Symbol.for("aio.executor.ports");

try {
  if (scope[PORTS] === undefined) {
    Object.defineProperty(scope, PORTS, {
      value: { sent: new WeakMap(), closed: new WeakSet() },
    });
  }
  const closePort = MessagePort.prototype.close;
  MessagePort.prototype.close = function close() {
    scope[PORTS].closed.add(this);
    return closePort.call(this);
  };
} catch {
  // A runtime whose MessagePort cannot be wrapped: a call posted on a port
  // the job closed itself then holds its answer until the channel closes.
}

/**
 * How many calls the job posted through each `MessagePort` among its
 * arguments (in their order), for the pool to hold the answer back until
 * the main thread received them; `undefined` if none.
 *
 * @param {unknown[]} args
 * @returns {number[] | undefined}
 */
function callsSentThrough(args) {
  const counts = scope[PORTS]?.sent;
  if (!(counts instanceof WeakMap)) return undefined;
  /** @type {number[] | undefined} */
  let sent;
  let k = 0;
  for (const arg of args) {
    if (!(arg instanceof MessagePort)) continue;
    const n = counts.get(arg);
    if (typeof n === "number" && n > 0) (sent ??= [])[k] = n;
    k++;
  }
  return sent;
}

/** Module namespaces by URL: a cached `import()` still costs a few µs. */
const modules = new Map();

/**
 * @param {{ id: number, url: string, name: string, args: unknown[] }} job
 * @returns {Promise<void>}
 */
async function runJob(job) {
  if (done) return;
  if (life !== null) {
    Atomics.store(life, STARTED, job.id & ID_MASK);
    if (Atomics.load(life, GIVEN_UP) === (job.id & ID_MASK)) {
      // Given up while it waited here (for this Worker to start): it never
      // runs. The pool dropped its result already; the answer frees us.
      answer(job.id, {
        id: job.id,
        ok: false,
        error: {
          name: "CancelledError",
          message: "The job's caller gave it up before it started",
          stack: undefined,
        },
      });
      return;
    }
  }
  const givenUp = publishJob(job.id);
  let value;
  let importing = false;
  try {
    let module = modules.get(job.url);
    if (module === undefined) {
      importing = true;
      module = await import(job.url);
      importing = false;
      modules.set(job.url, module);
    }
    const fn = module[job.name];
    if (typeof fn !== "function") {
      throw new TypeError(
        `Cannot run job: ${job.url} has no exported function named "${job.name}"`,
      );
    }
    value = await fn(...job.args);
  } catch (error) {
    unpublishJob();
    // Given up while its module was evaluated: the evaluation most likely
    // stopped at checkCancelled() or jobSignal(), and the runtime keeps that
    // error for the module (and the modules it imports), throwing it at
    // every later import here. Later jobs must not meet a cancellation
    // that was not theirs: this Worker retires, and a new one imports
    // afresh.
    const retire = importing && givenUp();
    answer(job.id, {
      id: job.id,
      ok: false,
      error: describeError(error),
      retire,
      sent: callsSentThrough(job.args),
    });
    if (retire) done = true;
    return;
  }
  unpublishJob();
  const sent = callsSentThrough(job.args);
  try {
    answer(job.id, { id: job.id, ok: true, value, sent });
  } catch (error) {
    // The result cannot be cloned (a function, a class instance with private
    // state...): report that instead of leaving the job hanging.
    answer(job.id, {
      id: job.id,
      ok: false,
      error: describeError(error),
      sent,
    });
  }
}

/**
 * Posts a job's answer, unless this Worker is ending. `life` says which job
 * was answered before the answer is posted, so a pool that learns of this
 * Worker's end before the answer arrived waits for it.
 *
 * @param {number} id
 * @param {unknown} message
 */
function answer(id, message) {
  if (done || life === null) return;
  Atomics.store(life, ANSWERED, id & ID_MASK);
  try {
    post(message);
  } catch (error) {
    Atomics.store(life, ANSWERED, -1);
    throw error;
  }
  // Ended while cloning the answer (a getter called Deno.exit()): whether
  // the answer left is unknown, so the pool must not wait for it.
  if (done) Atomics.store(life, ANSWERED, -1);
}

/**
 * Takes `init` from the pool, the first message on `self`, then stops
 * listening there: `self`'s channel is the jobs' (see the module doc).
 *
 * @param {MessageEvent} event
 */
function onInit(event) {
  const init = event.data?.init;
  if (port !== null || !(init?.port instanceof MessagePort)) return;
  scope.removeEventListener("message", onInit);
  port = init.port;
  ready = start(init);
  port.onmessage = (/** @type {MessageEvent} */ event) => {
    const job = event.data;
    if (job.givenUp !== undefined) {
      // Before its job started, the shared memory tells it instead.
      onGivenUp?.(job.givenUp);
      return;
    }
    ready.then(() => runJob(job));
  };
}

scope.addEventListener("message", onInit);

/** @param {unknown} error */
function crash(error) {
  if (done) return;
  done = true;
  post({ crash: describeError(error) });
}

scope.addEventListener("error", (/** @type {ErrorEvent} */ event) => {
  event.preventDefault();
  crash(event.error);
});

scope.addEventListener("unhandledrejection", (
  /** @type {PromiseRejectionEvent} */ event,
) => {
  event.preventDefault();
  crash(event.reason);
});
