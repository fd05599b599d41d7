// Event log shared by the aio ports: the same format as the Python programs.
import { getRunningLoop } from "@aio/asyncio/loop";

/** Virtual (or real) loop time in seconds, printed as Python's `:g` does. */
export function now(): number {
  return Math.round(getRunningLoop().time()) / 1000;
}

export function log(msg: string): void {
  console.log(`t=${now()} ${msg}`);
}

/** The class name of a thrown value, as Python's `type(e).__name__`. */
export function typeName(e: unknown): string {
  if (e === null || e === undefined) return String(e);
  return (e as object).constructor?.name ?? typeof e;
}

/** A boolean as Python prints it. */
export function py(b: boolean): string {
  return b ? "True" : "False";
}

/** A list of strings as Python prints it: `['a', 'b']`. */
export function pyList(items: readonly string[]): string {
  return "[" + items.map((s) => `'${s}'`).join(", ") + "]";
}
