// Jobs for the WorkerPool tests: each export runs inside a Worker.
import { RemoteLoop } from "../loop_channel.ts";

export function add(a: number, b: number): number {
  return a + b;
}

export async function echoLater<T>(value: T): Promise<T> {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return value;
}

/** Which Worker runs this job: a per-Worker random id. */
const workerId = crypto.randomUUID();
export function whoAmI(): string {
  return workerId;
}

/** Never settles: the job runs until its Worker is terminated. */
export function hang(): Promise<never> {
  return new Promise(() => {});
}

/** Blocks the Worker's thread until `ms` milliseconds passed. */
export function spin(ms: number): number {
  const end = performance.now() + ms;
  let n = 0;
  while (performance.now() < end) n++;
  return n;
}

export function failTyped(n: number): never {
  throw new RangeError(`bad value ${n}`);
}

export function failCustom(): never {
  const error = new Error("custom failure");
  error.name = "ParseError";
  throw error;
}

export function failAggregate(): never {
  const first = new TypeError("first", { cause: new RangeError("why") });
  throw new AggregateError([first, "plain"], "two failed");
}

export function failAbort(): never {
  throw new DOMException("stopped", "AbortError");
}

/** An error that is its own cause: the description stops somewhere. */
export function failSelfCause(): never {
  const error = new Error("loop");
  error.cause = error;
  throw error;
}

export function failNonError(): never {
  throw "a string";
}

/** Crashes the Worker: an uncaught error outside the job's promise. */
export function crash(): Promise<never> {
  setTimeout(() => {
    throw new Error("worker blew up");
  }, 0);
  return new Promise(() => {});
}

export function returnsFunction(): () => void {
  return () => {};
}

export const notAFunction = 42;

export function bytes(data: Uint8Array): number {
  return data.reduce((a, b) => a + b, 0);
}

/** Reports 1..n to the main loop through a RemoteLoop, then returns n. */
export function progress(port: MessagePort, n: number): number {
  using loop = new RemoteLoop(port);
  for (let i = 1; i <= n; i++) loop.callSoonThreadsafe("step", i);
  return n;
}

/** Reports through two RemoteLoops on one port, the first closing it. */
export function twoReports(port: MessagePort): string {
  for (const i of [1, 2]) {
    using loop = new RemoteLoop(port);
    loop.callSoonThreadsafe("step", i);
  }
  return "done";
}

/** Closes its port itself, then reports through a RemoteLoop. */
export function closeThenCall(port: MessagePort): string {
  port.close();
  using loop = new RemoteLoop(port);
  loop.callSoonThreadsafe("step", 1);
  return "done";
}

/** Transfers its port onward, then reports through a RemoteLoop. */
export function transferThenCall(port: MessagePort): string {
  const { port1, port2 } = new MessageChannel();
  port1.postMessage(null, [port]);
  port1.close();
  port2.close();
  using loop = new RemoteLoop(port);
  loop.callSoonThreadsafe("step", 1); // dropped: the port is elsewhere
  return "done";
}

/** Reports 1..n through a RemoteLoop, then throws. */
export function progressThenFail(port: MessagePort, n: number): never {
  using loop = new RemoteLoop(port);
  for (let i = 1; i <= n; i++) loop.callSoonThreadsafe("step", i);
  throw new RangeError(`failed after ${n} steps`);
}

export function wrongPort(port: MessagePort): void {
  using loop = new RemoteLoop(port);
  loop.callSoonThreadsafe("nope", 1);
}
