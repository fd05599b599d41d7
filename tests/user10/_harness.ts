// Runs a trio program (`python3 -B file.py`) and returns its event log.
const HERE = new URL(".", import.meta.url).pathname;

export async function pyLog(file: string): Promise<string[]> {
  const out = await new Deno.Command("python3", {
    args: ["-B", HERE + file],
    cwd: HERE,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONDONTWRITEBYTECODE: "1" },
  }).output();
  const err = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`python3 ${file} failed:\n${err}`);
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) =>
    l !== ""
  );
}

/** The lines of one `== name` section of a log (its header included). */
export function section(lines: string[], prefix: string): string[] {
  const start = lines.findIndex((l) => l.startsWith(`== ${prefix}`));
  if (start < 0) throw new Error(`no section ${prefix}`);
  let end = lines.findIndex((l, i) => i > start && l.startsWith("== "));
  if (end < 0) end = lines.length;
  return lines.slice(start, end);
}

/** Every section but the ones named, for "the rest is identical". */
export function without(lines: string[], prefixes: string[]): string[] {
  const out: string[] = [];
  let skip = false;
  for (const l of lines) {
    if (l.startsWith("== ")) {
      skip = prefixes.some((p) => l.startsWith(`== ${p}`));
    }
    if (!skip) out.push(l);
  }
  return out;
}

/**
 * Orders the lines of each instant by actor (the word after the time),
 * keeping each actor's own order. trio runs the tasks woken in one batch in
 * an order it leaves unspecified (a cancelled nursery wakes its children in
 * set order, which changes from run to run; a channel send is a checkpoint,
 * asyncio's put is not), so where several tasks log at one instant only
 * each task's own order, and the instants, are compared.
 */
export function canon(lines: string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  const time = (l: string) => l.split(" ")[0];
  const actor = (l: string) => l.split(" ")[1] ?? "";
  const flush = () => {
    run.sort((a, b) => actor(a).localeCompare(actor(b))); // stable
    out.push(...run);
    run = [];
  };
  for (const l of lines) {
    if (l.startsWith("== ")) {
      flush();
      out.push(l);
      continue;
    }
    if (run.length > 0 && time(run[0]!) !== time(l)) flush();
    run.push(l);
  }
  flush();
  return out;
}
