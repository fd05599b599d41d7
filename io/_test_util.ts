/**
 * Test helpers of the io module: real peers on loopback (CPython's asyncio,
 * OpenSSL) in subprocesses, and an in-memory listener.
 *
 * @module
 */

/** A peer process that printed its port on its first line. */
export interface Peer extends AsyncDisposable {
  /** The port it listens on (or the first line's number). */
  readonly port: number;
  /** Waits for the peer to exit by itself; the lines after the first. */
  finished(): Promise<string[]>;
}

let python: Promise<string | null> | undefined;

/**
 * A CPython 3.11+ (for `StreamWriter.start_tls` on the server side):
 * `$AIO_TEST_PYTHON`, else `python3`; `null` if there is none, and the tests
 * that need one are skipped.
 */
export function findPython(): Promise<string | null> {
  python ??= (async () => {
    const path = Deno.env.get("AIO_TEST_PYTHON") ?? "python3";
    try {
      const out = await new Deno.Command(path, {
        args: ["-c", "import sys; print(sys.version_info >= (3, 11))"],
        stdout: "piped",
        stderr: "null",
      }).output();
      return new TextDecoder().decode(out.stdout).trim() === "True"
        ? path
        : null;
    } catch {
      return null;
    }
  })();
  return python;
}

/** Whether `cmd` runs (`openssl version`, say). */
export async function hasCommand(
  cmd: string,
  args: string[],
): Promise<boolean> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}

/**
 * Starts `cmd args` and waits for the first number it prints on stdout (a
 * port). The peer is killed at disposal; what it printed is kept.
 */
export async function startPeer(cmd: string, args: string[]): Promise<Peer> {
  const child = new Deno.Command(cmd, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1" },
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  let port = NaN;
  for (;;) {
    const match = /(\d+)\s*\n/.exec(text);
    if (match !== null) {
      port = Number(match[1]);
      text = text.slice(match.index + match[0].length);
      break;
    }
    const { value, done } = await reader.read();
    if (done) {
      await child.status;
      throw new Error(`${cmd} ended without a port: ${text}${await stderr}`);
    }
    text += value;
  }
  const rest = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += value;
    }
  })();
  const lines = () => text.split("\n").filter((l) => l !== "");
  return {
    port,
    finished: async () => {
      await child.status;
      await rest;
      return lines();
    },
    [Symbol.asyncDispose]: async () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await child.status;
      await rest;
      await stderr;
    },
  };
}

/** A listener whose `accept()` fails with the given errors, then waits. */
export class FakeListener implements Deno.Listener {
  /** When each `accept()` was called (by the `now` given). */
  readonly calls: number[] = [];
  readonly addr: Deno.NetAddr = {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 1,
  };
  /** Settles when `accept()` ran out of errors and waits. */
  readonly parked: Promise<void>;
  readonly #parked: () => void;
  readonly #errors: unknown[];
  readonly #now: () => number;
  #park: ((error: unknown) => void) | null = null;
  #closed = false;

  constructor(errors: unknown[], now: () => number) {
    this.#errors = [...errors];
    this.#now = now;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.parked = promise;
    this.#parked = resolve;
  }

  /** The `rid` of a real listener; unused. */
  get rid(): number {
    return -1;
  }

  accept(): Promise<Deno.TcpConn> {
    this.calls.push(this.#now());
    if (this.#closed) {
      return Promise.reject(new Deno.errors.BadResource("Listener closed"));
    }
    if (this.#errors.length > 0) return Promise.reject(this.#errors.shift());
    this.#parked();
    return new Promise((_, reject) => (this.#park = reject));
  }

  close(): void {
    this.#closed = true;
    this.#park?.(new Deno.errors.BadResource("Listener closed"));
    this.#park = null;
  }

  ref(): void {}

  unref(): void {}

  [Symbol.dispose](): void {
    this.close();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<Deno.TcpConn> {
    throw new Error("Not used");
  }
}

/** An `Error` with a `code`, as Deno's untyped OS errors are. */
export function osError(code: string): Error {
  return Object.assign(new Error(`${code} (os error)`), { code });
}

/**
 * How a wait for a resource ended: `"handed over"` (the resource, or the
 * first of a `gather()`'s results, is disposed of here), or the name of the
 * error it threw.
 */
export async function handedOver(
  wait: PromiseLike<AsyncDisposable | readonly AsyncDisposable[]>,
): Promise<string> {
  let got: AsyncDisposable | readonly AsyncDisposable[];
  try {
    got = await wait;
  } catch (error) {
    return (error as Error).name;
  }
  const resource = Array.isArray(got) ? got[0] : got;
  await (resource as AsyncDisposable)[Symbol.asyncDispose]();
  return "handed over";
}
