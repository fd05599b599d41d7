/**
 * Shared by the fault suite: the soak switch and subprocess plumbing.
 *
 * Every case is small enough for each CI run. `AIO_SOAK=1` (or `--long`
 * after `--` on the test command line) makes each one large, for soak runs:
 *
 * ```sh
 * AIO_SOAK=1 deno task test tests/faults/   # or: deno test ... -- --long
 * ```
 *
 * @module
 */

/** Whether this is a soak run. */
export const SOAK: boolean = Deno.env.get("AIO_SOAK") === "1" ||
  Deno.args.includes("--long");

/** `quick` on every run, `soak` on a soak run. */
export function size(quick: number, soak: number): number {
  return SOAK ? soak : quick;
}

/** Prints a figure of a soak run (quiet otherwise). */
export function figure(what: string, value: unknown): void {
  if (SOAK) console.log(`soak: ${what}: ${JSON.stringify(value)}`);
}

/** A child process whose stdout is read line by line. */
export interface Child extends AsyncDisposable {
  /** The next line it prints (without the newline). */
  line(): Promise<string>;
  /** Closes its stdin. */
  closeStdin(): Promise<void>;
  /** Waits for it to exit: its status and everything it wrote to stderr. */
  exit(): Promise<{ code: number; stderr: string }>;
}

/** Starts `cmd args` with piped stdio. */
export function spawn(cmd: string, args: string[]): Child {
  const child = new Deno.Command(cmd, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdin = child.stdin.getWriter();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let ended = false;
  let exited: Promise<{ code: number; stderr: string }> | null = null;
  const exit = () =>
    exited ??= (async () => {
      const status = await child.status;
      while (!ended) {
        const { done } = await lines.read();
        ended = done;
      }
      return { code: status.code, stderr: await stderr };
    })();
  return {
    line: async () => {
      for (;;) {
        const at = text.indexOf("\n");
        if (at !== -1) {
          const line = text.slice(0, at);
          text = text.slice(at + 1);
          return line;
        }
        const { value, done } = await lines.read();
        if (done) {
          ended = true;
          throw new Error(`${cmd} ended without a line: ${await stderr}`);
        }
        text += value;
      }
    },
    closeStdin: () => stdin.close().catch(() => {}),
    exit,
    [Symbol.asyncDispose]: async () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await stdin.close().catch(() => {});
      await exit();
    },
  };
}

/** `deno run <flags> <this folder's script> <args>` in a child. */
export function denoScript(
  flags: string[],
  script: string,
  args: string[],
): { cmd: string; args: string[] } {
  return {
    cmd: Deno.execPath(),
    args: [
      "run",
      "--quiet",
      ...flags,
      new URL(script, import.meta.url).pathname,
      ...args,
    ],
  };
}

/** What a child run by {@linkcode underFdLimit} did. */
export interface FdLimitRun {
  code: number;
  lines: string[];
  panicked: boolean;
}

/**
 * Runs `deno run --quiet <flags> <script> <args>` under `ulimit -n 64`:
 * its exit code, the lines it printed, and whether Deno panicked.
 */
export async function underFdLimit(
  flags: string,
  script: string,
  args: string[],
): Promise<FdLimitRun> {
  const params = args.map((_, i) => `"$${i + 2}"`).join(" ");
  const command =
    `ulimit -n 64 && exec "$0" run --quiet ${flags} "$1" ${params}`;
  await using child = spawn("/bin/sh", [
    "-c",
    command,
    Deno.execPath(),
    script,
    ...args,
  ]);
  const lines: string[] = [];
  try {
    for (;;) lines.push(await child.line());
  } catch {
    // Ended.
  }
  const { code, stderr } = await child.exit();
  return { code, lines, panicked: stderr.includes("Deno has panicked") };
}

/**
 * Connects `clients` times to `port`, `concurrency` at a time; each reads
 * the 3-byte greeting, then hangs up. Returns what each got: the greeting,
 * `"refused"` or `"reset"`.
 */
export async function greetAll(
  port: number,
  clients: number,
  concurrency: number,
): Promise<string[]> {
  const greet = async (): Promise<string> => {
    let conn: Deno.Conn;
    try {
      conn = await Deno.connect({ hostname: "127.0.0.1", port });
    } catch {
      return "refused";
    }
    try {
      const buf = new Uint8Array(3);
      let got = 0;
      while (got < 3) {
        const n = await conn.read(buf.subarray(got));
        if (n === null) break;
        got += n;
      }
      return new TextDecoder().decode(buf.subarray(0, got));
    } catch {
      return "reset";
    } finally {
      conn.close();
    }
  };
  const greetings: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(clients, concurrency) }, async () => {
      while (next < clients) {
        next++;
        greetings.push(await greet());
      }
    }),
  );
  return greetings;
}
