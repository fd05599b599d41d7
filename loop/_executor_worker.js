/**
 * The entry point of every Worker of a `WorkerPool`. It receives jobs
 * (`{ id, url, name, args }`), imports the module (the runtime caches it),
 * calls the export, and posts back `{ id, ok: true, value }` or
 * `{ id, ok: false, error: { name, message, stack } }`. One job runs at a
 * time: the pool never sends a second one before the first answered.
 *
 * An error the job leaves uncaught outside its promise (a throw in a timer,
 * a rejected promise nobody handles) would kill the whole program: Deno
 * propagates it to the parent even when the parent's `error` listener calls
 * `preventDefault()`. So it is caught here and posted as
 * `{ crash: { name, message, stack } }`; the pool then fails that job and
 * terminates this Worker.
 *
 * @module
 */

// Plain JavaScript on purpose: `deno run` and `deno test` type-check a
// TypeScript Worker entry each time a Worker starts (seconds per Worker).

/** @type {any} */
const scope = globalThis;

/**
 * @param {unknown} error
 * @returns {{ name: string, message: string, stack: string | undefined }}
 */
function describeError(error) {
  if (error instanceof Error) {
    return { name: error.name, message: error.message, stack: error.stack };
  }
  return { name: "Error", message: String(error), stack: undefined };
}

/** Module namespaces by URL: a cached `import()` still costs a few µs. */
const modules = new Map();

/**
 * @param {{ id: number, url: string, name: string, args: unknown[] }} job
 * @returns {Promise<void>}
 */
async function runJob(job) {
  let value;
  try {
    let module = modules.get(job.url);
    if (module === undefined) {
      module = await import(job.url);
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
    scope.postMessage({ id: job.id, ok: false, error: describeError(error) });
    return;
  }
  try {
    scope.postMessage({ id: job.id, ok: true, value });
  } catch (error) {
    // The result cannot be cloned (a function, a class instance with private
    // state...): report that instead of leaving the job hanging.
    scope.postMessage({ id: job.id, ok: false, error: describeError(error) });
  }
}

scope.onmessage = (/** @type {MessageEvent} */ event) => {
  runJob(event.data);
};

scope.addEventListener("error", (/** @type {ErrorEvent} */ event) => {
  event.preventDefault();
  scope.postMessage({ crash: describeError(event.error) });
});

scope.addEventListener("unhandledrejection", (
  /** @type {PromiseRejectionEvent} */ event,
) => {
  event.preventDefault();
  scope.postMessage({ crash: describeError(event.reason) });
});
