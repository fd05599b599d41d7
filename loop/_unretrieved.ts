/**
 * The failures of futures nobody has retrieved yet, per loop.
 *
 * A failed future is not kept alive for its report. Its report (what failed,
 * the error, where it was made) is registered with a `FinalizationRegistry`
 * and made when the future is collected, which is when nobody can retrieve
 * the error any more: asyncio reports from `__del__` the same way. Retrieving
 * the error (`await`, `result()`, `exception()`) takes the report back. The
 * reports still pending when the loop closes are made then, once each.
 */

import { describeValue } from "./describe_value.ts";
import type { EventLoop } from "./event_loop.ts";

/** What to report about a failure, without the future itself. */
interface Report {
  readonly loop: EventLoop;
  /** `"Task"` or `"Future"`. */
  readonly kind: string;
  /** How the future described itself when it failed. */
  readonly what: string;
  readonly exception: unknown;
  /** Where the task was created, in debug mode. */
  readonly source: string | undefined;
}

/** Per loop: reports of failures not retrieved yet, of futures alive. */
const pending = new WeakMap<EventLoop, Set<Report>>();
const reportOf = new WeakMap<object, Report>();
const collected = new FinalizationRegistry<Report>(makeReport);

/**
 * `future` failed with `exception`: report it once it is collected, unless
 * the error is retrieved first.
 */
export function trackUnretrieved(
  loop: EventLoop,
  future: {
    readonly [Symbol.toStringTag]: string;
    readonly createdAt?: string;
  },
  exception: unknown,
): void {
  const report: Report = {
    loop,
    kind: future[Symbol.toStringTag],
    what: describeValue(future),
    exception,
    source: future.createdAt,
  };
  let reports = pending.get(loop);
  if (reports === undefined) pending.set(loop, reports = new Set());
  reports.add(report);
  reportOf.set(future, report);
  collected.register(future, report, future);
}

/** The error of `future` was retrieved: no report. */
export function untrackUnretrieved(future: object): void {
  const report = reportOf.get(future);
  if (report === undefined) return;
  reportOf.delete(future);
  collected.unregister(future);
  pending.get(report.loop)?.delete(report);
}

/** Makes every report still pending; the loop is closing. */
export function reportUnretrieved(loop: EventLoop): void {
  const reports = pending.get(loop);
  if (reports !== undefined) {
    for (const report of reports) {
      makeReport(report);
    }
  }
}

function makeReport(report: Report): void {
  const reports = pending.get(report.loop);
  if (reports === undefined || !reports.delete(report)) return;
  report.loop.callExceptionHandler({
    message: `${report.kind} exception was never retrieved: ${report.what}`,
    exception: report.exception,
    ...(report.source !== undefined ? { source: report.source } : {}),
  });
}
