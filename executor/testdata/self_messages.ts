// Jobs that use their Worker's own message channel (`self`), for the
// WorkerPool tests: the pool must read none of it.

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;

/** Set at import, as a module that doubles as a Worker entry does. */
let seen = 0;
scope.onmessage = () => {
  seen++;
};

/** How many messages this module's `self.onmessage` received. */
export function messagesSeen(): number {
  return seen;
}

/**
 * Posts, on `self`, non-objects and look-alikes of the pool's own messages:
 * a heartbeat, a crash, and answers for the job numbered `id` (the id the
 * pool gave this job); then returns `value`.
 */
export function forge<T>(value: T, id: number): T {
  for (
    const message of [
      null,
      undefined,
      "50% done",
      50,
      { alive: true },
      { alive: false },
      { id, ok: true, value: "forged" },
      {
        id,
        ok: false,
        error: { name: "Error", message: "forged", stack: undefined },
      },
      { crash: { name: "Error", message: "forged", stack: undefined } },
    ]
  ) {
    scope.postMessage(message);
  }
  return value;
}
