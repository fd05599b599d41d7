// Jobs that end their Worker, for the WorkerPool tests.

// deno-lint-ignore no-explicit-any
const scope = globalThis as any;

/** Ends the Worker with `Deno.exit(code)`; never answers. */
export function exitWith(code?: number): never {
  Deno.exit(code);
}

/** Ends the Worker with Node's `process.exit(code)`. */
export function processExit(code: number): never {
  scope.process.exit(code);
  throw new Error("unreachable");
}

/** Ends the Worker with `close()`. */
export function closeSelf(): Promise<never> {
  scope.close();
  return new Promise(() => {});
}

/** Blocks until the Worker ends: allocates until it runs out of memory. */
export function exhaustMemory(): number {
  const keep: number[][] = [];
  for (let i = 0;; i++) keep.push(new Array(100_000).fill(i));
}

/**
 * Answers `value`, then ends the Worker with `Deno.exit(code)` before it
 * reads another message, while the pool may already have sent it the next
 * job: that job never started. (The answer goes on the pool's private
 * `MessagePort`, out of a job's reach; this hooks every port's
 * `postMessage` to end right after it.)
 */
export function exitAfterAnswer<T>(value: T, code: number): T {
  const proto = MessagePort.prototype;
  const post = proto.postMessage;
  proto.postMessage = function (this: MessagePort, ...args: unknown[]) {
    proto.postMessage = post;
    (post as (...a: unknown[]) => void).apply(this, args);
    queueMicrotask(() => Deno.exit(code));
  };
  return value;
}

/** A rejected promise nobody handles, after the job started waiting. */
export function rejectLater(): Promise<never> {
  setTimeout(() => Promise.reject(new TypeError("nobody caught me")), 0);
  return new Promise(() => {});
}
