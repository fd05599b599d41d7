// Runs a Python program and its aio port as child processes and returns their
// event logs (stdout lines), so tests can compare them.
const HERE = new URL(".", import.meta.url).pathname;
const CONFIG = new URL("../../deno.json", import.meta.url).pathname;
const LIMIT_MS = 20_000;

function lines(bytes: Uint8Array): string[] {
  return new TextDecoder().decode(bytes).split("\n").filter((l) => l !== "");
}

function pyCommand(file: string, args: string[]): Deno.Command {
  return new Deno.Command("python3", {
    args: [HERE + file, ...args],
    cwd: HERE,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { PYTHONDONTWRITEBYTECODE: "1" },
  });
}

function tsCommand(file: string, args: string[]): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--unstable-net",
      "--config",
      CONFIG,
      HERE + file,
      ...args,
    ],
    cwd: HERE,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    env: { NO_COLOR: "1" },
  });
}

async function runToEnd(cmd: Deno.Command, what: string): Promise<string[]> {
  const child = cmd.spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  try {
    const out = await child.output();
    if (!out.success) {
      throw new Error(
        `${what} exited with ${out.code}\n` +
          new TextDecoder().decode(out.stderr),
      );
    }
    return lines(out.stdout);
  } finally {
    clearTimeout(timer);
  }
}

/** The event log of `python3 file`. */
export function pyLog(file: string, args: string[] = []): Promise<string[]> {
  return runToEnd(pyCommand(file, args), `python3 ${file}`);
}

/** The event log of the aio port `file`. */
export function tsLog(file: string, args: string[] = []): Promise<string[]> {
  return runToEnd(tsCommand(file, args), `deno run ${file}`);
}

export interface RunningServer {
  port: number;
  /** Waits for the server to exit and returns its event log. */
  finish(): Promise<string[]>;
}

/** Starts a server program that prints `PORT n` on stderr, then its log. */
export async function startServerProgram(
  lang: "py" | "ts",
  file: string,
): Promise<RunningServer> {
  const cmd = lang === "py" ? pyCommand(file, []) : tsCommand(file, []);
  const child = cmd.spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), LIMIT_MS);
  const stdout = new Response(child.stdout).arrayBuffer();
  const reader = child.stderr.getReader();
  let err = "";
  let port = 0;
  while (port === 0) {
    const { value, done } = await reader.read();
    if (done) break;
    err += new TextDecoder().decode(value);
    const m = err.match(/PORT (\d+)\n/);
    if (m) port = Number(m[1]);
  }
  const restOfStderr = (async () => {
    while (true) {
      const { value, done } = await reader.read();
      if (done) return;
      err += new TextDecoder().decode(value);
    }
  })();
  const finish = async () => {
    try {
      const [status, out] = await Promise.all([
        child.status,
        stdout,
        restOfStderr,
      ]);
      if (!status.success) {
        throw new Error(`${file} exited with ${status.code}\n${err}`);
      }
      return lines(new Uint8Array(out));
    } finally {
      clearTimeout(timer);
    }
  };
  if (port === 0) {
    await finish().catch(() => {});
    throw new Error(`${file} printed no port\n${err}`);
  }
  return { port, finish };
}
