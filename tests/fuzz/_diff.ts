// Differential runs: each program on CPython asyncio (one python3 process for
// a batch) and on aio (in this process), logs compared after normalising.
import { generate, type GenOptions, type Program } from "./_gen.ts";
import { runAio } from "./_interp.ts";

const INTERP_PY = new URL("./_interp.py", import.meta.url).pathname;

/** Runs the programs on asyncio; one log per program. */
export async function runPythonBatch(progs: Program[]): Promise<string[][]> {
  // FUZZ_PYTHON=python3.13 compares with a newer asyncio (3.13's TaskGroup
  // re-raises an outside cancellation its failures won over, as aio does).
  const python = Deno.env.get("FUZZ_PYTHON") ?? "python3";
  const child = new Deno.Command(python, {
    args: [INTERP_PY],
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
    env: { PYTHONDONTWRITEBYTECODE: "1" },
  }).spawn();
  // Read while writing: python3 writes each log as it goes, and a full
  // stdout pipe would stop it reading the rest of the programs.
  const output = child.output();
  const writer = child.stdin.getWriter();
  await writer.write(
    new TextEncoder().encode(progs.map((p) => JSON.stringify(p)).join("\n")),
  );
  await writer.close();
  const out = await output;
  const logs: string[][] = [[]];
  for (const line of new TextDecoder().decode(out.stdout).split("\n")) {
    if (line === "") continue;
    if (line === "=== END") logs.push([]);
    else logs[logs.length - 1]!.push(line);
  }
  logs.pop();
  if (logs.length !== progs.length) {
    throw new Error(`python3 gave ${logs.length} logs for ${progs.length}`);
  }
  return logs;
}

/**
 * Orders lines by virtual time, then by who logged them, keeping each one's
 * own order: lines of different tasks in one instant are not compared in
 * order (aio interleaves tasks resumed in one tick at every `await`).
 */
export function normalise(lines: string[]): string[] {
  const keyed = lines.map((l, i) => {
    const m = /^t=(\d+) (\S+) /.exec(l);
    return { l, i, t: m ? Number(m[1]) : -1, who: m ? m[2]! : "" };
  });
  keyed.sort((a, b) =>
    a.t - b.t || (a.who < b.who ? -1 : a.who > b.who ? 1 : 0) || a.i - b.i
  );
  return keyed.map((k) => k.l);
}

export interface Divergence {
  seed: number;
  prog: Program;
  py: string[];
  aio: string[];
}

/** Runs the seeds; returns the programs whose normalised logs differ. */
export async function diffSeeds(
  seeds: number[],
  opts: GenOptions = {},
): Promise<Divergence[]> {
  const progs = seeds.map((s) => generate(s, opts));
  const pyLogs = await runPythonBatch(progs);
  const out: Divergence[] = [];
  for (let i = 0; i < progs.length; i++) {
    const aio = normalise(await runAio(progs[i]!));
    const py = normalise(pyLogs[i]!);
    if (aio.join("\n") !== py.join("\n")) {
      out.push({ seed: seeds[i]!, prog: progs[i]!, py, aio });
    }
  }
  return out;
}

/** A side-by-side view of two logs, marking the lines that differ. */
export function sideBySide(py: string[], aio: string[]): string {
  const n = Math.max(py.length, aio.length);
  const rows: string[] = [];
  for (let i = 0; i < n; i++) {
    const a = py[i] ?? "", b = aio[i] ?? "";
    rows.push(`${a === b ? "  " : "!!"} ${a.padEnd(50)} | ${b}`);
  }
  return rows.join("\n");
}
