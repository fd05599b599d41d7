/**
 * The text the default exception handler prints for a context: the message,
 * one `key: value` line per other field, then the exception (its stack for
 * an `Error`). Every value goes through `describeValue()`, so a report never
 * throws, whatever was thrown or put in the context.
 *
 * @module
 */

import { describeValue } from "./describe_value.ts";
import type { ExceptionContext } from "./event_loop.ts";

/**
 * Renders `context` as the lines of a report; never throws. A `context`
 * field that is itself a context (the report a failing exception handler
 * was given) is rendered as an indented report, one level deep.
 *
 * @param context What happened.
 * @returns The report.
 */
export function formatReport(context: ExceptionContext): string {
  try {
    return reportLines(context, false).join("\n");
  } catch (error) {
    // `context` is not an object, or a proxy whose traps throw.
    return `Cannot format an exception report: ${describeValue(error)}`;
  }
}

function reportLines(context: ExceptionContext, nested: boolean): string[] {
  const lines = [describeValue(read(context, "message"))];
  for (const key of Object.keys(context)) {
    if (key === "message" || key === "exception") continue;
    const value = read(context, key);
    if (key === "context" && !nested && isContext(value)) {
      const [first, ...rest] = reportLines(value, true);
      lines.push(`context: ${first}`, ...rest.map(indent));
    } else {
      lines.push(`${key}: ${describeValue(value)}`);
    }
  }
  if (Object.hasOwn(context, "exception")) {
    lines.push(describeValue(read(context, "exception")));
  }
  return lines;
}

function read(context: ExceptionContext, key: string): unknown {
  try {
    return context[key];
  } catch (error) {
    return `<reading ${key} threw: ${describeValue(error)}>`;
  }
}

function isContext(value: unknown): value is ExceptionContext {
  try {
    return typeof value === "object" && value !== null &&
      Object.hasOwn(value, "message");
  } catch {
    return false; // A revoked proxy.
  }
}

function indent(text: string): string {
  return `  ${text.replaceAll("\n", "\n  ")}`;
}
