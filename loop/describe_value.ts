/**
 * `describeValue()`: renders any value as text for a report, and never
 * throws. Every path that prints something it did not create (the default
 * exception handler, debug reports, `toString()` of handles, futures and
 * tasks, the task tree) goes through it, because JS lets code throw values
 * that `String()` cannot convert: `Object.create(null)`, symbols, objects
 * whose `toString` or getters throw, revoked proxies (on which even
 * `instanceof` throws).
 *
 * Internal: it is not re-exported from `loop/mod.ts`, so it is not part of
 * the package's API; `task/` and `io/` import this file by path. It is not a
 * `_` file because those are never imported from another folder.
 *
 * @module
 */

/** Options for {@linkcode describeValue}. */
export interface DescribeValueOptions {
  /**
   * Whether an error gives its stack and the errors it carries, or only
   * `name: message`.
   *
   * @default {true}
   */
  stack?: boolean;
}

// Captured once, so a program that patches these cannot break reports.
const { apply, getPrototypeOf } = Reflect;
const objectToString = Object.prototype.toString;
const arrayToString = Array.prototype.toString;
const errorToString = Error.prototype.toString;
const symbolToString = Symbol.prototype.toString;

/** Longest `Deno.inspect` output kept; the rest becomes `…`. */
const MAX_INSPECT = 400;
const INSPECT_OPTIONS = {
  depth: 2,
  iterableLimit: 10,
  strAbbreviateSize: 100,
  colors: false,
  getters: false,
  showProxy: false,
  compact: true,
  breakLength: Infinity,
} as const;

/**
 * @ignore Renders `value` for a report, and never throws.
 *
 * - a string is returned as it is; other primitives as `String()` shows
 *   them (`1n` for a bigint, `Symbol(x)` for a symbol);
 * - an `Error` gives its stack (else `name: message`), with the errors it
 *   carries (`errors`, `cause`); only `name: message` with
 *   `{ stack: false }`;
 * - an object with its own `toString()` (a `Handle`, `Task`, `Server`,
 *   `Date`...) gives what that returns;
 * - other objects give a short one-line `Deno.inspect()` (depth 2, at most
 *   400 characters): `{ code: 42 }`, `[Object: null prototype] {}`;
 * - a function gives `[Function: name]`;
 * - when all of that throws: the class name, else
 *   `[unprintable object: <why>]` (a revoked proxy).
 *
 * @param value Anything.
 * @param options `stack: false` for an error without its stack: what
 * `toString()` of a future shows. Formatting a stack is not free: Deno
 * maps its frames through source maps, and 2.9 can panic (the whole
 * process dies) doing so when no file descriptor is free.
 * @returns A description.
 *
 * @example Values that `String()` cannot convert
 * ```ts
 * import { describeValue } from "./describe_value.ts";
 * import assert from "node:assert/strict";
 *
 * assert.equal(describeValue(Object.create(null)), "[Object: null prototype] {}");
 * assert.equal(describeValue(Symbol("s")), "Symbol(s)");
 * const { proxy, revoke } = Proxy.revocable({}, {});
 * revoke();
 * assert.match(describeValue(proxy), /^\[unprintable object: .*revoked/);
 * ```
 */
export function describeValue(
  value: unknown,
  options?: DescribeValueOptions,
): string {
  try {
    switch (typeof value) {
      case "string":
        return value;
      case "bigint":
        return `${value}n`;
      case "symbol":
        return apply(symbolToString, value, []) as string;
      case "function":
        return describeFunction(value);
      case "object":
        return value === null
          ? "null"
          : describeObject(value, options?.stack ?? true);
      default:
        return String(value); // number, boolean, undefined
    }
  } catch {
    return "[unprintable value]";
  }
}

/**
 * A value a caller passed where it does not belong, for the "got ..." of
 * an error message: as {@linkcode describeValue}, but a string is quoted,
 * so that `"5"` is not read as the number 5, and a long one is cut.
 *
 * @param value The value.
 * @returns Its description.
 */
export function describeArgument(value: unknown): string {
  if (typeof value !== "string") return describeValue(value);
  if (value.length <= MAX_STRING) return JSON.stringify(value);
  // A whole request body passed by mistake must not make a megabyte of
  // message.
  return `${
    JSON.stringify(value.slice(0, MAX_STRING))
  }… (${value.length} characters)`;
}

/** How many characters of a refused string an argument error quotes. */
const MAX_STRING = 100;

function describeFunction(fn: unknown): string {
  try {
    const name = (fn as { name?: unknown }).name;
    if (typeof name === "string" && name !== "") return `[Function: ${name}]`;
  } catch {
    // A hostile `name` getter, or a revoked proxy.
  }
  return "[Function (anonymous)]";
}

function describeObject(value: object, stack: boolean): string {
  try {
    if (value instanceof Error) {
      const text = stack
        ? describeError(value)
        : describeErrorItself(value, false);
      if (text !== undefined) return text;
    }
  } catch {
    // `instanceof` throws on a revoked proxy.
  }
  try {
    const own = (value as { toString?: unknown }).toString;
    if (
      typeof own === "function" && own !== objectToString &&
      own !== arrayToString && own !== errorToString
    ) {
      const text: unknown = apply(own, value, []);
      if (typeof text === "string") return text;
    }
  } catch {
    // A throwing `toString` or getter: fall back to inspecting.
  }
  let why: string | undefined;
  try {
    const inspect = globalThis.Deno?.inspect;
    if (typeof inspect === "function") {
      const text: unknown = inspect(value, INSPECT_OPTIONS);
      if (typeof text === "string") return clip(text);
    }
  } catch (error) {
    why = messageOf(error);
  }
  try {
    const proto: unknown = getPrototypeOf(value);
    if (proto === null) return "[Object: null prototype]";
    const name = (proto as { constructor?: { name?: unknown } }).constructor
      ?.name;
    if (typeof name === "string" && name !== "") return `[${name}]`;
  } catch (error) {
    why ??= messageOf(error);
  }
  return why === undefined
    ? "[unprintable object]"
    : `[unprintable object: ${why}]`;
}

/** How deep the errors inside errors (`errors`, `cause`) are shown. */
const MAX_NESTING = 3;
/** How many of an `AggregateError`'s errors are shown. */
const MAX_INNER = 10;

function describeError(error: Error, depth = 0): string | undefined {
  const text = describeErrorItself(error);
  if (text === undefined || depth >= MAX_NESTING) return text;
  // What Deno's console shows too: the errors an AggregateError (a
  // TaskGroup's) carries, and the cause; often the one thing to debug.
  const lines = [text];
  try {
    const errors: unknown = (error as { errors?: unknown }).errors;
    if (Array.isArray(errors)) {
      errors.slice(0, MAX_INNER).forEach((inner: unknown, i: number) => {
        lines.push(indent(`[${i}] ${describeInner(inner, depth)}`));
      });
      if (errors.length > MAX_INNER) {
        lines.push(indent(`... ${errors.length - MAX_INNER} more`));
      }
    }
    if (Object.hasOwn(error, "cause")) {
      lines.push(indent(`Caused by: ${describeInner(error.cause, depth)}`));
    }
  } catch {
    // A hostile `errors` or `cause`: the error itself is enough.
  }
  return lines.join("\n");
}

function describeInner(value: unknown, depth: number): string {
  try {
    if (value instanceof Error) {
      const text = describeError(value, depth + 1);
      if (text !== undefined) return text;
    }
  } catch {
    // `instanceof` throws on a revoked proxy.
  }
  return describeValue(value);
}

function indent(text: string): string {
  return `  ${text.replaceAll("\n", "\n  ")}`;
}

function describeErrorItself(
  error: Error,
  withStack = true,
): string | undefined {
  if (withStack) {
    try {
      const stack: unknown = error.stack;
      if (typeof stack === "string" && stack !== "") return stack;
    } catch {
      // A throwing `stack` getter.
    }
  }
  let name: unknown;
  let message: unknown;
  try {
    name = error.name;
  } catch {
    // A throwing `name` getter.
  }
  try {
    message = error.message;
  } catch {
    // A throwing `message` getter.
  }
  const hasName = typeof name === "string" && name !== "";
  const hasMessage = typeof message === "string" && message !== "";
  if (hasMessage) return `${hasName ? name : "Error"}: ${message}`;
  return hasName ? name as string : undefined;
}

/** The message of a built-in error (ours to trust), else `undefined`. */
function messageOf(error: unknown): string | undefined {
  try {
    if (error instanceof Error && typeof error.message === "string") {
      return error.message;
    }
  } catch {
    // A hostile value thrown by a hostile value.
  }
  return undefined;
}

function clip(text: string): string {
  return text.length <= MAX_INSPECT
    ? text
    : `${text.slice(0, MAX_INSPECT - 1)}…`;
}
