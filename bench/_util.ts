/**
 * Shared plumbing of the side-by-side workloads: argument parsing, the
 * result line, the random delays every implementation shares.
 *
 * A workload file is run as
 * `deno run <perms> bench/<workload>.ts <impl> key=value...`: it runs a
 * warm-up pass at a tenth of the size (or, for a workload whose tenth runs
 * its hot path too few times, full-size warm-up passes), then the measured
 * pass, and prints one JSON line with the measured pass's figures. Each
 * pass checks its own result and a failed check exits non-zero, so a fast
 * wrong run cannot pass.
 *
 * @module
 */

/** The parsed command line of a workload run. */
export interface WorkloadArgs {
  /** The implementation to run: `aio`, `raw`, or a named variant. */
  impl: string;
  /** Integer parameters, such as `n=1000000`. */
  params: Record<string, number>;
}

/**
 * Parses `<impl> key=value...`.
 *
 * @param args The command-line arguments.
 * @returns The implementation and the parameters.
 */
export function parseArgs(args: readonly string[]): WorkloadArgs {
  const [impl, ...rest] = args;
  if (impl === undefined) {
    throw new TypeError("Missing implementation: pass aio or raw");
  }
  const params: Record<string, number> = {};
  for (const arg of rest) {
    const [key, value] = arg.split("=");
    if (key === undefined || value === undefined) {
      throw new TypeError(`Invalid argument "${arg}": expected key=value`);
    }
    params[key] = Number(value);
  }
  return { impl, params };
}

/**
 * Reads a required integer parameter.
 *
 * @param params The parsed parameters.
 * @param key The parameter's name.
 * @returns Its value.
 */
export function param(params: Record<string, number>, key: string): number {
  const value = params[key];
  if (value === undefined || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`Missing or invalid parameter "${key}": ${value}`);
  }
  return value;
}

/** One pass of a workload: its figures. */
export type Measure = (
  impl: string,
  params: Record<string, number>,
) => Promise<Record<string, number>>;

/**
 * Runs a workload file: a warm-up pass with the `scaled` parameters divided
 * by 10 (so the JIT has compiled the hot paths and the heap has grown), then
 * the measured pass, whose figures are printed.
 *
 * V8 optimises a function fully only after some thousands of calls. A tenth
 * of most workloads runs its hot path 10,000 times or more; a tenth of
 * `bulk` (4 of its 32 MiB, in reads of 64 KiB or less) runs it some 64
 * times, which measures the library's cold start instead. Such a workload
 * passes `fullWarmups`: that many full-size warm-up passes instead of the
 * tenth, for every implementation alike.
 *
 * @param measure One pass.
 * @param scaled The parameters the warm-up divides by 10.
 * @param fullWarmups Full-size warm-up passes instead of the tenth.
 */
export async function main(
  measure: Measure,
  scaled: string[],
  fullWarmups = 0,
): Promise<void> {
  const { impl, params } = parseArgs(Deno.args);
  if (fullWarmups > 0) {
    for (let i = 0; i < fullWarmups; i++) await measure(impl, params);
  } else {
    const warm = { ...params };
    for (const key of scaled) {
      warm[key] = Math.max(1, Math.ceil(param(params, key) / 10));
    }
    await measure(impl, warm);
  }
  report(await measure(impl, params));
}

/**
 * Prints a result line.
 *
 * @param result The measurements.
 */
export function report(result: Record<string, number | string>): void {
  console.log(JSON.stringify(result));
}

/**
 * Throws when a workload's own check fails.
 *
 * @param ok The condition.
 * @param message What went wrong.
 */
export function check(ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(`Check failed: ${message}`);
}

/**
 * `n` delays in [0, 100) ms from a 31-bit LCG; `bench/py/_util.py` makes the
 * same sequence, so every implementation schedules the same timers.
 *
 * @param n How many.
 * @returns The delays in ms.
 */
export function randomDelays(n: number): Float64Array {
  const out = new Float64Array(n);
  let seed = 42;
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    out[i] = (seed % 10_000) / 100;
  }
  return out;
}

/**
 * The q-quantile of an unsorted sample (nearest rank).
 *
 * @param values The sample; sorted in place.
 * @param q The quantile in [0, 1].
 * @returns The value.
 */
export function quantile(values: Float64Array, q: number): number {
  values.sort();
  const i = Math.min(values.length - 1, Math.ceil(q * values.length) - 1);
  return values[Math.max(0, i)]!;
}

/** Unknown implementation name. */
export function unknownImpl(impl: string): never {
  throw new TypeError(`Unknown implementation "${impl}"`);
}
