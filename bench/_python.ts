/**
 * The CPython the asyncio columns run on: `$AIO_BENCH_PYTHON` if set, else
 * the newest of `python3.14` ... `python3.11`, pyenv's `~/.pyenv/versions/3.*`
 * and `python3` (3.8 or newer). Shared by `compare.ts` and the fault suite's
 * idle-connection soak.
 *
 * @module
 */

/** A CPython found on this machine. */
export interface Python {
  /** The command that runs it. */
  path: string;
  /** Its version, `3.13.0`. */
  version: string;
}

/** The version `path` reports, or `null` if it does not run. */
async function pythonVersion(path: string): Promise<number[] | null> {
  try {
    const out = await new Deno.Command(path, {
      args: ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) return null;
    const text = new TextDecoder().decode(out.stdout).trim();
    const parts = text.split(".").map(Number);
    return parts.length === 3 && parts.every(Number.isInteger) ? parts : null;
  } catch {
    return null;
  }
}

/**
 * Finds the CPython to compare with.
 *
 * @returns Its path and version, or `null` if there is none.
 */
export async function findPython(): Promise<Python | null> {
  const forced = Deno.env.get("AIO_BENCH_PYTHON");
  const candidates = forced !== undefined ? [forced] : [
    "python3.14",
    "python3.13",
    "python3.12",
    "python3.11",
  ];
  if (forced === undefined) {
    const home = Deno.env.get("HOME") ?? "";
    const root = Deno.env.get("PYENV_ROOT") ?? `${home}/.pyenv`;
    try {
      for (const entry of Deno.readDirSync(`${root}/versions`)) {
        if (/^3\.\d+\.\d+$/.test(entry.name)) {
          candidates.push(`${root}/versions/${entry.name}/bin/python3`);
        }
      }
    } catch {
      // No pyenv.
    }
    candidates.push("python3");
  }
  let best: { path: string; v: number[] } | null = null;
  for (const path of candidates) {
    const v = await pythonVersion(path);
    if (v === null || v[0] !== 3 || v[1]! < 8) continue;
    if (
      best === null || v[1]! > best.v[1]! ||
      (v[1] === best.v[1] && v[2]! > best.v[2]!)
    ) {
      best = { path, v };
    }
  }
  return best && { path: best.path, version: best.v.join(".") };
}
