/**
 * `deno task bench:compare`: the same workloads on this library, on raw Deno
 * (the platform's floor) and on CPython's asyncio, side by side.
 *
 * Every run of every implementation is a fresh process (`bench/<name>.ts` for
 * the two Deno columns, `bench/py/<name>.py` for asyncio) with the same
 * parameters; it makes a warm-up pass at a tenth of the size (bulk: four
 * full-size passes, see `main()` in `_util.ts`), then the measured pass,
 * checks its own result and prints one JSON line. The runs of the
 * implementations are interleaved, each figure is the median of its runs,
 * and the ratios come from the same session. The table is printed, written to
 * `bench/RESULTS.md`, and drawn as `bench/ratios.svg`.
 *
 * ```sh
 * deno task bench:compare            # full size, 5 runs each, writes the files
 * deno task bench:compare --quick    # small sizes, 1 run, prints only (CI)
 * deno task bench:compare --runs=3 --only=echo,lock
 * ```
 *
 * Python: `$AIO_BENCH_PYTHON` if set, else the newest of `python3.14` ...
 * `python3.11`, pyenv's `~/.pyenv/versions/3.*` and `python3`. Without one,
 * the asyncio column is skipped with a note.
 *
 * @module
 */

import { findPython, type Python } from "./_python.ts";
import { quantile } from "./_util.ts";

const BENCH = new URL(".", import.meta.url);
const ROOT = new URL("..", BENCH);

/** Figures one workload run printed. */
type Sample = Record<string, number>;

/** One row of the table: a figure of a workload. */
interface Row {
  /** Label in the table. */
  label: string;
  /** Short label in the chart. */
  short: string;
  /** The workload whose samples it reads. */
  workload: string;
  /** The implementation in the aio column, if not `aio` (a variant). */
  impl?: string;
  /** Extracts the figure from a run's sample. */
  value: (s: Sample) => number;
  /** Formats the figure. */
  format: (v: number) => string;
  /** Whether a higher figure is better (rates) or a lower one (ms, bytes). */
  higherIsBetter: boolean;
  /** The issue's target for aio/raw, if any. */
  targetRaw?: number;
  /** The issue's target for aio/asyncio, if any. */
  targetPy?: number;
  /** Drawn in the chart. */
  chart: boolean;
}

/** A workload and its parameters at full and quick size. */
interface Workload {
  name: string;
  full: Record<string, number>;
  quick: Record<string, number>;
  /** Extra Deno implementations, reported below the table. */
  variants: string[];
  denoFlags: string[];
}

const WORKLOADS: Workload[] = [
  {
    name: "callbacks",
    full: { n: 1_000_000 },
    quick: { n: 20_000 },
    variants: ["floor"],
    denoFlags: [],
  },
  {
    name: "tasks",
    full: { n: 100_000 },
    quick: { n: 2_000 },
    variants: ["floor", "floor-native"],
    denoFlags: [],
  },
  {
    name: "pingpong",
    full: { n: 200_000 },
    quick: { n: 4_000 },
    variants: [],
    denoFlags: [],
  },
  {
    name: "roundtrip",
    full: { n: 100_000 },
    quick: { n: 2_000 },
    variants: ["floor", "floor-native"],
    denoFlags: [],
  },
  {
    name: "lock",
    full: { tasks: 100, rounds: 1_000 },
    quick: { tasks: 10, rounds: 100 },
    variants: ["async-mutex", "floor", "floor-native"],
    denoFlags: [],
  },
  {
    name: "timers",
    full: { n: 100_000 },
    quick: { n: 2_000 },
    variants: ["setTimeout", "floor"],
    denoFlags: [],
  },
  {
    name: "echo",
    full: { clients: 50, rounds: 2_000 },
    quick: { clients: 5, rounds: 50 },
    variants: ["aio-readinto", "floor"],
    denoFlags: ["--allow-net=127.0.0.1"],
  },
  {
    name: "bulk",
    full: { mib: 32 },
    quick: { mib: 2 },
    variants: ["aio-readinto", "floor"],
    denoFlags: ["--allow-net=127.0.0.1"],
  },
  {
    name: "memory",
    full: { n: 100_000 },
    quick: { n: 2_000 },
    variants: ["floor", "floor-native"],
    denoFlags: ["--v8-flags=--expose-gc"],
  },
  {
    name: "idle",
    full: { n: 5_000 },
    quick: { n: 1_000 },
    variants: [],
    denoFlags: [
      "--allow-net=127.0.0.1",
      "--allow-run",
      "--allow-read",
      "--v8-flags=--expose-gc",
    ],
  },
];

const rate = (s: Sample): number => s.n! / s.ms! * 1000;
/** Throughput in MB/s (10^6 bytes). */
const throughput = (s: Sample): number => s.bytes! / s.ms! / 1000;

function formatRate(v: number): string {
  if (v >= 1e6) return `${(v / 1e6).toFixed(2)}M/s`;
  if (v >= 1e3) return `${(v / 1e3).toFixed(v >= 1e5 ? 0 : 1)}k/s`;
  return `${v.toFixed(0)}/s`;
}

function formatMBps(v: number): string {
  return `${v.toFixed(v >= 100 ? 0 : 1)} MB/s`;
}

function formatMs(v: number): string {
  if (v >= 100) return `${v.toFixed(0)} ms`;
  return v >= 1 ? `${v.toFixed(1)} ms` : `${v.toFixed(2)} ms`;
}

function formatBytes(v: number): string {
  return `${Math.round(v).toLocaleString("en-US")} B`;
}

function count(params: Record<string, number>): string {
  const fmt = (v: number): string => v.toLocaleString("en-US");
  if ("clients" in params) {
    return `${fmt(params.clients!)} clients x ${fmt(params.rounds!)}`;
  }
  if ("tasks" in params) {
    return `${fmt(params.tasks!)} tasks x ${fmt(params.rounds!)}`;
  }
  if ("mib" in params) return `${fmt(params.mib!)} MiB`;
  return fmt(params.n!);
}

function rows(size: "full" | "quick"): Row[] {
  const p = (name: string): Record<string, number> =>
    WORKLOADS.find((w) => w.name === name)![size];
  return [
    {
      label: `callbacks (${count(p("callbacks"))} callSoon), per s`,
      short: "callbacks",
      workload: "callbacks",
      value: rate,
      format: formatRate,
      higherIsBetter: true,
      targetRaw: 0.7,
      targetPy: 6,
      chart: true,
    },
    {
      label: `tasks (${count(p("tasks"))}, sleep(0), gathered), per s`,
      short: "tasks",
      workload: "tasks",
      value: rate,
      format: formatRate,
      higherIsBetter: true,
      targetRaw: 0.4,
      targetPy: 3,
      chart: true,
    },
    {
      label: `pingpong (${count(p("pingpong"))} msgs, queue of 1), per s`,
      short: "pingpong",
      workload: "pingpong",
      value: rate,
      format: formatRate,
      higherIsBetter: true,
      targetRaw: 0.4,
      targetPy: 6,
      chart: true,
    },
    {
      label: `roundtrip (${
        count(p("roundtrip"))
      } round trips, 2 queues of 1), msgs per s`,
      short: "roundtrip",
      workload: "roundtrip",
      value: rate,
      format: formatRate,
      higherIsBetter: true,
      targetRaw: 0.5,
      chart: true,
    },
    {
      label: `lock (${count(p("lock"))} acquisitions), per s`,
      short: "lock",
      workload: "lock",
      value: rate,
      format: formatRate,
      higherIsBetter: true,
      targetRaw: 0.5,
      targetPy: 6,
      chart: true,
    },
    {
      label: `timers (${count(p("timers"))}, 0-100 ms), wall time`,
      short: "timers wall",
      workload: "timers",
      value: (s) => s.ms!,
      format: formatMs,
      higherIsBetter: false,
      targetRaw: 1.5,
      targetPy: 1,
      chart: true,
    },
    {
      label: "timers, lateness p50",
      short: "timers p50",
      workload: "timers",
      value: (s) => s.p50!,
      format: formatMs,
      higherIsBetter: false,
      chart: false,
    },
    {
      label: "timers, lateness p99",
      short: "timers p99",
      workload: "timers",
      value: (s) => s.p99!,
      format: formatMs,
      higherIsBetter: false,
      chart: false,
    },
    {
      label: `echo (${count(p("echo"))} round trips), per s`,
      short: "echo",
      workload: "echo",
      value: rate,
      format: formatRate,
      higherIsBetter: true,
      targetRaw: 0.9,
      targetPy: 1,
      chart: true,
    },
    {
      label: "echo, readInto() one buffer (asyncio: read())",
      short: "echo readInto",
      workload: "echo",
      impl: "aio-readinto",
      value: rate,
      format: formatRate,
      higherIsBetter: true,
      targetRaw: 0.9,
      targetPy: 1,
      chart: true,
    },
    {
      label: `bulk (${count(p("bulk"))}, 64 KiB reads), read(n)`,
      short: "bulk read",
      workload: "bulk",
      value: throughput,
      format: formatMBps,
      higherIsBetter: true,
      targetRaw: 0.8,
      chart: true,
    },
    {
      label: "bulk, readInto() one buffer (asyncio: read(n))",
      short: "bulk readInto",
      workload: "bulk",
      impl: "aio-readinto",
      value: throughput,
      format: formatMBps,
      higherIsBetter: true,
      targetRaw: 0.8,
      chart: true,
    },
    {
      label: `memory (${count(p("memory"))} idle tasks), per task`,
      short: "memory",
      workload: "memory",
      value: (s) => s.bytes!,
      format: formatBytes,
      higherIsBetter: false,
      targetRaw: 2.5,
      targetPy: 1,
      chart: true,
    },
    {
      label: `idle (${count(p("idle"))} idle connections), per connection`,
      short: "idle conns",
      workload: "idle",
      value: (s) => s.bytes!,
      format: formatBytes,
      higherIsBetter: false,
      targetPy: 1,
      chart: true,
    },
    {
      label: "idle, resident set per connection",
      short: "idle rss",
      workload: "idle",
      value: (s) => s.rss!,
      format: formatBytes,
      higherIsBetter: false,
      chart: false,
    },
  ];
}

// ---------------------------------------------------------------------------
// Command line

interface Options {
  quick: boolean;
  runs: number;
  only: Set<string> | null;
  write: boolean;
}

function parseOptions(args: readonly string[]): Options {
  const options: Options = {
    quick: false,
    runs: 0,
    only: null,
    write: true,
  };
  let write: boolean | undefined;
  for (const arg of args) {
    if (arg === "--quick") options.quick = true;
    else if (arg === "--write") write = true;
    else if (arg === "--no-write") write = false;
    else if (arg.startsWith("--runs=")) options.runs = Number(arg.slice(7));
    else if (arg.startsWith("--only=")) {
      options.only = new Set(arg.slice(7).split(","));
    } else {
      throw new TypeError(
        `Unknown argument "${arg}": use --quick, --runs=N, --only=a,b, --write, --no-write`,
      );
    }
  }
  if (options.runs === 0) options.runs = options.quick ? 1 : 5;
  if (!Number.isInteger(options.runs) || options.runs < 1) {
    throw new RangeError(`Invalid --runs: ${options.runs}`);
  }
  for (const name of options.only ?? []) {
    if (!WORKLOADS.some((w) => w.name === name)) {
      throw new RangeError(`Unknown workload "${name}"`);
    }
  }
  // A quick or partial run does not overwrite the committed results.
  options.write = write ?? (!options.quick && options.only === null);
  return options;
}

// ---------------------------------------------------------------------------
// Python and the machine

interface Machine {
  cpu: string;
  cores: number;
  memory: string;
  os: string;
  deno: string;
  v8: string;
  python: string;
}

/** Reads a /proc file through `cat`: Deno's --allow-read does not cover /proc. */
async function readProc(path: string): Promise<string> {
  try {
    const out = await new Deno.Command("cat", {
      args: [path],
      stdout: "piped",
      stderr: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout) : "";
  } catch {
    return "";
  }
}

async function describeMachine(python: Python | null): Promise<Machine> {
  const cpuinfo = await readProc("/proc/cpuinfo");
  const field = (name: string): string | undefined =>
    new RegExp(`^${name}\\s*:\\s*(.+)$`, "m").exec(cpuinfo)?.[1]?.trim();
  const model = field("model name");
  const family = field("cpu family");
  const modelNo = field("model");
  const mhz = Number(field("cpu MHz"));
  const details = [
    family !== undefined && modelNo !== undefined
      ? `family ${family} model ${modelNo}`
      : "",
    Number.isFinite(mhz) && mhz > 0 ? `${(mhz / 1000).toFixed(1)} GHz` : "",
  ].filter((d) => d !== "").join(", ");
  const cores = cpuinfo.match(/^processor\s*:/gm)?.length ??
    navigator.hardwareConcurrency;
  const kb = Number(
    /^MemTotal:\s*(\d+)/m.exec(await readProc("/proc/meminfo"))?.[1],
  );
  return {
    cpu: model === undefined
      ? "unknown CPU"
      : details === ""
      ? model
      : `${model} (${details})`,
    cores,
    memory: Number.isFinite(kb) && kb > 0
      ? `${(kb / 1024 / 1024).toFixed(1)} GiB RAM`
      : "RAM unknown",
    os: `${Deno.build.os} ${Deno.build.arch}`,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    python: python === null ? "none" : `CPython ${python.version}`,
  };
}

/**
 * The commit measured: `git rev-parse` in the tree, else
 * `$AIO_BENCH_COMMIT` (for a run in an exported copy of the tree).
 */
async function measuredCommit(): Promise<string | null> {
  const forced = Deno.env.get("AIO_BENCH_COMMIT");
  if (forced !== undefined) return forced;
  try {
    const out = await new Deno.Command("git", {
      args: ["rev-parse", "--short", "HEAD"],
      cwd: ROOT,
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return null;
    const commit = new TextDecoder().decode(out.stdout).trim();
    const status = await new Deno.Command("git", {
      args: [
        "status",
        "--porcelain",
        "--",
        "mod.ts",
        "loop",
        "task",
        "sync",
        "io",
      ],
      cwd: ROOT,
      stdout: "piped",
      stderr: "null",
    }).output();
    const dirty = new TextDecoder().decode(status.stdout).trim() !== "";
    return dirty ? `${commit} with uncommitted changes` : commit;
  } catch {
    return null;
  }
}

function machineLine(m: Machine): string {
  return `${m.cpu}, ${m.cores} cores, ${m.memory}, ${m.os}; Deno ${m.deno} (V8 ${m.v8}); ${m.python}`;
}

// ---------------------------------------------------------------------------
// Running

async function runOnce(
  cmd: string,
  args: string[],
  cwd: URL,
  what: string,
): Promise<Sample> {
  const out = await new Deno.Command(cmd, {
    args,
    cwd,
    // No __pycache__ in the source tree.
    env: { PYTHONDONTWRITEBYTECODE: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stdout = new TextDecoder().decode(out.stdout).trim();
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr);
    throw new Error(`${what} failed (exit ${out.code}):\n${stdout}\n${stderr}`);
  }
  const line = stdout.split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line) as Sample;
  } catch {
    throw new Error(`${what} printed no result line: ${stdout}`);
  }
}

/** Samples by workload, then implementation. */
type Samples = Map<string, Map<string, Sample[]>>;

async function runAll(
  workloads: Workload[],
  options: Options,
  python: Python | null,
): Promise<Samples> {
  const samples: Samples = new Map();
  const deno = Deno.execPath();
  for (let run = 1; run <= options.runs; run++) {
    for (const w of workloads) {
      const params = options.quick ? w.quick : w.full;
      const args = Object.entries(params).map(([k, v]) => `${k}=${v}`);
      const impls = ["aio", "raw", ...w.variants];
      if (python !== null) impls.push("asyncio");
      const byImpl = samples.get(w.name) ?? new Map<string, Sample[]>();
      samples.set(w.name, byImpl);
      for (const impl of impls) {
        const what = `${w.name} ${impl} (run ${run}/${options.runs})`;
        const sample = impl === "asyncio"
          ? await runOnce(
            python!.path,
            [`${w.name}.py`, ...args],
            new URL("py/", BENCH),
            what,
          )
          : await runOnce(
            deno,
            [
              "run",
              "--quiet",
              ...w.denoFlags,
              `bench/${w.name}.ts`,
              impl,
              ...args,
            ],
            ROOT,
            what,
          );
        const list = byImpl.get(impl) ?? [];
        list.push(sample);
        byImpl.set(impl, list);
        console.error(`  ${what}: ${JSON.stringify(sample)}`);
      }
    }
  }
  return samples;
}

function median(values: number[]): number {
  return quantile(Float64Array.from(values), 0.5);
}

// ---------------------------------------------------------------------------
// Report

interface Figures {
  row: Row;
  /** Medians of the runs. */
  aio: number;
  raw: number;
  py: number | null;
  /**
   * Medians of the per-run ratios: run k of aio over run k of the other,
   * measured seconds apart, so a load that drifts over minutes cancels out.
   */
  vsRaw: number;
  vsPy: number | null;
}

function figures(samples: Samples, table: Row[]): Figures[] {
  const out: Figures[] = [];
  for (const row of table) {
    const byImpl = samples.get(row.workload);
    if (byImpl === undefined) continue;
    const values = (impl: string): number[] | null =>
      byImpl.get(impl)?.map(row.value) ?? null;
    const aio = values(row.impl ?? "aio")!;
    const raw = values("raw")!;
    const py = values("asyncio");
    const ratios = (other: number[]): number =>
      median(aio.map((v, k) => v / other[k]!));
    out.push({
      row,
      aio: median(aio),
      raw: median(raw),
      py: py === null ? null : median(py),
      vsRaw: ratios(raw),
      vsPy: py === null ? null : ratios(py),
    });
  }
  return out;
}

function ratio(v: number): string {
  if (!Number.isFinite(v)) return "n/a";
  return v >= 10 ? `${v.toFixed(1)}x` : `${v.toFixed(2)}x`;
}

function meets(r: number, target: number, higherIsBetter: boolean): boolean {
  return higherIsBetter ? r >= target : r <= target;
}

function markdownTable(head: string[], body: string[][]): string {
  const widths = head.map((h, i) =>
    Math.max(h.length, ...body.map((r) => r[i]!.length))
  );
  const line = (cells: string[]): string =>
    `| ${
      cells.map((c, i) =>
        i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)
      )
        .join(" | ")
    } |`;
  const rule = `| ${
    widths.map((w, i) => i === 0 ? "-".repeat(w) : "-".repeat(w - 1) + ":")
      .join(" | ")
  } |`;
  return [line(head), rule, ...body.map(line)].join("\n");
}

function mainTable(figs: Figures[]): string {
  return markdownTable(
    ["workload", "aio", "raw Deno", "asyncio", "aio/raw", "aio/asyncio"],
    figs.map((f) => [
      f.row.label,
      f.row.format(f.aio),
      f.row.format(f.raw),
      f.py === null ? "skipped" : f.row.format(f.py),
      ratio(f.vsRaw),
      f.vsPy === null ? "n/a" : ratio(f.vsPy),
    ]),
  );
}

function targetTable(figs: Figures[]): string {
  const cell = (
    r: number | null,
    target: number | undefined,
    higher: boolean,
  ): string => {
    if (target === undefined) return "";
    const want = `${higher ? ">=" : "<="} ${target}x`;
    if (r === null) return `${want}: not measured`;
    return `${want}: ${meets(r, target, higher) ? "met" : "**missed**"} (${
      ratio(r)
    })`;
  };
  return markdownTable(
    ["workload", "target aio/raw", "target aio/asyncio"],
    figs.filter((f) =>
      f.row.targetRaw !== undefined || f.row.targetPy !== undefined
    ).map((f) => [
      f.row.short,
      cell(f.vsRaw, f.row.targetRaw, f.row.higherIsBetter),
      cell(
        f.vsPy,
        f.row.targetPy,
        f.row.higherIsBetter,
      ),
    ]),
  );
}

function variantLines(samples: Samples): string[] {
  const lines: string[] = [];
  const med = (w: string, impl: string, f: (s: Sample) => number) => {
    const list = samples.get(w)?.get(impl);
    return list === undefined ? null : median(list.map(f));
  };
  const mutex = med("lock", "async-mutex", rate);
  const lockAio = med("lock", "aio", rate);
  const lockRaw = med("lock", "raw", rate);
  if (mutex !== null && lockAio !== null && lockRaw !== null) {
    lines.push(
      `- lock with \`npm:async-mutex\`: ${formatRate(mutex)}; aio is ${
        ratio(lockAio / mutex)
      } of it, the raw FIFO lock ${ratio(lockRaw / mutex)}.`,
    );
  }
  const each = med("timers", "setTimeout", (s) => s.ms!);
  const timersAio = med("timers", "aio", (s) => s.ms!);
  if (each !== null && timersAio !== null) {
    const p99 = med("timers", "setTimeout", (s) => s.p99!)!;
    lines.push(
      `- timers with one \`setTimeout\` each: ${
        formatMs(each)
      } wall, lateness p99 ${formatMs(p99)}; aio's wall time is ${
        ratio(timersAio / each)
      } of it.`,
    );
  }
  return lines;
}

/**
 * The contract's floor (`bench/_floor.ts`) beside aio and raw Deno, for the
 * workloads that have one: what the contract costs, and what aio's own code
 * costs on top.
 */
function floorTable(samples: Samples, figs: Figures[]): string | null {
  const body: string[][] = [];
  for (const f of figs) {
    if (f.row.impl !== undefined) continue;
    const byImpl = samples.get(f.row.workload);
    const floor = byImpl?.get("floor")?.map(f.row.value);
    if (byImpl === undefined || floor === undefined) continue;
    const aio = byImpl.get("aio")!.map(f.row.value);
    const raw = byImpl.get("raw")!.map(f.row.value);
    const py = byImpl.get("asyncio")?.map(f.row.value);
    const native = byImpl.get("floor-native")?.map(f.row.value);
    const floorVsRaw = median(floor.map((v, k) => v / raw[k]!));
    const floorVsPy = py === undefined
      ? null
      : median(floor.map((v, k) => v / py[k]!));
    const verdict = (r: number | null, target: number | undefined): string => {
      if (target === undefined || r === null) return "";
      const want = `${f.row.higherIsBetter ? ">=" : "<="} ${target}x`;
      return meets(r, target, f.row.higherIsBetter)
        ? `${want}: within the floor`
        : `${want}: **beyond the floor**`;
    };
    body.push([
      f.row.short,
      f.row.format(f.aio),
      f.row.format(median(floor)),
      f.row.format(f.raw),
      ratio(floorVsRaw),
      floorVsPy === null ? "n/a" : ratio(floorVsPy),
      ratio(median(aio.map((v, k) => v / floor[k]!))),
      native === undefined
        ? ""
        : `${f.row.format(median(native))} (${
          ratio(median(native.map((v, k) => v / raw[k]!)))
        })`,
      verdict(floorVsRaw, f.row.targetRaw),
      verdict(floorVsPy, f.row.targetPy),
    ]);
  }
  if (body.length === 0) return null;
  return markdownTable(
    [
      "workload",
      "aio",
      "contract floor",
      "raw Deno",
      "floor/raw",
      "floor/asyncio",
      "aio/floor",
      "native waits (/raw)",
      "target aio/raw",
      "target aio/asyncio",
    ],
    body,
  );
}

function allRuns(samples: Samples): string {
  const body: string[][] = [];
  for (const [workload, byImpl] of samples) {
    for (const [impl, list] of byImpl) {
      const fields = Object.keys(list[0]!).filter((k) => k !== "n");
      body.push([
        workload,
        impl,
        fields.map((k) =>
          `${k}: ${list.map((s) => Number(s[k]!.toPrecision(4))).join(", ")}`
        ).join("; "),
      ]);
    }
  }
  return markdownTable(["workload", "impl", "each run"], body);
}

function resultsMarkdown(
  figs: Figures[],
  samples: Samples,
  machine: Machine,
  options: Options,
  python: Python | null,
  commit: string | null,
): string {
  const date = new Date().toISOString().slice(0, 16).replace("T", " ");
  const variants = variantLines(samples);
  const floors = floorTable(samples, figs);
  return `# aio vs raw Deno vs CPython asyncio

Generated by \`deno task bench:compare\` (\`bench/compare.ts\`${
    options.quick ? " --quick" : ""
  }) on ${date} UTC${commit === null ? "" : `, library at commit ${commit}`}.
Each figure is the median of ${options.runs} run${
    options.runs === 1 ? "" : "s"
  }, every run a fresh process that makes a warm-up pass at a tenth of the size
before the measured pass (bulk, whose tenth is some 64 reads, before V8 has
optimised anything: four full-size passes, at least 2,048 reads); the implementations'
runs are interleaved.

Machine: ${machineLine(machine)}.

${mainTable(figs)}

Rates: higher is better. Times and bytes: lower is better. A ratio is aio's
figure divided by the other one's: above 1x on a rate, or below 1x on a time or
a size, aio is ahead. The ratios are medians of the per-run ratios (run k of aio
over run k of the other, seconds apart), so they can differ a little from the
ratio of the medians shown: the machine's load drifts over minutes.${
    python === null
      ? "\n\nNo Python 3.8+ was found: the asyncio column was skipped."
      : ""
  }

![ratios](ratios.svg)

## Targets (from issue 13; idle from issue 11, pingpong from issue 7)

${targetTable(figs)}
${
    floors === null ? "" : `
## The contract's floor

The least code that keeps aio's contract, without aio (\`bench/_floor.ts\`,
the \`floor\` implementation of each workload): each task in its own async
context frame (\`currentTask()\` and cancel scopes follow native awaits), each
wait a thenable whose start the library sees, exact ticks (a woken wait
resumes in the loop's next pass, which ends once every resumed task has
parked), one cancellable handle per \`callSoon()\` and per timer (the
timers' floor keeps them in aio's own heap, so aio/floor prices the rest of
aio's timers); nothing else. floor/raw is
what the contract costs; aio/floor is what aio's own code costs on top. A
target beyond the floor cannot be met without changing the contract. The
native-waits column prices the change proposed in issue 13's note: the same
floor with waits that are native promises, tied to their task when made
(\`floor-native\`), so that \`await\` takes V8's fast path. The streams'
floors (echo, bulk) keep their contract on raw sockets: a new array per read
(a \`read()\` result is new bytes the caller keeps), a copy per write
(\`write()\` copies what it is given); the \`readInto()\` rows have no such
cost, and compare with raw Deno.

${floors}
`
  }${
    variants.length > 0
      ? `\n## Other baselines\n\n${variants.join("\n")}\n`
      : ""
  }
## What each column runs

- **aio**: this library, inside \`run()\` (\`bench/<workload>.ts aio\`); the
  echo and bulk readInto() rows run \`bench/<workload>.ts aio-readinto\`.
- **raw Deno**: the floor of the platform, the least code a good engineer
  would write for the same work (\`bench/<workload>.ts raw\`): an array queue
  drained in one pass (callbacks); async functions each awaiting a shared
  resolved promise under \`Promise.all\` (tasks); a minimal promise channel of
  capacity 1, plain methods that return a shared resolved promise when they
  need not wait, ring-buffer FIFOs (pingpong, and two of them for roundtrip);
  a minimal FIFO lock built the same way, a shared resolved promise awaited
  inside (lock); a binary heap of deadlines and ids on one host
  \`setTimeout\` (timers); \`Deno.listen\`/\`Deno.connect\` with the sockets'
  own \`read\`/\`write\` (echo), reading into one reused 64 KiB buffer (bulk);
  pending async functions awaiting one promise (memory); \`Deno.listen\` and a
  pending \`read\` into a 256-byte buffer per connection (idle).
- **asyncio**: CPython's asyncio with its default event loop
  (\`bench/py/<workload>.py\`), the same parameters and the same checks.
  asyncio's \`StreamReader\` has no \`readinto()\` (its zero-copy path is a
  \`BufferedProtocol\`, below the streams), so the readInto() rows compare
  with its \`read()\`.

Every implementation checks its own result (all callbacks ran in order, every
message arrived in order, every round trip came back with its own message at
both ends, the lock's counter shows no two holders, every timer fired once and
none early, every echo matched, every bulk byte arrived in place (each read's
first, middle and last byte against its offset, then the total and EOF),
every idle task finished with its own value) and a failed check fails the
run. Bulk throughput is MB/s (10^6 bytes) from the first write until the
reader holds the last byte; roundtrip counts two messages per round trip. Memory is the V8 heap
(\`Deno.memoryUsage().heapUsed\` after a full GC, \`--expose-gc\`) and, for
Python, \`tracemalloc\`'s traced memory, before and after the tasks block,
divided by their number. Idle connections are measured the same way (heap
plus external memory, the \`ArrayBuffer\`s, for Deno), before the clients
connect and once each of them sent a line, got it back and every handler
waits in \`read()\`, divided by the number of connections; the clients run in
a process of their own. Timer lateness counts from each timer's deadline, so
it includes the time the program takes to schedule all the timers: a timer
due before that loop ends fires late by the rest of it, in every column.

## Every run

${allRuns(samples)}
`;
}

// ---------------------------------------------------------------------------
// Chart

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * A horizontal bar chart of the ratios on a log scale: each bar starts at 1x
 * and ends at the ratio, a tick marks the target against raw Deno.
 */
function chartSvg(figs: Figures[], machine: Machine): string {
  const shown = figs.filter((f) => f.row.chart);
  const ratios = shown.flatMap((f) => [
    f.vsRaw,
    ...(f.vsPy === null ? [] : [f.vsPy]),
    ...(f.row.targetRaw === undefined ? [] : [f.row.targetRaw]),
  ]).filter((r) => Number.isFinite(r) && r > 0);
  const lo = Math.min(0.1, ...ratios) / 1.3;
  const hi = Math.max(10, ...ratios) * 1.3;
  const width = 820;
  const left = 190;
  const right = width - 30;
  const top = 78;
  const rowHeight = 44;
  const height = top + shown.length * rowHeight + 96;
  const x = (r: number): number =>
    left + (Math.log(r) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) *
      (right - left);
  const out: string[] = [];
  const text = (
    tx: number,
    ty: number,
    s: string,
    attrs = "",
  ): void => {
    out.push(
      `<text x="${tx.toFixed(1)}" y="${ty.toFixed(1)}" ${attrs}>${
        escapeXml(s)
      }</text>`,
    );
  };
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
  );
  text(
    16,
    24,
    "aio relative to raw Deno and to CPython asyncio (log scale)",
    `font-size="15" font-weight="600" fill="#222"`,
  );
  text(
    16,
    44,
    "Bars start at 1x. Rates (\u2191): right of 1x, aio is faster. Time and memory (\u2193): left of 1x, aio is better.",
    `fill="#555"`,
  );
  // Legend.
  out.push(`<rect x="16" y="54" width="12" height="10" fill="#4e79a7"/>`);
  text(32, 63, "aio / raw Deno", `fill="#222"`);
  out.push(`<rect x="136" y="54" width="12" height="10" fill="#f28e2b"/>`);
  text(152, 63, "aio / asyncio", `fill="#222"`);
  out.push(
    `<line x1="250" y1="59" x2="250" y2="59" stroke="#222"/><rect x="248" y="52" width="3" height="14" fill="#c00"/>`,
  );
  text(256, 63, "target vs raw Deno", `fill="#222"`);
  // Grid.
  const bottom = top + shown.length * rowHeight;
  for (
    let e = Math.floor(Math.log10(lo));
    e <= Math.ceil(Math.log10(hi));
    e++
  ) {
    for (const m of [1, 2, 5]) {
      const r = m * 10 ** e;
      if (r < lo || r > hi) continue;
      const gx = x(r);
      out.push(
        `<line x1="${gx.toFixed(1)}" y1="${top - 4}" x2="${
          gx.toFixed(1)
        }" y2="${bottom}" stroke="${
          r === 1 ? "#333" : "#e3e3e3"
        }" stroke-width="${r === 1 ? 1.5 : 1}"/>`,
      );
      text(gx, bottom + 16, `${r}x`, `text-anchor="middle" fill="#555"`);
    }
  }
  shown.forEach((f, i) => {
    const y0 = top + i * rowHeight;
    text(
      16,
      y0 + 25,
      `${f.row.short} ${f.row.higherIsBetter ? "\u2191" : "\u2193"}`,
      `fill="#222" font-weight="600"`,
    );
    const bars: [number | null, string, number][] = [
      [f.vsRaw, "#4e79a7", 8],
      [f.vsPy, "#f28e2b", 24],
    ];
    for (const [r, color, dy] of bars) {
      if (r === null || !Number.isFinite(r) || r <= 0) {
        text(x(1) + 6, y0 + dy + 10, "no asyncio", `fill="#999"`);
        continue;
      }
      const a = Math.min(x(1), x(r));
      const b = Math.max(x(1), x(r));
      out.push(
        `<rect x="${a.toFixed(1)}" y="${y0 + dy}" width="${
          Math.max(1, b - a).toFixed(1)
        }" height="13" fill="${color}"/>`,
      );
      const label = ratio(r);
      // Keep the label clear of the target tick on the blue bar.
      const tick = dy === 8 && f.row.targetRaw !== undefined
        ? x(f.row.targetRaw)
        : null;
      if (r >= 1) {
        const lx = tick !== null && tick >= b - 2 && tick <= b + 40
          ? tick + 5
          : b + 4;
        text(lx, y0 + dy + 11, label, `fill="#222"`);
      } else {
        const lx = tick !== null && tick <= a + 2 && tick >= a - 40
          ? tick - 5
          : a - 4;
        text(lx, y0 + dy + 11, label, `fill="#222" text-anchor="end"`);
      }
    }
    if (f.row.targetRaw !== undefined) {
      const tx = x(f.row.targetRaw);
      out.push(
        `<rect x="${(tx - 1.5).toFixed(1)}" y="${
          y0 + 5
        }" width="3" height="19" fill="#c00"/>`,
      );
    }
  });
  const foot = bottom + 40;
  text(
    16,
    foot,
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memory}, ${machine.os}`,
    `fill="#444"`,
  );
  text(
    16,
    foot + 18,
    `Deno ${machine.deno} (V8 ${machine.v8}); ${machine.python}`,
    `fill="#444"`,
  );
  text(
    16,
    foot + 36,
    "Medians of fresh-process runs, same session; see bench/RESULTS.md for the figures.",
    `fill="#444"`,
  );
  out.push("</svg>");
  return out.join("\n") + "\n";
}

// ---------------------------------------------------------------------------
// Main

const options = parseOptions(Deno.args);
const python = await findPython();
const machine = await describeMachine(python);
const commit = await measuredCommit();
const workloads = WORKLOADS.filter((w) =>
  options.only === null || options.only.has(w.name)
);
console.error(
  `bench:compare: ${
    options.quick ? "quick" : "full"
  } size, ${options.runs} run(s) each`,
);
console.error(`machine: ${machineLine(machine)}`);
if (python === null) {
  console.error("No Python 3.8+ found: the asyncio column is skipped.");
} else {
  console.error(`asyncio: ${python.path}`);
}
const samples = await runAll(workloads, options, python);
const figs = figures(samples, rows(options.quick ? "quick" : "full"));
console.log();
console.log(mainTable(figs));
console.log();
console.log(targetTable(figs));
const floors = floorTable(samples, figs);
if (floors !== null) console.log(`\n${floors}\n`);
for (const line of variantLines(samples)) console.log(line);
if (options.write) {
  Deno.writeTextFileSync(
    new URL("RESULTS.md", BENCH),
    resultsMarkdown(figs, samples, machine, options, python, commit),
  );
  Deno.writeTextFileSync(
    new URL("ratios.svg", BENCH),
    chartSvg(figs, machine),
  );
  console.log("\nWrote bench/RESULTS.md and bench/ratios.svg");
}
